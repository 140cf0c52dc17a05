"""PySide's import hook still classifies each new module, without keeping its source
(``ui.source_cache``: ~12 MB of the signed-in desktop's resident set)."""

from __future__ import annotations

import linecache
import subprocess
import sys
from pathlib import Path

import pytest

from ui import source_cache


def test_a_module_imported_under_pyside_is_classified_and_its_source_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert source_cache.install(), "this PySide6 has no feature check to wrap"
    (tmp_path / "rss_probe_qt.py").write_text("import PySide6.QtCore\nVALUE = 1\n" + "# padding\n" * 500)
    (tmp_path / "rss_probe_plain.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        exec("import rss_probe_qt, rss_probe_plain")  # an import statement: PySide's hook sees it
        feature = sys.modules[source_cache.FEATURE_MODULE]
        assert feature.pyside_feature_dict["rss_probe_qt"] == 0  # uses PySide: switchable
        assert feature.pyside_feature_dict["rss_probe_plain"] == -1  # ignored by features
        kept = [name for name in linecache.cache if name.startswith(str(tmp_path))]
        assert kept == [], f"linecache still holds {kept}"
    finally:
        for name in ("rss_probe_qt", "rss_probe_plain"):
            sys.modules.pop(name, None)


def test_installing_twice_wraps_once() -> None:
    source_cache.install()
    check = getattr(sys.modules[source_cache.FEATURE_MODULE], source_cache.CHECK)
    assert not hasattr(check.__wrapped__, "__wrapped__")


def test_the_sources_pyside_read_before_the_wrap_are_dropped_too() -> None:
    """PySide checks the modules already imported while it loads (logging, enum ...)."""
    code = ("import linecache, logging, ui; import PySide6.QtWidgets; "
            "print(sorted(n for n in linecache.cache if not n.startswith('<')))")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-400:]
    assert child.stdout.strip() == "[]"
