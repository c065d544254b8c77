"""dossier: Markdown chapters + BibTeX + archived sources -> one cited report."""

__version__ = "0.1.0"
