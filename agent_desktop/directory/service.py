"""The patient directory as the product uses it: FHIR lookups cached in the vault.

Every successful lookup stores the records (and the search that found them) in the vault's
PHI cache with the policy's TTL. When the directory cannot be reached the cache answers and
the result says ``cached=True`` so the UI can tell the agent; expired entries are never
returned (the cache filters on expiry). Verbal consents wait in the vault until the
directory accepts them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agent_desktop.bus import EventBus
from agent_desktop.directory.client import DirectoryError, DirectoryUnavailable, FhirClient
from agent_desktop.directory.fhir import consent_resource, record_from_fhir, related_person_resource
from agent_desktop.directory.groups import GroupData, fetch_group
from agent_desktop.verify import matchers
from agent_desktop.verify.record import PatientRecord, record_from_json, record_to_json
from agent_desktop.verify.session import pending_consent_from_json

log = logging.getLogger(__name__)

PATIENTS = "directory.patient"
SEARCHES = "directory.search"
CACHE_TIMEOUT = 10.0


class Cache(Protocol):
    def put(self, namespace: str, key: str, value: dict[str, Any], lookup: str | None = None) -> Any: ...
    def get(self, namespace: str, key: str) -> Any: ...


class VaultLike(Protocol):
    def transaction(self, fn: Callable[[Any], Any]) -> Any: ...
    def submit(self, fn: Callable[[Any], Any]) -> Any: ...


class Recorder(Protocol):
    def record(self, action: str, *, patient: str | None = None, call_id: str | None = None,
               outcome: str = "success", detail: dict[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Lookup:
    records: tuple[PatientRecord, ...]
    cached: bool  # answered from the vault because the directory is unreachable

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]


@dataclass(frozen=True)
class ScreenPop:
    """Bus event for an incoming call: candidate references only (no PHI on the bus)."""

    call_id: str
    candidates: tuple[str, ...]
    cached: bool
    offline: bool = False


def phone_key(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _name_key(family: str, given: str, birth_date: str) -> str:
    text = "|".join([" ".join(matchers.name_tokens(family)), " ".join(matchers.name_tokens(given)), birth_date])
    return "name:" + hashlib.sha256(text.encode()).hexdigest()


class Directory:
    def __init__(self, client: FhirClient | None, cache: Cache, vault: VaultLike, bus: EventBus | None = None,
                 *, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.cache = cache
        self.vault = vault
        self.bus = bus
        self.clock = clock

    # --- lookups ----------------------------------------------------------------------------

    def by_phone(self, number: str) -> Lookup:
        key = phone_key(number)
        if len(key) < 7:
            raise DirectoryError("the caller's number is too short to look up")
        return self._search(f"phone:{key}", lambda c: c.patients_by_phone(number), lookup=key)

    def by_name(self, family: str, given: str, birth_date: str) -> Lookup:
        import datetime as dt

        born = dt.date.fromisoformat(birth_date)
        return self._search(_name_key(family, given, born.isoformat()),
                            lambda c: c.patients_by_name(family, given, born))

    def by_id(self, patient_id: str) -> Lookup:
        def fetch(c: FhirClient) -> list[dict[str, Any]]:
            found = c.patient(patient_id)
            return [found] if found else []

        return self._search(f"id:{patient_id}", fetch)

    def screen_pop(self, call_id: str, number: str, recorder: Recorder | None = None) -> Lookup:
        """Candidates for an incoming call; zero, one or several. Published and audited."""
        try:
            found = self.by_phone(number)
        except DirectoryUnavailable:
            found = Lookup((), cached=False)
            offline = True
        else:
            offline = False
        if recorder is not None:
            recorder.record("directory.lookup", call_id=call_id, outcome="success" if not offline else "failure",
                            detail={"by": "phone", "candidates": len(found.records), "cached": found.cached,
                                    "offline": offline})
        if self.bus is not None:
            self.bus.publish(ScreenPop(call_id, tuple(found.ids), found.cached, offline))
        return found

    def group_data(self, patient_id: str, group: str) -> GroupData:
        """The data behind one field group (blocking; call it off the GUI thread).

        Fetches only that group's resources, caches the rows with the PHI TTL and, when the
        directory is unreachable, answers from the cache (``cached=True``). Only call it for a
        group the verification allows; reveal the result through the verification's guard.
        """
        return fetch_group(self.client, self.cache, patient_id, group, clock=self.clock)

    # --- consents ---------------------------------------------------------------------------

    def flush_pending_consents(self) -> int:
        """Send queued verbal consents; returns how many the directory accepted."""
        if self.client is None:
            return 0
        rows = self.vault.submit(lambda conn: conn.execute(
            "SELECT id, body FROM pending_consents WHERE sent_id IS NULL ORDER BY id").fetchall()
        ).result(CACHE_TIMEOUT)
        sent = 0
        for row_id, body in rows:
            pending = pending_consent_from_json(json.loads(body))
            contained = related_person_resource(patient_id=pending.patient_id, relationship=pending.relationship,
                                                given=pending.given, family=pending.family, phone=pending.phone,
                                                rp_id="authorised")
            resource = consent_resource(patient_id=pending.patient_id, actor_ref="#authorised",
                                        groups=pending.scope, start=pending.recorded_on, end=pending.expires,
                                        contained=[contained])
            try:
                stored = self.client.post_consent(resource)
            except DirectoryUnavailable:
                break  # offline: keep the rest queued, in order
            except DirectoryError as err:
                self._mark_pending(row_id, None, err.message[:200])
                continue
            self._mark_pending(row_id, str(stored["id"]), None)
            self.cache_forget(pending.patient_id)
            sent += 1
        return sent

    def _mark_pending(self, row_id: int, sent_id: str | None, error: str | None) -> None:
        def mark(conn: Any) -> None:
            conn.execute("UPDATE pending_consents SET sent_id = ?, last_error = ?, attempts = attempts + 1"
                         " WHERE id = ?", (sent_id, error, row_id))

        self.vault.transaction(mark).result(CACHE_TIMEOUT)

    def pending_consent_count(self) -> int:
        row = self.vault.submit(lambda conn: conn.execute(
            "SELECT COUNT(*) FROM pending_consents WHERE sent_id IS NULL").fetchone()).result(CACHE_TIMEOUT)
        return int(row[0])

    def cache_forget(self, patient_id: str) -> None:
        """The record changed on the server (a new consent): the next read must refetch it."""
        delete = getattr(self.cache, "delete", None)
        if delete is not None:
            delete(PATIENTS, patient_id).result(CACHE_TIMEOUT)

    # --- internals --------------------------------------------------------------------------

    def _search(self, key: str, fetch: Callable[[FhirClient], list[dict[str, Any]]],
                lookup: str | None = None) -> Lookup:
        if self.client is None:
            return self._from_cache(key, DirectoryError(
                "no patient directory is configured", "Set directory.fhir_base_url in the policy."))
        try:
            patients = fetch(self.client)
            records = tuple(self._full_record(p) for p in patients)
        except DirectoryUnavailable as err:
            log.info("directory unreachable, answering from the cache: %s", err.message)
            return self._from_cache(key, err)
        for record in records:
            self.cache.put(PATIENTS, record.id, {"record": record_to_json(record)},
                           lookup=phone_key(record.person.phone or "") or None).result(CACHE_TIMEOUT)
        self.cache.put(SEARCHES, key, {"ids": [r.id for r in records]}, lookup=lookup).result(CACHE_TIMEOUT)
        self._send_waiting_consents()
        return Lookup(records, cached=False)

    def _send_waiting_consents(self) -> None:
        """The directory answered, so it is online: consents recorded offline go now."""
        try:
            if self.pending_consent_count():
                self.flush_pending_consents()
        except DirectoryError as err:  # the lookup itself succeeded; the queue waits
            log.info("queued consents not sent yet: %s", err.message)

    def _full_record(self, patient: dict[str, Any]) -> PatientRecord:
        assert self.client is not None
        pid = str(patient["id"])
        return record_from_fhir(patient, self.client.related_persons(pid), self.client.consents(pid))

    def _from_cache(self, key: str, err: DirectoryError) -> Lookup:
        if key.startswith("id:"):
            ids = [key[3:]]
        else:
            search = self.cache.get(SEARCHES, key).result(CACHE_TIMEOUT)
            if search is None:
                raise err
            ids = list(search.value.get("ids", []))
        records = []
        for pid in ids:
            entry = self.cache.get(PATIENTS, pid).result(CACHE_TIMEOUT)
            if entry is not None:  # expired entries are never returned by the cache
                records.append(record_from_json(entry.value["record"]))
        if key.startswith("id:") and not records:
            raise err
        return Lookup(tuple(records), cached=True)


def build_directory(settings: Any, device_token: str, cache: Cache, vault: VaultLike,
                    bus: EventBus | None = None) -> Directory:
    """The directory from policy: ``directory.fhir_base_url``, ``ca_bundle``, ``timeout_seconds``.

    Without a base URL the directory answers from the cache only (and says it is offline).
    """
    import requests

    base = str(settings.get("directory.fhir_base_url") or "")
    client = None
    if base:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE must not replace the policy's CA
        session.verify = str(settings.get("directory.ca_bundle") or "") or True
        session.headers["Authorization"] = f"Bearer {device_token}"
        client = FhirClient(base, session, timeout=float(settings.get("directory.timeout_seconds")))
    return Directory(client, cache, vault, bus)


def candidates_named(records: Sequence[PatientRecord], typed_name: str, rule: str) -> list[PatientRecord]:
    """Several candidates on one number: those whose name matches what the caller said."""
    return [r for r in records if matchers.match_name(typed_name, r.person.given, r.person.family, rule).ok]


def choose_candidate(lookup: Lookup, typed_name: str, chosen_id: str, *, rule: str, recorder: Recorder,
                     call_id: str) -> PatientRecord:
    """The agent picks a candidate after hearing the name; the choice is audited (counts only)."""
    named = candidates_named(lookup.records, typed_name, rule)
    chosen = next((r for r in lookup.records if r.id == chosen_id), None)
    if chosen is None:
        raise DirectoryError("the chosen patient is not one of this call's candidates")
    recorder.record("directory.candidate_choice", patient=chosen.id, call_id=call_id,
                    detail={"candidates": len(lookup.records), "name_matches": len(named),
                            "chosen_matches_name": chosen in named, "cached": lookup.cached})
    return chosen
