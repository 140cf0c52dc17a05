"""`python -m deploy build [--deb]`: build the workstation bundle (and its Debian package),
then report the time, the size against the budget and what dominates it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from deploy.bundle import ROOT, SIZE_BUDGET_BYTES, bundle_size, size_report


def build_bundle(dist: Path, work: Path) -> Path:
    """Run PyInstaller on build.spec; returns the bundle folder."""
    env = dict(os.environ, PYINSTALLER_CONFIG_DIR=str(work / "pyinstaller-cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(ROOT / "build.spec")],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"pyinstaller failed:\n{proc.stdout[-3000:]}{proc.stderr[-5000:]}")
    return dist / "agent-desktop"


def report(bundle: Path) -> str:
    size = bundle_size(bundle)
    lines = [f"bundle: {bundle} {size / 1e6:.1f} MB (budget {SIZE_BUDGET_BYTES / 1e6:.0f} MB)",
             "largest parts:"]
    lines += [f"  {n / 1e6:6.1f} MB  {name}" for name, n in size_report(bundle)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy")
    sub = parser.add_subparsers(dest="action", required=True)
    build = sub.add_parser("build", help="build the bundle (and --deb the Debian package)")
    build.add_argument("--dist", type=Path, default=ROOT / "dist")
    build.add_argument("--work", type=Path, default=ROOT / "build")
    build.add_argument("--deb", action="store_true", help="also build the Debian package")
    build.add_argument("--compression", default="zstd", choices=("zstd", "xz", "gzip"),
                       help="of the .deb (xz: smaller, much slower; needed by dpkg < 1.21.18)")
    args = parser.parse_args(argv)

    start = time.monotonic()
    bundle = build_bundle(args.dist, args.work)
    print(f"built in {time.monotonic() - start:.0f} s")
    print(report(bundle))
    if args.deb:
        from deploy.debian import build_deb

        start = time.monotonic()
        deb = build_deb(bundle, args.dist, compression=args.compression)
        print(f"package: {deb} {deb.stat().st_size / 1e6:.1f} MB in {time.monotonic() - start:.0f} s;"
              f" checksums in {deb.parent / 'SHA256SUMS'}")
    return 0 if bundle_size(bundle) <= SIZE_BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
