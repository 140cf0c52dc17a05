"""Benchmarks: one JSON object per result line (see README.md)."""
