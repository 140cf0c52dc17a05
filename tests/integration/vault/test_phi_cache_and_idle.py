"""PHI cache TTL and purges; idle auto-lock with a fake clock."""

from __future__ import annotations

import pytest

from agent_desktop.vault import IdleTracker, PhiCache, VaultLocked, WrongPassword
from agent_desktop.vault import events as ev
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory

HOUR = 3600.0
PATIENT = {"patient_ref": "pt-0001", "name": "Zebulon Quartz", "dob": "1970-01-02"}


def _rows(vault) -> int:
    return vault.submit(lambda c: c.execute("SELECT count(*) FROM phi_cache").fetchone()[0]
                        ).result()


def test_cached_entries_are_found_by_lookup_and_never_returned_after_the_ttl(
        make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(phi_cache_ttl_hours=2)
    vault = make_vault(clock=clock, settings=settings)
    vault.create(PASSWORD)
    cache = PhiCache(vault, settings, clock=clock)
    cache.put("patient", "pt-0001", PATIENT, lookup="+15550100001").result()
    clock.advance(HOUR)
    cache.put("patient", "pt-0002", {"patient_ref": "pt-0002"}, lookup="+15550100001").result()

    found = cache.find("patient", "+15550100001").result()
    assert [e.key for e in found] == ["pt-0002", "pt-0001"]  # newest first
    entry = cache.get("patient", "pt-0001").result()
    assert entry is not None and entry.value == PATIENT
    assert entry.expires_at == entry.fetched_at + 2 * HOUR
    assert cache.find("patient", "+15550100002").result() == []
    assert cache.get("other-namespace", "pt-0001").result() is None

    clock.advance(HOUR)  # pt-0001 is exactly 2 h old: expired, even before any purge
    assert cache.get("patient", "pt-0001").result() is None
    assert [e.key for e in cache.find("patient", "+15550100001").result()] == ["pt-0002"]
    assert _rows(vault) == 2
    assert cache.purge_expired().result() == 1
    assert _rows(vault) == 1


def test_expired_entries_are_purged_at_lock_and_at_unlock(make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(phi_cache_ttl_hours=1)
    vault = make_vault(clock=clock, settings=settings)
    vault.create(PASSWORD)
    cache = PhiCache(vault, settings, clock=clock)
    cache.put("patient", "a", PATIENT).result()
    clock.advance(2 * HOUR)
    cache.put("patient", "b", PATIENT).result()
    vault.lock()  # purges "a"
    clock.advance(2 * HOUR)
    seen: list[int] = []
    vault.add_unlock_hook(lambda conn, pending: seen.append(
        conn.execute("SELECT count(*) FROM phi_cache").fetchone()[0]))
    vault.unlock(PASSWORD)  # purges "b" before any hook or caller sees the database
    assert seen == [0]


def test_expired_entries_are_purged_periodically_while_unlocked(
        make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(phi_cache_ttl_hours=1)
    vault = make_vault(clock=clock, settings=settings)
    vault.create(PASSWORD)
    PhiCache(vault, settings, clock=clock).put("patient", "a", PATIENT).result()
    clock.advance(2 * HOUR)
    assert vault._purger is not None
    assert vault._purge_now() == 1  # what the periodic job runs each interval
    assert _rows(vault) == 0


def test_the_cache_is_unusable_while_locked(make_vault: VaultFactory) -> None:
    vault = make_vault()
    settings = make_vault.settings()
    vault.create(PASSWORD)
    cache = PhiCache(vault, settings)
    vault.lock()
    with pytest.raises(VaultLocked):
        cache.find("patient", "+15550100001").result()


def test_idle_tracker_locks_at_the_configured_time_and_not_before(
        make_vault: VaultFactory) -> None:
    clock = FakeClock()
    settings = make_vault.settings(idle_lock_minutes=5)
    vault = make_vault(settings=settings)
    locks: list[ev.VaultLocked] = []
    make_vault.bus.subscribe(ev.VaultLocked, locks.append)
    vault.create(PASSWORD)
    idle = IdleTracker(vault, settings, clock=clock)

    clock.advance(4 * 60)
    idle.activity()  # input at 4 min restarts the count
    clock.advance(4 * 60 + 59)
    assert idle.check() is False and vault.unlocked
    clock.advance(1)
    assert idle.check() is True
    assert not vault.unlocked
    assert locks == [ev.VaultLocked(vault.profile, "idle")]

    clock.advance(60 * 60)  # time spent locked does not count after the next unlock
    vault.unlock(PASSWORD)
    assert idle.check() is False and vault.unlocked


def test_idle_tracker_thread_locks_the_vault(make_vault: VaultFactory) -> None:
    import threading

    clock = FakeClock()
    settings = make_vault.settings(idle_lock_minutes=1)
    vault = make_vault(settings=settings)
    vault.create(PASSWORD)
    locked = threading.Event()
    make_vault.bus.subscribe(ev.VaultLocked, lambda e: locked.set())
    idle = IdleTracker(vault, settings, clock=clock, poll_seconds=0.01).start()
    try:
        clock.advance(61)
        assert locked.wait(5)
    finally:
        idle.stop()
    assert not vault.unlocked


def test_screen_lock_locks_immediately_with_its_reason(make_vault: VaultFactory) -> None:
    vault = make_vault()
    locks: list[ev.VaultLocked] = []
    make_vault.bus.subscribe(ev.VaultLocked, locks.append)
    vault.create(PASSWORD)
    vault.lock_now("screen_lock")
    assert locks == [ev.VaultLocked(vault.profile, "screen_lock")]


def test_screen_lock_follows_the_lock_on_screen_lock_policy(make_vault: VaultFactory) -> None:
    keep_open = make_vault.settings(lock_on_screen_lock=False)
    vault = make_vault(settings=keep_open)
    vault.create(PASSWORD)
    assert IdleTracker(vault, keep_open).screen_locked("suspend") is False
    assert vault.unlocked
    default = make_vault.settings(lock_on_screen_lock=True)
    assert IdleTracker(vault, default).screen_locked("suspend") is True
    assert not vault.unlocked


def test_no_phi_reaches_the_logs_or_the_files_beside_the_database(
        make_vault: VaultFactory, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import os

    caplog.set_level(logging.DEBUG)
    settings = make_vault.settings()
    vault = make_vault(settings=settings)
    vault.create(PASSWORD)
    cache = PhiCache(vault, settings)
    cache.put("patient", "pt-0001", PATIENT, lookup="+15550100001").result()
    assert cache.find("patient", "+15550100001").result()
    vault.lock()
    with pytest.raises(WrongPassword):
        vault.unlock("Wrong-Password-For-Log-1")
    vault.unlock(PASSWORD)
    vault.lock("idle")
    texts = [caplog.text]
    for name in os.listdir(vault.directory):
        texts.append((vault.directory / name).read_bytes().decode("latin-1"))
    for secret in ("Zebulon", "Quartz", "1970-01-02", "5550100001", PASSWORD):
        assert all(secret not in text for text in texts), secret
