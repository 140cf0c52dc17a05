"""FHIR R4 client for the patient directory (requests; TLS verified by the session).

The session is injected (its ``verify`` is the CA bundle or True, never False), so tests run
against the real reference server and deployments against their EHR. Failures are split
into :class:`DirectoryUnavailable` (network, timeouts, 5xx: the cache may answer) and
:class:`DirectoryError` (the server answered something unusable). Messages never carry the
searched values (a phone number or a name is PHI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from agent_desktop.directory.fhir import FhirFormatError, reference_id
from agent_desktop.directory.group_resources import CLINICAL_TYPES, patient_refs
from agent_desktop.errors import AgentDesktopError

FHIR_JSON = "application/fhir+json"


class DirectoryError(AgentDesktopError):
    """The directory answered, but not with something usable."""


class DirectoryUnavailable(DirectoryError):
    """The directory cannot be reached now (offline, timeout, server error)."""


class FhirClient:
    def __init__(self, base_url: str, session: requests.Session, *, timeout: float = 10.0) -> None:
        if not base_url:
            raise DirectoryError("no directory configured",
                                 "Set directory.fhir_base_url in the policy to the FHIR base URL.")
        if session.verify is False:
            raise DirectoryError("TLS verification is off for the directory session",
                                 "Use a CA bundle (directory.ca_bundle) instead of turning verification off.")
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout

    # --- searches -------------------------------------------------------------------------

    def patients_by_phone(self, number: str) -> list[dict[str, Any]]:
        return self._search("Patient", {"telecom": f"phone|{number}"})

    def patients_by_name(self, family: str, given: str, birth_date: dt.date) -> list[dict[str, Any]]:
        return self._search("Patient", {"family": family, "given": given, "birthdate": birth_date.isoformat()})

    def patient(self, patient_id: str) -> dict[str, Any] | None:
        body = self._get(f"/Patient/{quote(patient_id, safe='')}", None, allow_404=True)
        if body is None:
            return None
        if body.get("resourceType") != "Patient" or body.get("id") != patient_id:
            raise DirectoryError("the directory answered a Patient read with another resource")
        return body

    def for_patient(self, resource_type: str, patient_id: str,
                    params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """One patient's resources of a type (a field group's data); ``Patient`` is the patient.

        Searched by POST; an answer holding another patient's resource is refused whole.
        """
        if resource_type == "Patient":
            found = self._search("Patient", {"_id": patient_id})
        else:
            found = self._search(resource_type, {"patient": f"Patient/{patient_id}", **(params or {})})
        for resource in found:
            if f"Patient/{patient_id}" not in patient_refs(resource):
                raise DirectoryError(f"the directory answered a {resource_type} search with a resource about "
                                     "another patient (or none)", "Report it to the directory's administrators.")
        return found

    def related_persons(self, patient_id: str) -> list[dict[str, Any]]:
        found = self._search("RelatedPerson", {"patient": f"Patient/{patient_id}"})
        return [r for r in found if reference_id(r.get("patient"), "Patient") == patient_id]

    def consents(self, patient_id: str) -> list[dict[str, Any]]:
        found = self._search("Consent", {"patient": f"Patient/{patient_id}"})
        return [c for c in found if reference_id(c.get("patient"), "Patient") == patient_id]

    def post_consent(self, consent: Mapping[str, Any]) -> dict[str, Any]:
        """Create a Consent; returns the stored resource (with its new id)."""
        response = self._request("POST", "/Consent", json=dict(consent))
        if response.status_code not in (200, 201):
            raise DirectoryError(f"the directory refused the consent (HTTP {response.status_code}): "
                                 f"{_diagnostics(response)}")
        body = _json(response)
        if body.get("resourceType") != "Consent" or not body.get("id"):
            raise DirectoryError("the directory answered a consent with something that is not a Consent")
        return body

    # --- plumbing -------------------------------------------------------------------------

    def _search(self, resource_type: str, params: dict[str, str]) -> list[dict[str, Any]]:
        if resource_type == "Patient" or resource_type in CLINICAL_TYPES:
            # POST search: the caller's number, name and birth date never appear in a URL
            response = self._request("POST", f"/{resource_type}/_search", data=params)
            if response.status_code != 200:
                raise DirectoryError(f"the directory answered HTTP {response.status_code}: "
                                     f"{_diagnostics(response)}")
            body: dict[str, Any] | None = _json(response)
        else:
            body = self._get(f"/{resource_type}", params)
        assert body is not None
        if body.get("resourceType") != "Bundle":
            raise DirectoryError(f"the directory answered a {resource_type} search without a Bundle")
        entries = body.get("entry") or []
        if not isinstance(entries, list):
            raise DirectoryError("the directory's Bundle.entry is not a list")
        out = []
        for entry in entries:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
                raise DirectoryError(f"the directory's {resource_type} Bundle has an entry without a resource")
            if resource.get("resourceType") == resource_type:
                out.append(resource)  # OperationOutcome entries (warnings) are skipped
        return out

    def _get(self, path: str, params: dict[str, str] | None, allow_404: bool = False) -> dict[str, Any] | None:
        response = self._request("GET", path, params=params)
        if response.status_code == 404 and allow_404:
            return None
        if response.status_code != 200:
            raise DirectoryError(f"the directory answered HTTP {response.status_code}: {_diagnostics(response)}")
        return _json(response)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout,
                                            headers={"Accept": FHIR_JSON}, **kwargs)
        except requests.exceptions.SSLError:
            raise DirectoryUnavailable("the directory's TLS certificate is not trusted",
                                       "Check directory.ca_bundle in the policy.") from None
        except requests.RequestException as err:
            raise DirectoryUnavailable(f"the directory cannot be reached ({type(err).__name__})",
                                       "Cached patient data is shown where available.") from None
        if response.status_code >= 500:
            raise DirectoryUnavailable(f"the directory failed (HTTP {response.status_code})")
        if response.status_code in (401, 403):
            raise DirectoryError(f"the directory refused this workstation (HTTP {response.status_code})",
                                 "Enrol the workstation again or ask IT to check its token.")
        return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise DirectoryError("the directory answered with something that is not JSON") from None
    if not isinstance(body, dict):
        raise DirectoryError("the directory answered with JSON that is not a resource")
    return body


def _diagnostics(response: requests.Response) -> str:
    try:
        body = response.json()
        issue = (body.get("issue") or [{}])[0]
        text = str(issue.get("diagnostics") or issue.get("code") or body.get("message") or "")
    except (ValueError, AttributeError, IndexError):
        text = ""
    # a server message is shown to the agent; keep it short (it is the server's own text)
    return text[:200] or "no details"


__all__ = ["DirectoryError", "DirectoryUnavailable", "FhirClient", "FhirFormatError"]
