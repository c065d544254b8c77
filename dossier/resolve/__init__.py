"""Resolving: the whole dossier's numbers, ids, cross-reference targets,
citation clusters in document order, the images chapters show, timelines and the
list of abbreviations."""
