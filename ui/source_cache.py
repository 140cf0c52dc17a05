"""PySide6's import hook without the copy of every module's source it leaves behind.

Once PySide6 is imported, its ``__feature__`` machinery checks every module imported after
it for the text "PySide6" (``shibokensupport.feature._mod_uses_pyside``) with
``inspect.getsource``, which reads the whole file through ``linecache``, and ``linecache``
keeps it: the source of ~650 modules, split into lines, ~12 MB of the signed-in desktop's
resident set that nothing reads again (a traceback re-reads the few files it shows). The
check is kept as it is; only the cache entries it added are dropped afterwards.
"""

from __future__ import annotations

import linecache
import logging
import sys
from collections.abc import Callable
from types import ModuleType

import PySide6.QtCore  # noqa: F401 - installs PySide's import hook and loads its feature module

log = logging.getLogger(__name__)

FEATURE_MODULE = "shibokensupport.feature"
CHECK = "_mod_uses_pyside"


def uncached(check: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    """``check`` run as before, then the ``linecache`` entries it read dropped."""

    def uses_pyside(module: ModuleType) -> bool:
        before = set(linecache.cache)
        try:
            return check(module)
        finally:
            for name in linecache.cache.keys() - before:
                linecache.cache.pop(name, None)

    uses_pyside.__wrapped__ = check  # type: ignore[attr-defined]
    return uses_pyside


def install() -> bool:
    """Wrap PySide's check (once); False when this PySide6 has no such check."""
    feature = sys.modules.get(FEATURE_MODULE)
    check = getattr(feature, CHECK, None)
    if not callable(check):
        log.debug("no %s.%s in this PySide6: module sources stay cached", FEATURE_MODULE, CHECK)
        return False
    if not hasattr(check, "__wrapped__"):
        setattr(feature, CHECK, uncached(check))
        forget_checked(getattr(feature, "pyside_feature_dict", {}))
    return True


def forget_checked(checked: dict[str, int]) -> None:
    """Drop what the check cached before it was wrapped: the modules PySide looked at
    while it loaded (logging, enum, warnings ... ~0.5 MB)."""
    for name in list(checked):
        filename = getattr(sys.modules.get(name), "__file__", None)
        if filename:
            linecache.cache.pop(filename, None)


install()
