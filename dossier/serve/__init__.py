"""Serving the built site while the author writes, rebuilding on change."""
