"""Audit benchmarks (filled in below)."""
