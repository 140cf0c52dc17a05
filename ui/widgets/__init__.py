"""Reusable widgets of the shell (one per file)."""
