"""Unit tests: one module each for the modules otherwise reached only through whole
builds, called with small in-memory inputs (see CONTRIBUTING.md)."""
