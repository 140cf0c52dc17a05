"""The Debian package of the workstation bundle, built with ``dpkg-deb --root-owner-group``.

Layout: the bundle in /opt/agent-desktop, a launcher on PATH, a desktop entry registered
for tel: and sip: links with its icon, a commented example policy in /etc/agent-desktop,
licence notices in /usr/share/doc. No maintainer scripts: nothing runs at install time,
so nothing can reach the network, and removal never touches users' profiles (they live in
each user's home; `agent-desktop vault wipe` is how a workstation is decommissioned).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from agent_desktop import __version__
from agent_desktop.policy.template import render_template
from deploy.bundle import ROOT
from deploy.notices import notices

PACKAGE = "agent-desktop"
INSTALL_DIR = "opt/agent-desktop"
POLICY_EXAMPLE = "etc/agent-desktop/policy.example.toml"

# Needed at run time but found by no link-time dependency: what Qt and keyring open by
# name or over D-Bus. Alternatives for distributions that renamed a package (t64).
EXTRA_DEPENDS = (
    "libasound2 | libasound2t64",  # pjsua2's sound devices
    "libdbus-1-3",  # Qt's D-Bus, loaded at run time
    "fonts-dejavu-core | fonts-liberation2",  # Qt draws text with fontconfig (bundled)
    "gnome-keyring | keepassxc | ksecretd",  # a Secret Service holds the vault's device secret
    "dbus-user-session | dbus-x11 | dbus-bin",  # a session bus (dbus-bin: dbus-run-session on kiosks)
)

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Agent Desktop
GenericName=Softphone
Comment=Secure softphone for healthcare call centers
Exec=agent-desktop %u
Icon=agent-desktop
Terminal=false
Categories=Network;Telephony;
Keywords=phone;call;SIP;dial;
MimeType=x-scheme-handler/tel;x-scheme-handler/sip;x-scheme-handler/sips;
StartupWMClass=agent-desktop
"""

DESCRIPTION = """\
Description: secure softphone for healthcare call centers
 Agent Desktop takes and places calls over SIP/TLS with mandatory SRTP, guides the
 agent through verifying the caller before patient data shows, keeps an encrypted
 local cache and a tamper-evident audit trail. IT configures it with
 /etc/agent-desktop/policy.toml; `agent-desktop self-test` and `agent-desktop doctor`
 tell whether a workstation is healthy.
"""


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _elf_files(tree: Path) -> list[Path]:
    return [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
            and p.open("rb").read(4) == b"\x7fELF"]


def system_libraries(bundle: Path) -> set[Path]:
    """Libraries the bundle's binaries link against that it does not carry itself."""
    from PyInstaller.depend.bindepend import get_imports

    carried = {p.name for p in bundle.rglob("*.so*")}
    needed: set[Path] = set()
    for elf in _elf_files(bundle):
        for name, resolved in get_imports(str(elf)):
            if Path(name).name not in carried and resolved:
                needed.add(Path(resolved))
    return needed


def owning_packages(libraries: set[Path]) -> list[str]:
    """The installed Debian packages that provide ``libraries`` (``dpkg -S``)."""
    packages: set[str] = set()
    for lib in sorted(libraries):
        for candidate in (lib, lib.resolve()):
            proc = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
            if proc.returncode == 0:
                packages.add(proc.stdout.split(":", 1)[0].strip())
                break
    return sorted(packages)


@functools.cache  # one analysis per bundle, however many packages are made of it
def depends(bundle: Path) -> str:
    linked = owning_packages(system_libraries(bundle))
    return ", ".join(dict.fromkeys([*linked, *EXTRA_DEPENDS]))


def _source_date_epoch() -> int:
    """The commit's time, so that rebuilding the same commit gives the same timestamps."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    proc = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
                          capture_output=True, text=True)
    return int(proc.stdout.strip() or 0)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def stage(bundle: Path, root: Path, version: str) -> None:
    """Lay out the package's files under ``root`` (DEBIAN/ included)."""
    shutil.copytree(bundle, root / INSTALL_DIR, symlinks=True)
    launcher = root / "usr/bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.symlink_to(Path("../..") / INSTALL_DIR / PACKAGE)  # relative: works in any --root
    _write(root / "usr/share/applications" / f"{PACKAGE}.desktop", DESKTOP_ENTRY)
    icon = root / "usr/share/icons/hicolor/scalable/apps" / f"{PACKAGE}.svg"
    icon.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "resources/icons/app.svg", icon)
    _write(root / POLICY_EXAMPLE, render_template())
    _write(root / "usr/share/doc" / PACKAGE / "copyright", notices(version))

    control = root / "DEBIAN"
    control.mkdir()
    installed_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) // 1024
    _write(control / "control", (
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {architecture()}\n"
        "Maintainer: Agent Desktop <it@agent-desktop.invalid>\n"
        f"Installed-Size: {installed_kb}\nSection: comm\nPriority: optional\n"
        f"Depends: {depends(bundle)}\n{DESCRIPTION}"))
    _write(control / "conffiles", f"/{POLICY_EXAMPLE}\n")
    sums = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.relative_to(root).parts:
            sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {path.relative_to(root)}\n")
    _write(control / "md5sums", "".join(sums))

    epoch = _source_date_epoch()
    for path in [root, *root.rglob("*")]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def build_deb(bundle: Path, out_dir: Path, version: str = __version__, compression: str = "zstd") -> Path:
    """Build ``<out_dir>/agent-desktop_<version>_<arch>.deb`` and record it in SHA256SUMS."""
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{architecture()}.deb"
    with tempfile.TemporaryDirectory(prefix="agent-desktop-deb-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir(mode=0o755)
        stage(bundle, root, version)
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(_source_date_epoch()))
        subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build",
                        str(root), str(deb)], check=True, capture_output=True, env=env)
    record_checksum(deb)
    return deb


def record_checksum(artefact: Path) -> None:
    """Add or replace ``artefact``'s line in SHA256SUMS beside it (``sha256sum -c`` format)."""
    sums = artefact.parent / "SHA256SUMS"
    lines = [line for line in (sums.read_text().splitlines() if sums.exists() else [])
             if not line.endswith("  " + artefact.name)]
    digest = hashlib.sha256(artefact.read_bytes()).hexdigest()
    sums.write_text("".join(f"{line}\n" for line in [*lines, f"{digest}  {artefact.name}"]))
