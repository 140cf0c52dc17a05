"""The data behind the field groups, from the real reference server over HTTPS into the real vault.

Each group returns that patient's data and nothing else is fetched (the requests are noted
by an injected session); offline, the vault answers within the PHI TTL and not after; no
synthetic value reaches a log or a repr.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests

from agent_desktop.directory.client import DirectoryError, DirectoryUnavailable, FhirClient
from agent_desktop.directory.group_resources import CLINICAL_TYPES, GROUP_SEARCHES
from agent_desktop.directory.groups import GROUPS_NAMESPACE, GroupData
from agent_desktop.directory.service import Directory
from agent_desktop.vault import Vault
from agent_desktop.vault.phi_cache import PhiCache
from tests.support.directory_env import DirectoryServer, expected_group_values, recording_session
from tests.support.ports import free_port
from tests.support.vault_env import PASSWORD, FakeClock, VaultFactory

GROUPS = sorted(GROUP_SEARCHES)


@pytest.fixture
def vault(make_vault: VaultFactory, clock: FakeClock) -> Iterator[Vault]:
    v = make_vault(clock=clock)
    v.create(PASSWORD)
    yield v


def directory(base: str, session: requests.Session, vault: Vault, make_vault: VaultFactory,
              clock: FakeClock) -> Directory:
    return Directory(FhirClient(base, session, timeout=5), PhiCache(vault, make_vault.settings(), clock), vault,
                     clock=clock)


def unreachable(vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> Directory:
    """The same vault, the directory unreachable (nothing listens on that port)."""
    dead = requests.Session()
    dead.trust_env = False
    return directory(f"https://127.0.0.1:{free_port()}/fhir", dead, vault, make_vault, clock)


def spanish_patient(ds: DirectoryServer) -> str:
    return next(p["id"] for p in ds.data()["Patient"]
                if p["communication"][0]["language"]["coding"][0]["code"] == "es")


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_returns_that_patients_data_and_fetches_nothing_else(
        shared_directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock,
        group: str) -> None:
    ds = shared_directory_server
    pid = spanish_patient(ds)
    session = recording_session(ds)
    found = directory(ds.fhir_base, session, vault, make_vault, clock).group_data(pid, group)
    assert (found.group, found.patient_id, found.cached) == (group, pid, False) and found.rows
    name, expected = expected_group_values(ds, group, pid)
    assert {row.value(name) for row in found.rows if row.value(name)} == expected and expected
    # only this group's resources were asked for, by POST with the criteria in the body
    wanted = [f"POST /fhir/{rtype}/_search" for rtype, _ in GROUP_SEARCHES[group]]
    assert session.paths() == wanted
    assert all(r.query == "" for r in session.sent)
    ref = [pid] if group == "demographics" else [f"Patient/{pid}"]
    assert all(r.form.get("_id" if group == "demographics" else "patient") == ref for r in session.sent)


def test_a_group_answers_with_every_resource_the_server_holds_for_the_patient(
        shared_directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory,
        clock: FakeClock) -> None:
    ds = shared_directory_server
    pid = ds.data()["Patient"][4]["id"]  # an English-speaking minor in seed 7
    d = directory(ds.fhir_base, recording_session(ds), vault, make_vault, clock)
    labs = d.group_data(pid, "lab_results")
    assert len(labs.rows) == len(ds.of_patient("Observation", pid))
    appointments = d.group_data(pid, "appointments")
    upcoming = [r for r in appointments.rows if r.label == "Next appointment"]
    assert len(upcoming) == 1 and appointments.rows[0] is upcoming[0]
    billing = d.group_data(pid, "billing")
    member = next(i["value"] for i in ds.of_patient("Patient", pid)[0]["identifier"] if "member" in i["system"])
    assert [r.value("Member ID") for r in billing.rows if r.label == "Coverage"] == [member]
    assert len([r for r in billing.rows if r.label == "Claim"]) == len(ds.of_patient("ExplanationOfBenefit", pid))


def test_offline_the_vault_answers_within_the_ttl_and_not_after(
        shared_directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    ds = shared_directory_server
    pid = spanish_patient(ds)
    online = directory(ds.fhir_base, recording_session(ds), vault, make_vault, clock)
    fetched = online.group_data(pid, "medications")
    fetched_at = clock()
    offline = unreachable(vault, make_vault, clock)
    ttl = make_vault.settings().get("vault.phi_cache_ttl_hours") * 3600
    clock.advance(ttl - 60)
    again = offline.group_data(pid, "medications")
    assert again.cached and again.lines == fetched.lines and again.fetched_at == fetched_at
    with pytest.raises(DirectoryUnavailable, match="lab results group is not cached"):
        offline.group_data(pid, "lab_results")  # never fetched: nothing to answer with
    clock.advance(61)
    with pytest.raises(DirectoryUnavailable, match="cannot be reached.*not cached"):
        offline.group_data(pid, "medications")


def test_unknown_group_and_unknown_patient_are_clear_errors(
        shared_directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    ds = shared_directory_server
    session = recording_session(ds)
    d = directory(ds.fhir_base, session, vault, make_vault, clock)
    with pytest.raises(DirectoryError, match="no field group 'diet'"):
        d.group_data("pat-070001", "diet")
    assert session.sent == []  # refused before any request
    with pytest.raises(DirectoryError, match="no such patient"):
        d.group_data("pat-does-not-exist", "demographics")
    assert d.group_data("pat-does-not-exist", "medications").rows == ()


def test_the_server_serves_group_searches_to_enrolled_devices_by_post_only(
        shared_directory_server: DirectoryServer) -> None:
    ds = shared_directory_server
    url = ds.fhir_base + "/Observation/_search"
    anonymous = ds.server.session()
    assert anonymous.post(url, data={"patient": "Patient/pat-070001"}, timeout=10).status_code == 401
    device = ds.session()
    labs = device.post(url, data={"patient": "Patient/pat-070001", "category": "laboratory"}, timeout=10).json()
    assert labs["total"] == len(ds.of_patient("Observation", "pat-070001")) > 0
    vitals = device.post(url, data={"patient": "pat-070001", "category": "vital-signs"}, timeout=10).json()
    assert vitals["total"] == 0
    refused = {
        "no patient": device.post(url, data={"category": "laboratory"}, timeout=10),
        "criteria in the URL": device.post(url + "?patient=Patient/pat-070001", timeout=10),
        "unknown parameter": device.post(url, data={"patient": "pat-070001", "code": "4548-4"}, timeout=10),
    }
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 400)
    assert "criteria go in the form body" in refused["criteria in the URL"].json()["issue"][0]["diagnostics"]
    assert device.get(ds.fhir_base + "/Observation?patient=pat-070001", timeout=10).status_code in (404, 405)
    anonymous.close()
    for rtype in CLINICAL_TYPES:  # every type is served
        assert device.post(f"{ds.fhir_base}/{rtype}/_search", data={"patient": "pat-070001"},
                           timeout=10).json()["total"] > 0, rtype


def synthetic_values(found: list[GroupData]) -> set[str]:
    """Every displayed value long enough to be specific (a status word like "active" is not)."""
    return {v for g in found for row in g.rows for v in row.texts() if len(v) >= 8}


def test_no_synthetic_value_in_logs_or_reprs(shared_directory_server: DirectoryServer, vault: Vault,
                                             make_vault: VaultFactory, clock: FakeClock,
                                             caplog: pytest.LogCaptureFixture) -> None:
    ds = shared_directory_server
    pid = spanish_patient(ds)
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's request lines included
    d = directory(ds.fhir_base, recording_session(ds), vault, make_vault, clock)
    found = [d.group_data(pid, g) for g in GROUPS]
    offline = unreachable(vault, make_vault, clock)
    found += [offline.group_data(pid, g) for g in GROUPS]
    values = synthetic_values(found)
    assert len(values) > 20
    logged = caplog.text + ds.server.log_file.read_text(errors="replace")
    assert "/_search" in caplog.text  # the request lines were captured (paths only)
    reprs = " ".join(repr(g) + repr(g.rows) for g in found)
    assert [v for v in values if v in logged or v in reprs] == []
    assert [v for v in (ds.device_token, pid) if v in reprs] == [pid]  # the reference is not PHI


def test_the_vault_keeps_only_what_the_demographics_group_shows(
        shared_directory_server: DirectoryServer, vault: Vault, make_vault: VaultFactory, clock: FakeClock) -> None:
    ds = shared_directory_server
    patient = next(p for p in ds.data()["Patient"] if p.get("extension"))  # one with a passcode
    shown = directory(ds.fhir_base, recording_session(ds), vault, make_vault, clock).group_data(
        patient["id"], "demographics")
    stored = vault.submit(lambda c: c.execute("SELECT value FROM phi_cache WHERE namespace = ?",
                                              (GROUPS_NAMESPACE,)).fetchall()).result()
    text = "".join(value for (value,) in stored)
    assert shown.rows and patient["address"][0]["line"][0] in text  # what is shown is kept
    never = [i["value"] for i in patient["identifier"]] + [patient["extension"][0]["valueString"],
                                                          patient["birthDate"], patient["name"][0]["given"][0]]
    assert [v for v in never if v in text] == []
