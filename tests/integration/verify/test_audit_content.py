"""A whole verification, end to end, then a search of the audit trail for the caller's words.

Screen pop on the caller's number, candidate choice, verification with a misread date and a
wrong ZIP, reveals, a right-of-access request, a new verbal consent sent to the directory,
more calls verified on SSN last 4, passcode and as a representative, three failed calls
that raise the social-engineering flag; then the outbox is synced to the real server. The
vault outbox, the server's events (over its API) and the server's database and log files
hold every step's result and none of the synthetic identifier values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from agent_desktop.audit import outbox
from agent_desktop.audit.credentials import CredentialStore, enroll
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.audit.sync import Outcome, SyncWorker
from agent_desktop.bus import EventBus
from agent_desktop.directory.service import build_directory, choose_candidate
from agent_desktop.paths import AppPaths
from agent_desktop.policy import load_settings
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.phi_cache import PhiCache
from agent_desktop.verify.engine import Status, Verification
from agent_desktop.verify.matchers import fold, normalize_member_id
from agent_desktop.verify.record import PatientRecord, Person
from agent_desktop.verify.script import load_configured_script
from agent_desktop.verify.session import CallLockouts, VerificationSession
from tests.support.directory_env import TODAY, DirectoryServer
from tests.support.vault_env import PASSWORD, VaultFactory

HEX_FIELDS = ("id", "hash", "prev_hash", "device_id")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre"]


def suitable(r: PatientRecord) -> bool:
    p = r.person
    return ((r.age_on(TODAY) or 0) >= 18 and bool(p.passcode and p.member_id and p.ssn_last4 and p.zip)
            and any(rep.authorization.valid_on(TODAY) and rep.authorization.relationship in
                    ("spouse", "child") and rep.person.birth_date for rep in r.representatives))


def values_of(person: Person) -> list[str]:
    """Every form in which a person's identifiers could leak."""
    out = [*person.given, *person.family, " ".join(person.given + person.family)]
    out += [fold(x) for x in out]
    if person.birth_date:
        b = person.birth_date
        out += [b.isoformat(), f"{b.month:02d}/{b.day:02d}/{b.year}", f"{b.day:02d}/{b.month:02d}/{b.year}",
                f"{MONTHS[b.month - 1]} {b.day}", f"{b.day} de {MESES[b.month - 1]}"]
    for value in (person.zip, person.member_id, person.passcode, person.phone):
        if value:
            out.append(value)
    if person.zip:
        out.append(person.zip[:5])
    if person.member_id:
        out.append(normalize_member_id(person.member_id))
    if person.phone:
        out.append(re.sub(r"\D", "", person.phone)[-10:])
    if person.ssn_last4:
        out.append(person.ssn_last4)
    if person.phone:
        d = re.sub(r"\D", "", person.phone)[-10:]
        out.append(f"{d[:3]}-{d[3:6]}-{d[6:]}")
    # as they would appear in a URL (a query string in a debug log line)
    out += [quote(v, safe="") for v in out if quote(v, safe="") != v]
    return [v for v in out if v]


def searchable(event: dict[str, Any]) -> str:
    """An event's text without its hex identifiers and hashes (where 4 digits occur by chance)."""
    return fold(json.dumps({k: v for k, v in event.items() if k not in HEX_FIELDS}, ensure_ascii=False))


def assert_absent(texts: dict[str, str], secrets: list[str]) -> None:
    """No secret as a whole word (a short given name may sit inside an SQL keyword: "primary")."""
    for where, text in texts.items():
        folded = fold(text)
        for secret in secrets:
            pattern = rf"(?<![a-z0-9]){re.escape(fold(secret))}(?![a-z0-9])"
            assert not re.search(pattern, folded), f"an identifier value appears in {where}"


def steps(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["call_id"], e["action"], e["outcome"], e["detail"].get("identifier"), e["detail"].get("result"))
            for e in events]


