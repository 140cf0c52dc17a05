"""What goes into the workstation bundle: build.spec's decisions as plain, testable functions.

Nothing here is kept by hand where it can be derived: the modules come from the source
tree, the left-out parts from :mod:`agent_desktop.cli.optional`, the Qt modules from what
``ui/`` imports, the translations from the ``ui.language`` setting, and the system
libraries from what the kept binaries actually link against.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("agent_desktop", "ui")

# Never in the bundle: the plain-text keyring, test and development tools, the server's stack.
ALWAYS_EXCLUDED = (
    "keyrings", "tkinter", "test", "tests", "unittest", "pytest", "_pytest", "pytestqt",
    "hypothesis", "schemathesis", "numpy", "mypy", "ruff", "PyInstaller",
    "fastapi", "starlette", "uvicorn", "psycopg", "psycopg_binary", "pydantic", "httpx",
)

# Qt plugins by type, by name without "lib" and extension (the same on every platform).
# Types not named here are left out (GTK/portal platform themes, Wayland, EGLFS, evdev,
# Qt's own TLS and network-information backends: the product does its networking in Python).
QT_PLUGINS: dict[str, set[str] | None] = {  # None: every plugin of the type
    # xcb for X11 and XWayland desktops, offscreen for headless self-tests, the native ones
    "platforms": {"qxcb", "qoffscreen", "qminimal", "qwindows", "qcocoa"},
    "imageformats": {"qsvg", "qico", "qjpeg", "qgif"},  # PNG is built into QtGui
    "iconengines": None,  # SVG icons
    "platforminputcontexts": None,  # compose keys and IBus: accented names in Spanish
    "styles": None,  # the native look on Windows and macOS
}
QT_PLUGIN_DIR = "PySide6/Qt/plugins/"
QT_TRANSLATION_DIR = "PySide6/Qt/translations/"
QT_LIB_DIR = "PySide6/Qt/lib/"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def left_out_modules() -> list[str]:
    """Packages and CLI modules of the parts that are not in the workstation bundle."""
    from agent_desktop.cli.optional import PARTS

    return [m for p in PARTS for m in (p.package, f"agent_desktop.cli.{p.cli_module}")]


def _is_left_out(module: str, left_out: Iterable[str]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in left_out)


def workstation_modules() -> list[str]:
    """Every module of the core and the GUI, so new GUI modules need no spec change."""
    left_out = left_out_modules()
    modules = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = _module_name(path)
            if "tests" in name.split(".") or _is_left_out(name, left_out):
                continue
            modules.append(name)
    return modules


def hidden_imports() -> list[str]:
    """Workstation modules, the bundled resources package and the secure keyring backends."""
    from agent_desktop.vault.keyring_backend import SECURE_BACKENDS

    backends = sorted({name.rsplit(".", 1)[0] for name in SECURE_BACKENDS})
    return ["resources", *workstation_modules(), *backends]


def used_qt_modules() -> set[str]:
    """The PySide6 modules that ``ui/`` imports (QtCore, QtGui, QtWidgets ...)."""
    found: set[str] = set()
    pattern = re.compile(r"PySide6\.(Qt\w+)")
    for path in (ROOT / "ui").rglob("*.py"):
        found.update(pattern.findall(path.read_text("utf-8")))
    return found | {"QtCore", "QtGui", "QtWidgets"}


def unused_qt_modules() -> list[str]:
    import PySide6

    installed = {p.name.split(".", 1)[0] for p in Path(PySide6.__file__).parent.glob("Qt*.*")
                 if p.suffix in (".so", ".pyd") or ".abi3." in p.name}
    return sorted(f"PySide6.{m}" for m in installed - used_qt_modules())


def excludes() -> list[str]:
    return [*ALWAYS_EXCLUDED, *left_out_modules(), *unused_qt_modules()]


def plugin_wanted(dest: str) -> bool:
    """Keep a Qt plugin file (bundle path ``PySide6/Qt/plugins/<type>/<file>``)?"""
    kind, _, filename = dest[len(QT_PLUGIN_DIR):].partition("/")
    if kind not in QT_PLUGINS:
        return False
    names = QT_PLUGINS[kind]
    stem = filename.split(".", 1)[0]
    return names is None or stem.removeprefix("lib") in names


def translation_wanted(dest: str) -> bool:
    """Qt's own translations only for the interface languages the product offers."""
    from agent_desktop.policy.schema import SETTINGS

    languages = SETTINGS["ui.language"].choices or ("en",)
    name = dest[len(QT_TRANSLATION_DIR):]
    return bool(re.fullmatch(rf"(qt|qtbase)_({'|'.join(languages)})\.qm", name))


