"""PySide6 GUI."""

# First, before any other module is imported under PySide's import hook (see the module).
from ui import source_cache  # noqa: F401
