"""Shared fixtures: throwaway PKI, a real Kamailio over TLS, an isolated app home.

Tests are grouped by kind (unit/, integration/, ui/, e2e/) and then by capability; the
kind's marker is applied from the folder so `-m unit` selects exactly that folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import agent_desktop.capabilities  # noqa: F401  (registers every capability's vault tables)
from agent_desktop.demo.certs import TestPKI, make_pki
from agent_desktop.demo.kamailio import Kamailio

KINDS = ("unit", "integration", "ui", "e2e")
TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        rel = Path(str(item.fspath)).relative_to(TESTS_DIR)
        if rel.parts and rel.parts[0] in KINDS:
            item.add_marker(getattr(pytest.mark, rel.parts[0]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    kam = getattr(item, "funcargs", {}).get("kamailio")
    if report.failed and isinstance(kam, Kamailio):  # type: ignore[attr-defined]
        report.sections.append(("kamailio log", kam.log_tail()))  # type: ignore[attr-defined]
    return report


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """A CA with a server certificate for 127.0.0.1/localhost and a client certificate."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """An unrelated CA: certificates from it must never be trusted."""
    return make_pki(tmp_path_factory.mktemp("other-pki"), name="Untrusted")


@pytest.fixture(scope="session")
def kamailio(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[Kamailio]:
    """A real Kamailio: TLS-only registrar/proxy with digest auth, on free loopback ports."""
    server = Kamailio(tmp_path_factory.mktemp("kamailio"), pki).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def agent_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated AGENT_DESKTOP_HOME and no system policy unless a test writes one."""
    home = tmp_path / "home"
    monkeypatch.setenv("AGENT_DESKTOP_HOME", str(home))
    monkeypatch.setenv("AGENT_DESKTOP_POLICY", str(tmp_path / "policy.toml"))
    return home


@pytest.fixture(autouse=True)
def _workstations_end_with_their_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Workstations live in a module's environment, but each ends with the test that made it,
    passed or failed (see ``WorkstationEnv.end_test``)."""
    env = request.getfixturevalue("workstation_env") if "workstation_env" in request.fixturenames else None
    yield
    if env is not None:
        env.end_test()


@pytest.fixture(scope="session")
def secret_service() -> str:
    """The real Secret Service the test command starts (gnome-keyring under dbus-run-session)."""
    from agent_desktop.vault.keyring_backend import describe, secure_backend

    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("no D-Bus session: run the suite through scripts/test, which starts "
                    "dbus-run-session and gnome-keyring-daemon")
    return type(secure_backend()).__module__ + " (" + describe() + ")"
