"""Licence notices of what the bundle ships: the native libraries inside the wheels, then
every Python distribution the product requires (derived from its requirements, with the
licence files those distributions carry)."""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

# Native code that arrives inside wheels; their licences bind whoever distributes the bundle.
NATIVE = """\
Native libraries inside the bundle
----------------------------------
Qt 6 (in PySide6): GNU LGPL-3.0. The Qt libraries are separate shared objects under
  PySide6/Qt/lib; a user may replace them with a compatible build. Source: qt.io.
PySide6 / Shiboken6: GNU LGPL-3.0. Source: code.qt.io/pyside.
pjproject (in pjsua2-python): GNU GPL-2.0-or-later, or a commercial licence from Teluu.
  Distributing this bundle outside your organisation under the GPL means offering the
  corresponding source; otherwise obtain a commercial pjproject licence.
OpenSSL 1.0.2 (in pjsua2-python.libs): OpenSSL and SSLeay licences.
OpenSSL 3 (libssl, libcrypto): Apache-2.0.
SQLCipher (in sqlcipher3): BSD-3-Clause style licence, Zetetic LLC; SQLite: public domain.
ICU (libicu*): Unicode licence.
Python 3 runtime: Python Software Foundation licence.
System libraries copied from the build machine (libstdc++, libgcc_s, libglib, libX11,
  libxcb ...): their Debian copyright files under /usr/share/doc/<package>/copyright.
"""

LICENCE_FILE = re.compile(r"\.dist-info/(.*/)?(LICEN[CS]E|COPYING|NOTICE)[^/]*$", re.I)


def _name(requirement: str) -> str | None:
    """The distribution a requirement names, or None when it only applies to an extra."""
    if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return match.group(0) if match else None


def runtime_distributions(root: str = "agent-desktop") -> list[md.Distribution]:
    """``root`` and everything it requires at run time (no extras), each once."""
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a platform-only requirement (pywin32-ctypes on Windows ...)
        seen[key] = dist
        todo.extend(n for r in dist.requires or [] if (n := _name(r)))
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _field(meta: md.PackageMetadata, name: str) -> str:
    try:  # a missing field is None, or KeyError from the importlib_metadata backport
        return meta[name] or ""
    except KeyError:
        return ""


def _licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression, text = _field(meta, "License-Expression"), _field(meta, "License")
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    short = text if text and "\n" not in text and len(text) < 100 else ""
    return expression or short or ", ".join(classifiers) or "not stated in its metadata (see above)"


def notices(product_version: str) -> str:
    out = [f"Agent Desktop {product_version}: notices for the software this package bundles.",
           "", NATIVE, "Python distributions", "--------------------"]
    texts = []
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        if name == "agent-desktop":
            continue
        out.append(f"{name} {version}: {_licence(dist)}")
        for file in dist.files or []:
            if LICENCE_FILE.search(str(file)):
                path = Path(str(dist.locate_file(file)))
                body = path.read_text(encoding="utf-8", errors="replace").strip()
                texts.append(f"===== {name} {version}: {file.name} =====\n{body}\n")
    return "\n".join(out) + "\n\n" + "\n".join(texts)
