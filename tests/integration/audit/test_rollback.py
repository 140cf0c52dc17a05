"""Copying an older vault.db back (no key needed) must not erase the events recorded since:
the outbox head is anchored in the keyring, and a database behind it is never continued as
if nothing happened."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent_desktop.audit import outbox
from agent_desktop.audit.anchor import ANCHOR_NAME
from agent_desktop.audit.notices import AuditChainAlert
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.phi_guard import detail_problem
from agent_desktop.vault import Vault
from tests.integration.audit.conftest import PASSWORD, ROLE, USER
from tests.support.vault_env import VaultFactory

FILES = ("vault.db", "vault.db-wal", "vault.db-shm")


def _copy(directory: Path) -> dict[str, bytes]:
    return {n: (directory / n).read_bytes() for n in FILES if (directory / n).exists()}


def _restore(directory: Path, files: dict[str, bytes]) -> None:
    for name in FILES:
        (directory / name).unlink(missing_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


def _reopen(vaults: VaultFactory, profile: str, device_id: str
            ) -> tuple[Vault, AuditRecorder, list[AuditChainAlert]]:
    """Another process's view: a new vault object, recorder and bus."""
    bus = EventBus()
    alerts: list[AuditChainAlert] = []
    bus.subscribe(AuditChainAlert, alerts.append)
    vault = vaults(profile, bus=bus)
    recorder = AuditRecorder(vault, bus, device_id=device_id, user=USER, role=ROLE)
    vault.unlock(PASSWORD)
    return vault, recorder, alerts


def _stored(vault: Any) -> list[dict[str, Any]]:
    return list(vault.submit(lambda c: list(outbox.stored_events(c))).result())


def test_a_database_copied_back_raises_an_alert_that_goes_first_into_the_chain(
        vaults: VaultFactory, vault: Vault, recorder: AuditRecorder, device_id: str) -> None:
    recorder.record("call.answer", call_id="call-1")
    vault.lock()
    old = _copy(vault.directory)  # the attacker's copy, taken while locked
    vault.unlock(PASSWORD)
    recorder.record("phi.reveal", patient="pat-7", call_id="call-1")
    recorder.record("phi.reveal", patient="pat-7", call_id="call-1")
    vault.lock()
    anchored = _stored_head(vaults, vault.profile, device_id)
    _restore(vault.directory, old)

    again, rec2, alerts = _reopen(vaults, vault.profile, device_id)
    events = _stored(again)
    rollback = next(e for e in events if e["action"] == "audit.outbox_rollback")
    assert rollback["outcome"] == "failure" and detail_problem(rollback["detail"]) is None
    found = rollback["seq"] - 1
    assert rollback["detail"] == {"reason": "outbox_behind_anchor",
                                  "events_missing": anchored - found}
    after = [e["action"] for e in events if e["seq"] > rollback["seq"]]
    assert after[-1] == "vault.unlock" and set(after[:-1]) == {"vault.lock"}  # pending locks
    assert [a.seq for a in alerts] == [rollback["seq"]]
    result = rec2.verify_local()
    assert not result.ok and "rolled back" in (result.problem or "")
    again.lock()

    # the alert stays in the outbox until synced; the next unlock continues from it quietly
    third, rec3, alerts3 = _reopen(vaults, vault.profile, device_id)
    assert alerts3 == [] and rec3.verify_local().ok
    assert "audit.outbox_rollback" in [e["action"] for e in _stored(third)]


def test_the_head_is_anchored_within_seconds_while_events_are_written(
        vault: Vault, recorder: AuditRecorder) -> None:
    assert recorder.anchor is not None
    last = recorder.record("phi.view", patient="pat-1")
    for _ in range(20):
        last = recorder.record("phi.view", patient="pat-1")
    deadline = time.monotonic() + 30  # the interval is 2 s; generous for a loaded machine
    while vault.read_anchor(ANCHOR_NAME) != f"{last['seq']}:{last['hash']}":
        assert time.monotonic() < deadline, vault.read_anchor(ANCHOR_NAME)
        time.sleep(0.05)


def test_a_clean_lock_anchors_the_exact_head(vault: Vault, recorder: AuditRecorder) -> None:
    last = recorder.record("phi.view", patient="pat-1")
    vault.lock()
    assert vault.read_anchor(ANCHOR_NAME) == f"{last['seq']}:{last['hash']}"


def _stored_head(vaults: VaultFactory, profile: str, device_id: str) -> int:
    """The anchored seq, read as another process would (before the copy goes back)."""
    probe = vaults(profile, bus=EventBus())
    probe.unlock(PASSWORD)  # no recorder: nothing is appended
    try:
        raw = probe.read_anchor(ANCHOR_NAME)
        assert raw is not None
        return int(raw.split(":")[0])
    finally:
        probe.lock()
