"""IT's packaged build, end to end: `python -m deploy build --deb` (the README's command),
the frozen program run with no Python environment, the Debian package installed into a
throwaway root, self-tested, upgraded and removed.

One build per session (about a minute on a quiet machine, more under load), shared by
every test here; marked slow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_desktop import __version__
from agent_desktop.cli.optional import PARTS
from agent_desktop.policy import SETTINGS
from deploy.bundle import ROOT, SIZE_BUDGET_BYTES, bundle_size, bundled_modules
from deploy.debian import EXTRA_DEPENDS, PACKAGE, build_deb

pytestmark = pytest.mark.slow

SELF_TEST_CHECKS = ("resources", "verification", "pjsua2", "sqlcipher", "keyring", "qt")
# the optional parts (server, demo) and their subcommands come from the one table build.spec reads
NEVER_BUNDLED = ("keyrings", "pytest", "_pytest", "hypothesis", "tests", "unittest", "fastapi",
                 "uvicorn", "starlette", "psycopg", "numpy",
                 *(m for p in PARTS for m in (p.package, f"agent_desktop.cli.{p.cli_module}")))


@dataclass(frozen=True)
class Build:
    bundle: Path
    dist: Path
    output: str

    @property
    def exe(self) -> Path:
        return self.bundle / "agent-desktop"


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("pyinstaller")
    proc = subprocess.run([sys.executable, "-m", "deploy", "build", "--dist", str(work / "dist"),
                           "--work", str(work / "build")], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    print(proc.stdout)  # build time, size and what dominates it, in the test log
    assert "bundle:" in proc.stdout, proc.stdout + proc.stderr
    return Build(work / "dist" / "agent-desktop", work / "dist", proc.stdout)


def frozen_env(tmp: Path) -> dict[str, str]:
    """No Python environment, nothing on PATH: only the session bus and an isolated home."""
    empty_bin = tmp / "empty-bin"
    empty_bin.mkdir(exist_ok=True)
    keep = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "HOME", "LANG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(PATH=str(empty_bin), QT_QPA_PLATFORM="offscreen",
               AGENT_DESKTOP_HOME=str(tmp / "home"), AGENT_DESKTOP_POLICY=str(tmp / "none.toml"))
    return env


def run(exe: Path, *args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=180,
                          env=env, input=stdin, cwd="/")


def assert_self_test_passes(exe: Path, env: dict[str, str]) -> None:
    proc = run(exe, "self-test", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    for check in SELF_TEST_CHECKS:
        assert any(line.startswith(f"ok   {check}:") for line in lines), proc.stdout
    assert lines[-1] == f"self-test: {len(SELF_TEST_CHECKS)} passed, 0 failed"


def test_bundle_stays_within_its_size_budget_and_reports_what_dominates(build: Build) -> None:
    size = bundle_size(build.bundle)
    assert size <= SIZE_BUDGET_BYTES, build.output
    assert f"bundle: {build.bundle} {size / 1e6:.1f} MB" in build.output
    assert "largest parts:" in build.output and "libicudata" in build.output


def test_bundle_leaves_out_what_a_workstation_must_not_carry(build: Build) -> None:
    internal = build.bundle / "_internal"
    modules = bundled_modules(build.exe)
    assert "agent_desktop.cli.main" in modules and "ui.app" in modules  # the listing works
    for name in NEVER_BUNDLED:
        assert not any(m == name or m.startswith(name + ".") for m in modules), name
        assert not (internal / name).exists(), name
    assert not list(internal.rglob("libgtk*")) and not (internal / "PySide6/Qt/plugins/platformthemes").exists()
    platforms = {p.name for p in (internal / "PySide6/Qt/plugins/platforms").iterdir()}
    assert {"libqxcb.so", "libqoffscreen.so"} <= platforms and "libqwayland.so" not in platforms
    assert (internal / "PySide6/Qt/plugins/imageformats/libqsvg.so").exists()
    translations = {p.name for p in (internal / "PySide6/Qt/translations").iterdir()}
    assert translations and all(re.fullmatch(r"qt(base)?_(en|es)\.qm", t) for t in translations)


def test_every_workstation_module_and_subcommand_is_frozen(build: Build, tmp_path: Path) -> None:
    modules = bundled_modules(build.exe)
    sources = [p for pkg in ("agent_desktop", "ui") for p in (ROOT / pkg).rglob("*.py")]
    for path in sources:
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not any(name == m or name.startswith(m + ".") for m in NEVER_BUNDLED):
            assert name in modules, f"{name} is not in the bundle"
    env = frozen_env(tmp_path)
    proc = run(build.exe, "--help", env=env)
    assert proc.returncode == 0, proc.stderr
    for command in ("self-test", "doctor", "policy", "vault", "audit", "verify", "gui", "server", "demo"):
        assert re.search(rf"^    {command}\b", proc.stdout, re.M), command


def test_frozen_program_runs_without_python(build: Build, tmp_path: Path, secret_service: str) -> None:
    env = frozen_env(tmp_path)
    proc = run(build.exe, "--version", env=env)
    assert proc.stdout.strip() == f"agent-desktop {__version__}", proc.stderr
    assert_self_test_passes(build.exe, env)

    script = build.bundle / "_internal/resources/verification/default.toml"
    proc = run(build.exe, "verify", "check", str(script), env=env)
    assert proc.returncode == 0 and ": ok (script 'default'" in proc.stdout, proc.stdout + proc.stderr

    template = tmp_path / "template.toml"
    template.write_text(run(build.exe, "policy", "template", env=env).stdout)
    assert all(f"#{s.key} = " in template.read_text() for s in SETTINGS.values())
    assert run(build.exe, "policy", "check", str(template), env=env).returncode == 0

    for command, package in (("server", "agent-desktop[server]"), ("demo", "./scripts/demo")):
        proc = run(build.exe, command, "--listen", "127.0.0.1:1", env=env)
        assert proc.returncode == 1 and "not part of this installation" in proc.stderr, proc.stderr
        assert package in proc.stderr


def test_bundled_resources_carry_no_build_machine_paths(build: Build) -> None:
    internal = build.bundle / "_internal"
    data = [p for d in ("resources", "ui") for p in (internal / d).rglob("*") if p.is_file()]
    assert data
    leaks = (str(ROOT), str(Path(sys.executable).parent.parent), str(Path.home()))
    for path in data:
        raw = path.read_bytes()
        for leak in leaks:
            assert leak.encode() not in raw, f"{path} contains {leak}"


@pytest.fixture(scope="session")
def debs(build: Build) -> dict[str, Path]:
    """The package, and the same bundle as a next version to try an upgrade."""
    newer = re.sub(r"(\d+)$", lambda m: str(int(m.group(1)) + 1), __version__)
    return {__version__: build_deb(build.bundle, build.dist),
            newer: build_deb(build.bundle, build.dist / "newer", version=newer)}


@pytest.fixture
def throwaway_root(tmp_path: Path) -> Iterator[Path]:
    """An empty dpkg database under tmp_path: nothing touches this machine's /etc or /opt."""
    root = tmp_path / "root"
    for d in ("var/lib/dpkg/updates", "var/lib/dpkg/info", "var/lib/dpkg/triggers"):
        (root / d).mkdir(parents=True)
    for f in ("status", "available"):
        (root / "var/lib/dpkg" / f).touch()
    yield root


def dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # --force-depends: the throwaway database knows no packages (the dependencies are
    # checked against this machine's database below); --force-not-root for non-root runs.
    proc = subprocess.run(["dpkg", f"--root={root}", "--force-depends", "--force-not-root",
                           "--force-script-chrootless", *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def package_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if not p.is_dir() and not str(p.relative_to(root)).startswith(("var/lib/dpkg", "home"))}


def test_deb_installs_self_tests_upgrades_and_removes_cleanly(
    debs: dict[str, Path], throwaway_root: Path, tmp_path: Path, secret_service: str
) -> None:
    current, newer = debs.values()
    proc = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=current.parent,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and f"{current.name}: OK" in proc.stdout

    root = throwaway_root
    dpkg(root, "-i", str(current))
    launcher = root / "usr/bin/agent-desktop"
    assert os.readlink(launcher) == "../../opt/agent-desktop/agent-desktop"
    desktop = (root / "usr/share/applications/agent-desktop.desktop").read_text()
    assert "Exec=agent-desktop %u" in desktop
    assert "x-scheme-handler/tel;" in desktop and "x-scheme-handler/sip;" in desktop
    assert (root / "usr/share/icons/hicolor/scalable/apps/agent-desktop.svg").is_file()
    notices = (root / "usr/share/doc/agent-desktop/copyright").read_text()
    assert all(n in notices for n in ("LGPL-3.0", "GPL-2.0", "SQLCipher", "keyring"))
    example = root / "etc/agent-desktop/policy.example.toml"
    assert not (root / "etc/agent-desktop/policy.toml").exists()  # no policy: IT deploys one

    env = frozen_env(tmp_path)
    env["AGENT_DESKTOP_HOME"] = str(root / "home/agent")  # a user's profile
    assert run(launcher, "policy", "check", str(example), env=env).returncode == 0
    assert_self_test_passes(launcher, env)
    password = "Correct-Horse-Battery-7\n"
    proc = run(launcher, "vault", "--profile", "deb", "create", "--password-stdin", env=env, stdin=password)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    dpkg(root, "-i", str(newer))  # upgrade: the profile stays and still opens
    status = dpkg(root, "-s", PACKAGE).stdout
    assert f"Version: {newer.name.split('_')[1]}" in status
    proc = run(launcher, "vault", "--profile", "deb", "unlock-check", "--password-stdin", env=env,
               stdin=password)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    dpkg(root, "-r", PACKAGE)  # remove: only IT's configuration stays
    assert package_files(root) == {"etc/agent-desktop/policy.example.toml"}
    dpkg(root, "--purge", PACKAGE)
    assert package_files(root) == set()
    assert any((root / "home/agent").rglob("*")), "removal must leave users' profiles"


def test_declared_dependencies_are_what_this_machine_provides(debs: dict[str, Path]) -> None:
    deb = next(iter(debs.values()))
    control = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout
    groups = [g.strip() for g in control.split(",")]
    assert {"libc6", "libxcb1"} <= set(groups)  # derived from what the bundle links against
    for extra in ", ".join(EXTRA_DEPENDS).split(","):
        assert extra.strip() in groups
    for group in groups:
        installed = [p for p in (a.strip().split(" ")[0] for a in group.split("|"))
                     if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                       text=True).stdout.startswith("install ok installed")]
        assert installed, f"no package of {group!r} is installed here: the bundle was not tested with it"
