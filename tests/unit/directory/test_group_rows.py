"""The field groups' synthetic data and its display rows (pure: no server, no vault)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from agent_desktop.directory.fhir import FhirFormatError
from agent_desktop.directory.group_resources import CLINICAL_TYPES, GROUP_SEARCHES, patient_refs
from agent_desktop.directory.group_rows import FORMATTERS, Value
from agent_desktop.directory.groups import GroupData
from agent_desktop.directory.synthetic import generate
from agent_desktop.verify.script import FIELD_GROUPS

TODAY = dt.date(2026, 11, 28)
DATA = generate(7, 40, TODAY)
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC).timestamp()


def group_resources(pid: str, group: str) -> dict[str, list[dict[str, Any]]]:
    """What the server answers for one group of one patient (the category filter included)."""
    out = {}
    for rtype, params in GROUP_SEARCHES[group]:
        found = [r for r in DATA[rtype] if f"Patient/{pid}" in patient_refs(r)]
        if "category" in params:
            found = [r for r in found if any(c["code"] == params["category"] for cat in r["category"]
                                             for c in cat["coding"])]
        out[rtype] = found
    return out


def language(patient: dict[str, Any]) -> str:
    return str(patient["communication"][0]["language"]["coding"][0]["code"])


def test_every_field_group_has_its_resources() -> None:
    assert set(GROUP_SEARCHES) == set(FIELD_GROUPS)
    assert {rtype for searches in GROUP_SEARCHES.values() for rtype, _ in searches} == {"Patient", *CLINICAL_TYPES}


@pytest.mark.parametrize("group", sorted(GROUP_SEARCHES))
def test_every_synthetic_patient_has_data_in_every_group(group: str) -> None:
    for patient in DATA["Patient"]:
        rows = FORMATTERS[group](group_resources(patient["id"], group), NOW)
        assert len(rows) >= 1, (patient["id"], group)
        assert all(row.fields for row in rows)


def test_synthetic_text_is_in_the_patients_language_and_marked_as_test_data() -> None:
    by_language: dict[str, set[str]] = {"en": set(), "es": set()}
    for patient in DATA["Patient"]:
        meds = FORMATTERS["medications"](group_resources(patient["id"], "medications"), NOW)
        by_language[language(patient)] |= {m.value("Instructions") for m in meds}
    assert all(text.startswith("Tomar") or text.startswith("Inhalar") for text in by_language["es"])
    assert all(text.startswith(("Take", "Inhale")) for text in by_language["en"])
    for rtype in ("Patient", *CLINICAL_TYPES):
        assert all(r["meta"]["security"][0]["code"] == "HTEST" for r in DATA[rtype]), rtype
    emails = [t["value"] for p in DATA["Patient"] for t in p["telecom"] if t["system"] == "email"]
    assert len(emails) == 40 and all(e.endswith("@example.org") for e in emails)
    assert all(c["subscriberId"] for c in DATA["Coverage"])


def test_rows_read_as_labelled_lines_and_keep_values_out_of_reprs() -> None:
    pid = DATA["Patient"][0]["id"]
    rows = FORMATTERS["appointments"](group_resources(pid, "appointments"), NOW)
    first = rows[0]
    assert first.label == "Next appointment"
    assert first.text.startswith(f"Next appointment: {first.value('When')}, {first.value('Service')}, Dr. ")
    data = GroupData("appointments", pid, tuple(rows), cached=True, fetched_at=1.0)
    shown = repr(data) + repr(data.rows)
    assert "Dr." not in shown and first.value("When") not in shown
    assert repr(data) == f"GroupData(group='appointments', patient_id='{pid}', rows={len(rows)}, cached=True)"
    assert data.title == "Appointments"


JUNK: list[Any] = [None, 12, 1.5, True, "x", [], {}, ["x"], [1], {"a": 1}, [{"b": 2}]]


def mutations(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The resource with one element (top level, or one level down) replaced by junk."""
    for key, value in resource.items():
        for junk in JUNK:
            yield {**resource, key: junk}
            inner = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else value
            if isinstance(inner, dict):
                for k2 in inner:
                    changed = {**inner, k2: junk}
                    yield {**resource, key: [changed, *value[1:]] if isinstance(value, list) else changed}


@pytest.mark.parametrize("group", sorted(GROUP_SEARCHES))
def test_any_malformed_element_is_a_format_error_never_a_crash(group: str) -> None:
    pid = DATA["Patient"][1]["id"]
    resources = group_resources(pid, group)
    tried = refused = 0
    for rtype, items in resources.items():
        for resource in items[:2]:
            for bad in mutations(resource):
                tried += 1
                patient_refs(bad)  # the server's and the client's ownership check
                try:
                    rows = FORMATTERS[group]({**resources, rtype: [bad]}, NOW)
                except FhirFormatError as err:
                    refused += 1
                    assert str(err).startswith(f"{rtype}/") or str(err).startswith("resource/"), str(err)
                else:
                    assert all(isinstance(v, (str, Value)) and str(v) for row in rows for _, v in row.fields)
    assert tried > 200 and refused > 20


def test_what_is_next_depends_on_the_clock_not_only_on_the_status() -> None:
    def appt(aid: str, start: str, status: str) -> dict[str, Any]:
        return {"resourceType": "Appointment", "id": aid, "status": status, "start": start,
                "participant": [{"actor": {"reference": "Patient/p1"}}]}

    resources = {"Appointment": [appt("late", "2026-12-20T10:00:00-06:00", "booked"),
                                 appt("stale", "2026-11-20T10:00:00-06:00", "booked"),  # never updated
                                 appt("soon", "2026-12-01T09:30:00-06:00", "booked"),
                                 appt("off", "2026-11-30T09:30:00Z", "cancelled"),
                                 appt("seen", "2026-10-01T08:00:00-06:00", "fulfilled")]}
    rows = FORMATTERS["appointments"](resources, NOW)
    assert [(r.label, r.value("When")) for r in rows] == [
        ("Cancelled appointment", "2026-11-30 09:30"), ("Next appointment", "2026-12-01 09:30"),
        ("Upcoming appointment", "2026-12-20 10:00"), ("Past appointment", "2026-11-20 10:00"),
        ("Past appointment", "2026-10-01 08:00")]
    later = dt.datetime(2026, 12, 2, tzinfo=dt.UTC).timestamp()
    assert [r.label for r in FORMATTERS["appointments"](resources, later)][:1] == ["Next appointment"]
    assert FORMATTERS["appointments"](resources, later)[0].value("When") == "2026-12-20 10:00"
