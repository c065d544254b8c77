"""Citations: the bibliography, its cache and cycles, CSL styles, and the
citeproc engine (pandoc) with the planning of what it formats."""
