"""PySide6 GUI."""