def filter_datas(datas: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    kept = []
    for entry in datas:
        dest = entry[0].replace("\\", "/")
        if dest.startswith(QT_TRANSLATION_DIR) and not translation_wanted(dest):
            continue
        if dest.endswith(".ts"):  # translation sources: the compiled .qm files go instead
            continue
        kept.append(entry)
    return kept


def _is_pruneable(dest: str, typecode: str) -> bool:
    """Shared libraries that are in the bundle only because something links against them."""
    if typecode == "SYMLINK":
        return True
    if typecode != "BINARY" or dest.startswith(QT_PLUGIN_DIR):
        return False
    return not Path(dest).name.startswith("libpython")


def filter_binaries(binaries: list[tuple[str, str, str]], log: list[str] | None = None
                    ) -> list[tuple[str, str, str]]:
    """Drop unwanted Qt plugins, then every library that no kept binary links against.

    PyInstaller collected the dependencies of all plugins (the GTK platform theme alone
    brings GTK, Cairo and Pango); what only those plugins needed goes with them.
    """
    from PyInstaller.depend.bindepend import get_imports

    entries = [e for e in binaries
               if not (e[0].replace("\\", "/").startswith(QT_PLUGIN_DIR)
                       and not plugin_wanted(e[0].replace("\\", "/")))]
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for entry in entries:
        if _is_pruneable(entry[0].replace("\\", "/"), entry[2]):
            by_name.setdefault(Path(entry[0]).name, []).append(entry)
    by_dest = {e[0]: e for e in entries}

    kept: set[str] = set()
    todo = [e for e in entries if not _is_pruneable(e[0].replace("\\", "/"), e[2])]
    while todo:
        entry = todo.pop()
        if entry[0] in kept:
            continue
        kept.add(entry[0])
        if entry[2] == "SYMLINK":  # src is the link's target inside the bundle
            target = by_dest.get(str(Path(entry[0]).parent / entry[1]).removeprefix("./"))
            if target:
                todo.append(target)
            continue
        for name, _ in get_imports(entry[1]):
            todo.extend(by_name.get(Path(name).name, []))
    result = [e for e in entries if e[0] in kept]
    if log is not None:
        dropped = sorted({e[0] for e in binaries} - kept)
        log.extend(dropped)
    return result


def compile_translations(out_dir: Path) -> list[tuple[str, str]]:
    """Compile every ``*.ts`` in ``ui/`` and ``resources/`` with lrelease; (file, bundle dir)."""
    sources = sorted(p for d in ("ui", "resources") for p in (ROOT / d).rglob("*.ts"))
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or "pyside6-lrelease"
    compiled = []
    for ts in sources:
        rel = ts.relative_to(ROOT)
        qm = out_dir / rel.with_suffix(".qm")
        qm.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        compiled.append((str(qm), str(rel.parent)))
    return compiled


def bundle_size(bundle: Path) -> int:
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(bundle: Path, top: int = 12) -> list[tuple[str, int]]:
    """The biggest parts of the bundle: a file, or a folder of small files."""
    totals: dict[str, int] = {}
    internal = bundle / "_internal"
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(internal if internal in path.parents else bundle)
        parts = rel.parts
        depth = 3 if parts[0] == "PySide6" and len(parts) > 3 else 1
        key = "/".join(parts[:depth]) if path.stat().st_size < 1_000_000 else str(rel)
        totals[key] = totals.get(key, 0) + path.stat().st_size
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def platform_icon() -> str | None:
    """The application icon in the format this OS's executables take, when IT provides one.

    Only the SVG is in the source tree; Windows wants ``resources/icons/app.ico`` and macOS
    ``resources/icons/app.icns`` (docs/deploy.md says how to make them).
    """
    suffix = {"win32": ".ico", "darwin": ".icns"}.get(sys.platform)
    icon = ROOT / "resources" / "icons" / f"app{suffix}" if suffix else None
    return str(icon) if icon and icon.is_file() else None


def _repaired_by_auditwheel(path: Path) -> bool:
    """auditwheel points the run path of the libraries it patched at ``<package>.libs``."""
    if path.parent.name.endswith(".libs"):
        return True
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return any(".libs" in line for line in out.splitlines() if "PATH)" in line)


def strip_libraries(internal: Path) -> int:
    """Strip debug symbols from the bundled ELF libraries (Linux); returns bytes saved.

    Libraries whose run path was rewritten by auditwheel's patchelf (pjsua2 and its .libs)
    are left alone: strip breaks their program headers ("ELF load command address/offset
    not page-aligned"), so PyInstaller's all-or-nothing ``strip=True`` cannot be used.
    """
    before = bundle_size(internal)
    for path in sorted(internal.rglob("*")):
        if (path.is_symlink() or not path.is_file() or path.read_bytes()[:4] != b"\x7fELF"
                or _repaired_by_auditwheel(path)):
            continue
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
    return before - bundle_size(internal)


# The Linux bundle's size limit: a build over it fails the test suite. Raise it only with a
# reason in docs/deploy.md (what grew and why it must be in the bundle).
# 154.6 MB when set at 160; since then QtDBus (OS screen-lock signals), translations and the
# call, monitoring and recording screens: 160.6 MB
SIZE_BUDGET_BYTES = 165_000_000


def bundled_modules(executable: Path) -> set[str]:
    """Names of the Python modules frozen into ``executable``'s archive."""
    from PyInstaller.archive.readers import pkg_archive_contents

    return set(pkg_archive_contents(str(executable)))
