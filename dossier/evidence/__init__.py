"""Evidence: the archive of cited sources, their fingerprints and lock,
and the check of every quotation against the source it cites."""