def test_audit_trail_holds_each_result_and_no_identifier_value(
        directory_server: DirectoryServer, make_vault: VaultFactory, agent_home: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # raw records, before any redaction: nothing may need it
    ds = directory_server
    server = ds.server
    store = CredentialStore(secure_backend(), profile="verify-" + uuid.uuid4().hex[:8])
    http: list[requests.Session] = []

    def session() -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(server.ca_file)
        http.append(s)
        return s

    try:
        creds = enroll(session(), server.base_url, server.token("enroll", agent="agent-verify", team="blue"),
                       store, verify=str(server.ca_file))
        Path(agent_home.parent / "policy.toml").write_text(
            f'[audit]\nserver_url = "{server.base_url}"\nca_bundle = "{server.ca_file}"\n'
            f'[directory]\nfhir_base_url = "{ds.fhir_base}"\nca_bundle = "{server.ca_file}"\n')
        settings = load_settings(AppPaths.from_env())
        bus = EventBus()
        vault = make_vault(settings=settings, bus=bus)
        recorder = AuditRecorder(vault, bus, device_id=creds.device_id, user="agent-verify", role="agent")
        vault.create(PASSWORD)
        directory = build_directory(settings, creds.device_token, PhiCache(vault, settings), vault, bus)
        assert directory.client is not None
        http.append(directory.client.session)
        script = load_configured_script(settings.get("verification.script"))
        lockouts = CallLockouts()

        target = ds.record(suitable)
        me = target.person
        assert me.birth_date and me.zip and me.member_id and me.ssn_last4 and me.passcode and me.phone
        rep = next(r for r in target.representatives if r.authorization.valid_on(TODAY)
                   and r.authorization.relationship in ("spouse", "child") and r.person.birth_date)
        typed: list[str] = []

        def walk(call_id: str, caller_type: str, answers: list[tuple[str, str]], representative: Any = None
                 ) -> VerificationSession:
            v = Verification(script, caller_type, target, "agent", today=TODAY, representative=representative)
            s = VerificationSession(v, recorder, vault, bus, call_id=call_id, lockouts=lockouts,
                                    flag_window_hours=settings.get("verification.flag_window_hours"),
                                    flag_after_failures=settings.get("verification.flag_after_failures"))
            for identifier, text in answers:
                typed.append(text)
                s.answer(identifier, text)
            return s

        b = me.birth_date
        full = " ".join(me.given + me.family)
        wrong_zip = f"{(int(me.zip[:5]) + 1) % 100000:05d}"
        # call 1: screen pop, candidate choice, a misread date, a wrong ZIP, then the member ID
        pop = directory.screen_pop("call-1", me.phone, recorder)
        assert target.id in pop.ids
        chosen = choose_candidate(pop, fold(full).upper(), target.id, rule=script.name_rule, recorder=recorder,
                                  call_id="call-1")
        assert chosen == target
        first = walk("call-1", "patient", [
            ("full_name", fold(full).upper()),
            ("date_of_birth", f"{b.month:02d}/{b.day:02d}/{b.year}"),
            ("date_of_birth", b.isoformat()),
            ("zip", wrong_zip),
            ("member_id", " ".join(normalize_member_id(me.member_id).lower())),
        ])
        assert first.status is Status.VERIFIED
        for group in ("demographics", "medications"):
            with first.reveal(group):
                pass
        first.request_access(groups=["lab_results", "medications"], delivery="portal")
        newcomer = ["Evaristo"], ["Quintanilla", "Berrocal"], "+1-210-555-0188"
        first.record_consent(relationship="sibling", scope=["appointments"], expires=TODAY + dt.timedelta(days=180),
                             given=newcomer[0], family=newcomer[1], phone=newcomer[2])
        assert directory.flush_pending_consents() == 1
        # calls 2 and 3: SSN last four; the verbal passcode in the Spanish date form
        second = walk("call-2", "patient", [("full_name", full), ("date_of_birth", f"{MONTHS[b.month - 1]} {b.day} {b.year}"),
                                            ("ssn_last4", me.ssn_last4)])
        third = walk("call-3", "patient", [("full_name", full), ("date_of_birth", f"{b.day} de {MESES[b.month - 1]} de {b.year}"),
                                           ("passcode", me.passcode.upper())])
        assert second.status is third.status is Status.VERIFIED
        # call 4: a family member with consent, on their own identifiers
        assert rep.person.birth_date is not None
        fourth = walk("call-4", "family_with_consent", [
            ("full_name", full), ("date_of_birth", b.isoformat()),
            ("full_name", " ".join(rep.person.given + rep.person.family)),
            ("date_of_birth", rep.person.birth_date.isoformat())], representative=rep)
        assert fourth.status is Status.VERIFIED
        allowed = sorted(fourth.groups)
        with fourth.reveal(allowed[0]):
            pass
        # calls 5-7: wrong birth dates, three calls in a row: the flag goes up
        wrong_dobs = [(b + dt.timedelta(days=d)).isoformat() for d in (1, 2)]
        failed = [walk(f"call-{n}", "patient", [("full_name", full), ("date_of_birth", wrong_dobs[0]),
                                                 ("date_of_birth", wrong_dobs[1])]) for n in (5, 6, 7)]
        assert [s.status for s in failed] == [Status.FAILED] * 3 and failed[-1].flagged

        # --- what the trail holds -------------------------------------------------------------
        local = list(vault.submit(lambda c: list(outbox.stored_events(c))).result())
        secrets = values_of(me) + values_of(rep.person) + [*newcomer[0], *newcomer[1], newcomer[2], *typed]
        extra_tables = vault.submit(lambda c: json.dumps(
            [list(r) for t in ("verify_failures", "access_requests")
             for r in c.execute(f"SELECT * FROM {t}").fetchall()])).result()
        assert_absent({"outbox": "\n".join(searchable(e) for e in local), "vault tables": extra_tables}, secrets)

        got = steps(local)
        assert ("call-1", "directory.lookup", "success", None, None) in got
        assert ("call-1", "directory.candidate_choice", "success", None, None) in got
        for expected in [("call-1", "verify.answer", "success", "full_name", "match"),
                         ("call-1", "verify.answer", "failure", "date_of_birth", "ask_again")
                         if b.day <= 12 and b.day != b.month else
                         ("call-1", "verify.answer", "success", "date_of_birth", "match"),
                         ("call-1", "verify.answer", "failure", "zip", "no_match"),
                         ("call-1", "verify.answer", "success", "member_id", "match"),
                         ("call-1", "verify.pass", "success", None, None),
                         ("call-1", "phi.reveal", "success", None, None),
                         ("call-1", "records.access_request", "success", None, None),
                         ("call-1", "verify.consent_record", "success", None, None),
                         ("call-2", "verify.answer", "success", "ssn_last4", "match"),
                         ("call-3", "verify.answer", "success", "passcode", "match"),
                         ("call-4", "verify.pass", "success", None, None),
                         ("call-7", "verify.fail", "failure", None, None),
                         ("call-7", "verify.flag", "denied", None, None)]:
            assert expected in got, expected
        assert sum(1 for e in local if e["action"] == "verify.answer") == len(typed)

        # --- synced to the server: same results, still no values -----------------------------
        worker = SyncWorker(vault, bus, settings, session=session(), store=store)
        assert worker.drain().outcome in (Outcome.EMPTY, Outcome.DELIVERED)
        auditor = server.session(server.token("auditor"))
        http.append(auditor)
        page = auditor.get(server.url("/v1/audit/events"),
                           params={"device_id": creds.device_id, "order": "oldest", "limit": 1000}, timeout=30).json()
        remote = sorted(page["events"], key=lambda e: e["seq"])
        assert steps(remote) == got
        raw = {p.name: p.read_bytes().decode("utf-8", "replace") for p in server.directory.iterdir()
               if p.is_file() and (p.name.startswith("audit.db") or p.suffix == ".log")}
        assert "audit.db" in raw
        long_secrets = [s for s in secrets if len(s) >= 6 or not re.fullmatch(r"[0-9a-fA-F-]+", s)]
        assert_absent({"server events": "\n".join(searchable(e) for e in remote), **raw}, long_secrets)

        # offline: the cache answers; and no log record on the way carried a value
        server.stop()
        assert directory.by_phone(me.phone).cached
        assert "answering from the cache" in caplog.text
        assert_absent({"log records": caplog.text}, secrets)
    finally:
        for s in http:
            s.close()
        store.delete()
