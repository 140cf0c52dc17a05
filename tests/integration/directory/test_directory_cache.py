"""Directory lookups cached in the real vault: TTL, offline answers flagged, expired never shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from agent_desktop.bus import EventBus
from agent_desktop.directory.client import DirectoryUnavailable
from agent_desktop.directory.service import Directory, ScreenPop
from agent_desktop.vault import Vault
from agent_desktop.vault.phi_cache import PhiCache
from tests.support.directory_env import DirectoryServer
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory


@pytest.fixture
def vault(make_vault: VaultFactory, clock: FakeClock) -> Iterator[Vault]:
    v = make_vault(clock=clock)
    v.create(PASSWORD)
    yield v


def directory_for(ds: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock,
                  bus: EventBus | None = None) -> Directory:
    return Directory(ds.client(timeout=2), PhiCache(vault, make_vault.settings(), clock), vault, bus, clock=clock)


def phone_of(ds: DirectoryServer, shared: bool) -> str:
    counts = Counter(p["telecom"][0]["value"] for p in ds.data()["Patient"])
    return next(n for n, c in counts.items() if (c > 1) == shared)


def test_offline_lookup_answers_from_the_cache_and_says_so(directory_server: DirectoryServer, vault: Vault,
                                                           make_vault: VaultFactory, clock: FakeClock) -> None:
    directory = directory_for(directory_server, vault, make_vault, clock)
    phone = phone_of(directory_server, shared=True)
    online = directory.by_phone(phone)
    assert not online.cached and len(online.records) >= 2
    directory_server.server.stop()
    clock.advance(3600)
    offline = directory.by_phone(phone)
    assert offline.cached
    assert offline.records == online.records  # representatives and consents included
    by_id = directory.by_id(online.records[0].id)
    assert by_id.cached and by_id.records == (online.records[0],)


def test_expired_cache_is_never_shown_offline(directory_server: DirectoryServer, vault: Vault,
                                              make_vault: VaultFactory, clock: FakeClock) -> None:
    directory = directory_for(directory_server, vault, make_vault, clock)
    phone = phone_of(directory_server, shared=False)
    found = directory.by_phone(phone)
    directory_server.server.stop()
    ttl = int(make_vault.settings().get("vault.phi_cache_ttl_hours")) * 3600
    clock.advance(ttl - 60)
    assert directory.by_phone(phone).cached  # one minute before expiry: still there
    clock.advance(61)
    with pytest.raises(DirectoryUnavailable):
        directory.by_phone(phone)
    with pytest.raises(DirectoryUnavailable):
        directory.by_id(found.records[0].id)
    # and a purge removes the rows themselves
    assert vault.submit(lambda c: c.execute("SELECT COUNT(*) FROM phi_cache WHERE expires_at > 0").fetchone()[0]
                        ).result() >= 1
    PhiCache(vault, make_vault.settings(), clock).purge_expired().result()
    assert vault.submit(lambda c: c.execute("SELECT COUNT(*) FROM phi_cache").fetchone()[0]).result() == 0


def test_nothing_cached_and_offline_is_an_error_not_an_empty_answer(
        directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    directory = directory_for(directory_server, vault, make_vault, clock)
    directory_server.server.stop()
    with pytest.raises(DirectoryUnavailable, match="cannot be reached"):
        directory.by_phone(phone_of(directory_server, shared=False))


def test_screen_pop_publishes_candidate_references(directory_server: DirectoryServer, vault: Vault,
                                                   make_vault: VaultFactory, clock: FakeClock) -> None:
    bus = EventBus()
    seen: list[ScreenPop] = []
    bus.subscribe(ScreenPop, seen.append)
    directory = directory_for(directory_server, vault, make_vault, clock, bus)
    several = directory.screen_pop("call-1", phone_of(directory_server, shared=True))
    one = directory.screen_pop("call-2", phone_of(directory_server, shared=False))
    none = directory.screen_pop("call-3", "+1 989 555 0000")
    assert [len(x.records) for x in (one, none)] == [1, 0] and len(several.records) >= 2
    assert [s.candidates for s in seen] == [tuple(several.ids), tuple(one.ids), ()]
    directory_server.server.stop()
    offline = directory.screen_pop("call-4", "+1 989 555 0001")
    assert offline.records == () and seen[-1].offline


def test_rereading_after_the_ttl_refetches_online(directory_server: DirectoryServer, vault: Vault,
                                                  make_vault: VaultFactory, clock: FakeClock) -> None:
    directory = directory_for(directory_server, vault, make_vault, clock)
    phone = phone_of(directory_server, shared=False)
    first = directory.by_phone(phone)
    clock.advance(48 * 3600)
    again = directory.by_phone(phone)
    assert not again.cached and again.records == first.records


def test_consent_recorded_offline_waits_in_the_vault_then_reaches_the_directory(
        directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    import datetime as dt
    import json

    from agent_desktop.verify.engine import PendingConsent
    from agent_desktop.verify.session import pending_consent_json
    from tests.support.directory_env import TODAY

    directory = directory_for(directory_server, vault, make_vault, clock)
    patient = directory_server.data()["Patient"][0]["id"]
    directory.by_id(patient)  # cached before the consent
    consent = PendingConsent(patient, "caregiver", frozenset({"appointments", "care_plan"}),
                             TODAY + dt.timedelta(days=90), ("Evaristo",), ("Quintanilla",), None, TODAY)
    vault.transaction(lambda c: c.execute("INSERT INTO pending_consents (patient, body, created_at) VALUES (?, ?, ?)",
                                          (patient, json.dumps(pending_consent_json(consent)), 0.0))).result()
    directory_server.server.stop()
    assert directory.flush_pending_consents() == 0
    assert directory.pending_consent_count() == 1
    directory_server.server.start()
    directory.by_id(patient)  # the first answer from the directory sends the queue
    assert directory.pending_consent_count() == 0
    fresh = directory.by_id(patient)
    assert not fresh.cached
    rep = next(r for r in fresh.records[0].representatives if r.person.given == ("Evaristo",))
    assert rep.authorization.relationship == "caregiver"
    assert rep.authorization.scope == {"appointments", "care_plan"} and rep.authorization.valid_on(TODAY)
    assert directory.flush_pending_consents() == 0  # sent once, never twice


def test_incoming_call_pops_candidates_off_the_publishers_thread(
        directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    import threading

    from agent_desktop.directory.screen_pop import ScreenPopper
    from agent_desktop.phone.events import CallInfo, IncomingCall

    def ringing(call_id: str, remote: str) -> IncomingCall:  # as the phone engine publishes it
        return IncomingCall(CallInfo(call_id=call_id, direction="incoming", state="ringing", remote=remote))

    bus = EventBus()
    popped: list[tuple[ScreenPop, str]] = []
    bus.subscribe(ScreenPop, lambda e: popped.append((e, threading.current_thread().name)))
    popper = ScreenPopper(directory_for(directory_server, vault, make_vault, clock, bus))
    bus.subscribe(IncomingCall, popper.on_incoming_call)
    try:
        phone = phone_of(directory_server, shared=True)
        digits = "".join(c for c in phone if c.isdigit())
        bus.publish(ringing("call-9", f'"Caller" <sip:+{digits}@pbx.example.org;user=phone>'))
        bus.publish(ringing("call-10", "sip:1001@pbx.example.org"))
    finally:
        popper.close()  # waits for the queued lookups
    assert [(e.call_id, len(e.candidates) >= 2) for e, _ in popped] == [("call-9", True), ("call-10", False)]
    assert all(name.startswith("screen-pop") for _, name in popped)
