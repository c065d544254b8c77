"""Benchmarks of dossier against `pandoc --citeproc` and WeasyPrint (issue 6).

Run `.venv/bin/python bench/run.py --help`. The package is split by concern: `corpus`
(generated projects, cached, and the edits of warm rebuilds), `proc` (one timed child
process), `parity` (citations equal to pandoc's), `printdoc` (the print document of the
PDF step), `report` (goals, table, JSON) and `run` (the command line and the schedule).
"""
