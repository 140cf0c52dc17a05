"""The data behind one field group of one patient: fetched, cached with the PHI TTL, shown.

``Directory.group_data(patient_id, group)`` (blocking: call it off the GUI thread) searches
only that group's FHIR resources (:data:`~agent_desktop.directory.group_resources.GROUP_SEARCHES`),
turns them into display-ready rows, caches what the rows show in the vault's PHI cache and
returns them. When the directory cannot be reached the cache answers, marked ``cached``;
expired entries are never returned. Deciding *whether* a group may be shown is the
verification's job (and the reveal is audited there); this module fetches what it is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent_desktop.directory.client import DirectoryError, DirectoryUnavailable, FhirClient
from agent_desktop.directory.fhir import FhirFormatError
from agent_desktop.directory.group_resources import GROUP_SEARCHES
from agent_desktop.directory.group_rows import FORMATTERS, Row

if TYPE_CHECKING:
    from agent_desktop.directory.service import Cache

log = logging.getLogger(__name__)

GROUPS_NAMESPACE = "directory.group"
CACHE_TIMEOUT = 10.0
TITLES = {"demographics": "Demographics", "appointments": "Appointments", "medications": "Medications",
          "lab_results": "Lab results", "care_plan": "Care plan", "billing": "Billing and coverage"}


@dataclass(frozen=True, repr=False)
class GroupData:
    """One group's rows for one patient. PHI: show it, never log it (its repr has no values)."""

    group: str
    patient_id: str
    rows: tuple[Row, ...]
    cached: bool  # answered from the vault because the directory is unreachable
    fetched_at: float  # when the directory gave these rows (the clock's seconds)

    @property
    def title(self) -> str:
        return TITLES[self.group]

    @property
    def lines(self) -> list[str]:
        return [row.text for row in self.rows]

    def __repr__(self) -> str:
        return (f"GroupData(group={self.group!r}, patient_id={self.patient_id!r}, rows={len(self.rows)}, "
                f"cached={self.cached})")


def _key(patient_id: str, group: str) -> str:
    return f"{patient_id}:{group}"


def fetch_group(client: FhirClient | None, cache: Cache, patient_id: str, group: str, *,
                clock: Callable[[], float]) -> GroupData:
    searches = GROUP_SEARCHES.get(group)
    if searches is None:
        raise DirectoryError(f"there is no field group {group!r}",
                             f"The field groups are {', '.join(sorted(GROUP_SEARCHES))}.")
    if client is None:
        return _from_cache(cache, patient_id, group, DirectoryError(
            "no patient directory is configured", "Set directory.fhir_base_url in the policy."), clock())
    try:
        found = {rtype: client.for_patient(rtype, patient_id, params) for rtype, params in searches}
    except DirectoryUnavailable as err:
        log.info("directory unreachable, the %s group answers from the cache: %s", group, err.message)
        return _from_cache(cache, patient_id, group, err, clock())
    if group == "demographics" and not found["Patient"]:
        raise DirectoryError("the directory has no such patient", "Search for the patient again.")
    now = clock()
    kept = _shown_only(found)
    rows = _rows(group, kept, now)  # nothing is cached from an answer that cannot be read whole
    cache.put(GROUPS_NAMESPACE, _key(patient_id, group), {"resources": kept, "fetched_at": now}).result(CACHE_TIMEOUT)
    return GroupData(group, patient_id, rows, cached=False, fetched_at=now)


# The Patient resource carries identifiers (SSN, member ID, passcode) the demographics group
# does not show: the vault keeps only what it shows.
PATIENT_SHOWN = ("resourceType", "id", "address", "telecom", "communication", "gender")


def _shown_only(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    if "Patient" not in found:
        return found
    return {**found, "Patient": [{k: p[k] for k in PATIENT_SHOWN if k in p} for p in found["Patient"]]}


def _rows(group: str, resources: dict[str, list[dict[str, Any]]], now: float) -> tuple[Row, ...]:
    try:
        return tuple(FORMATTERS[group](resources, now))
    except FhirFormatError as err:
        raise DirectoryError(f"the directory's {group} data cannot be shown: {err.message}",
                             "Report it to the directory's administrators; other groups may still open.") from None


def _from_cache(cache: Cache, patient_id: str, group: str, err: DirectoryError, now: float) -> GroupData:
    entry: Any = cache.get(GROUPS_NAMESPACE, _key(patient_id, group)).result(CACHE_TIMEOUT)
    if entry is None:  # never fetched, or older than the PHI TTL
        raise type(err)(f"{err.message}, and this patient's {TITLES[group].lower()} group is not cached",
                        err.hint or "Try again when the directory is reachable.")
    value = entry.value
    # rows are built again: an appointment that was next when fetched may be past by now
    return GroupData(group, patient_id, _rows(group, value["resources"], now), cached=True,
                     fetched_at=float(value.get("fetched_at", entry.fetched_at)))
