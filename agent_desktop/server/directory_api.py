"""The reference server's FHIR R4 directory subset, over a JSON data file (synthetic patients).

``make_router(data_file, require_device)`` serves, to enrolled devices only:

    GET  /fhir/Patient?telecom=|phone=           screen pop by the caller's number
    GET  /fhir/Patient?family=&given=&birthdate= search by name and date of birth
    POST /fhir/Patient/_search                   the same searches, criteria in the body
    GET  /fhir/Patient?_id=                       (an identifier alone, e.g. an SSN, is refused)
    GET  /fhir/Patient/{id}
    GET  /fhir/RelatedPerson?patient=
    GET  /fhir/Consent?patient=
    POST /fhir/Consent                           a new verbal consent (a contained
                                                 RelatedPerson becomes a real one)
    POST /fhir/<Type>/_search                    the field groups' resources of one patient
                                                 (see agent_desktop.server.fhir_groups)

A search without criteria is refused (the directory is never listed whole). POSTed
consents are written back to the data file atomically. Real deployments point the client
at their EHR's FHIR base URL instead.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import tempfile
import threading
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from agent_desktop.directory.group_resources import CLINICAL_TYPES
from agent_desktop.errors import AgentDesktopError
from agent_desktop.server.directory_consent import BadConsent, consent_problem, parse_consent_body

RESOURCE_TYPES = ("Patient", "RelatedPerson", "Consent", *CLINICAL_TYPES)
FHIR_JSON = "application/fhir+json"
MAX_RESULTS = 50
_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}\Z")


class DirectoryDataError(AgentDesktopError):
    """The directory data file cannot be served."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _outcome(status: int, code: str, message: str) -> JSONResponse:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}]}
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _bundle(resources: list[dict[str, Any]], base: str) -> JSONResponse:
    body = {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{base}/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources[:MAX_RESULTS]]}
    return JSONResponse(body, media_type=FHIR_JSON)


class DirectoryStore:
    """The data file in memory, guarded by a lock; writes go back atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.data = self._load()

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DirectoryDataError(f"directory data {self.path}: no such file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise DirectoryDataError(f"directory data {self.path}: not readable JSON ({type(err).__name__})",
                                     "Regenerate it with `python -m agent_desktop.directory.synthetic`.") from None
        if not isinstance(raw, dict):
            raise DirectoryDataError(f"directory data {self.path}: expected an object of resource lists")
        data: dict[str, list[dict[str, Any]]] = {}
        for rtype in RESOURCE_TYPES:
            items = raw.get(rtype, [])
            if not isinstance(items, list) or not all(
                    isinstance(r, dict) and r.get("resourceType") == rtype and isinstance(r.get("id"), str)
                    for r in items):
                raise DirectoryDataError(f"directory data {self.path}: {rtype} must be a list of "
                                         f"{rtype} resources with ids")
            data[rtype] = items
        return data

    def save(self) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".directory-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def find(self, rtype: str, rid: str) -> dict[str, Any] | None:
        return next((r for r in self.data[rtype] if r["id"] == rid), None)


def _name_parts(resource: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    given: list[str] = []
    family: list[str] = []
    for name in resource.get("name") or []:
        given += [_fold(g) for g in name.get("given") or [] if isinstance(g, str)]
        if isinstance(name.get("family"), str):
            family.append(_fold(name["family"]))
    return given, family


def _starts(values: list[str], wanted: str) -> bool:
    """FHIR string search: case- and accent-insensitive, matches the start of any word."""
    w = _fold(wanted).strip()
    return any(v.startswith(w) or any(part.startswith(w) for part in re.split(r"[\s\-']+", v)) for v in values)


def _patient_matches(p: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    given, family = _name_parts(p)
    for key in ("telecom", "phone"):
        if key in params:
            wanted = _digits(params[key].split("|")[-1])
            if not wanted or not any(_digits(str(t.get("value", ""))) == wanted for t in p.get("telecom") or []):
                return False
    if "family" in params and not _starts(family, params["family"]):
        return False
    if "given" in params and not _starts(given, params["given"]):
        return False
    if "name" in params and not _starts(given + family, params["name"]):
        return False
    if "birthdate" in params:
        wanted = params["birthdate"].removeprefix("eq")
        if p.get("birthDate") != wanted:
            return False
    if "identifier" in params:
        system, _, value = params["identifier"].rpartition("|")
        if not any((not system or i.get("system") == system) and i.get("value") == value
                   for i in p.get("identifier") or []):
            return False
    return not ("_id" in params and p.get("id") != params["_id"])


_PATIENT_PARAMS = {"telecom", "phone", "family", "given", "name", "birthdate", "identifier", "_id"}


def _patient_ref(value: str) -> str:
    return value.removeprefix("Patient/")


def make_router(data_file: Path, require_device: Callable[..., Any]) -> APIRouter:
    """The FHIR subset over ``data_file``; every route needs an enrolled device's token."""
    store = DirectoryStore(Path(data_file))
    router = APIRouter(prefix="/fhir", tags=["directory"], dependencies=[Depends(require_device)])

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @router.get("/metadata")
    def capability_statement() -> JSONResponse:
        # FHIR's conformance endpoint; clients use it as a cheap "directory reachable" check
        return JSONResponse({"resourceType": "CapabilityStatement", "status": "active",
                             "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"]})

    @router.get("/Patient")
    def search_patients(request: Request) -> JSONResponse:
        return patient_search(dict(request.query_params), request)

    @router.post("/Patient/_search")
    async def search_patients_post(request: Request) -> JSONResponse:
        # FHIR's POST search keeps phone numbers, names and birth dates out of URLs (and so
        # out of access logs and proxies); the body is application/x-www-form-urlencoded.
        try:
            body = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            return _outcome(400, "structure", "the search body is not UTF-8 form data")
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        return patient_search({**dict(request.query_params), **params}, request)

    def patient_search(params: dict[str, str], request: Request) -> JSONResponse:
        unknown = set(params) - _PATIENT_PARAMS - {"_count", "_format"}
        if unknown:
            return _outcome(400, "not-supported", f"unsupported search parameter(s): {', '.join(sorted(unknown))}")
        criteria = {k: v for k, v in params.items() if k in _PATIENT_PARAMS and v.strip()}
        has_phone = "telecom" in criteria or "phone" in criteria
        has_name_dob = "birthdate" in criteria and ({"family", "given", "name"} & set(criteria))
        # what the directory is for: an identifier alone (an SSN) does not find a patient
        if not (has_phone or has_name_dob or "_id" in criteria):
            return _outcome(400, "too-costly", "search by telecom, by name and birthdate, or by _id")
        with store.lock:
            found = [copy.deepcopy(p) for p in store.data["Patient"] if _patient_matches(p, criteria)]
        return _bundle(found, base(request))

    @router.get("/Patient/{patient_id}")
    def read_patient(patient_id: str) -> JSONResponse:
        if not _ID_RE.match(patient_id):
            return _outcome(404, "not-found", "no such Patient")
        with store.lock:
            found = store.find("Patient", patient_id)
            found = copy.deepcopy(found) if found else None
        if found is None:
            return _outcome(404, "not-found", "no such Patient")
        return JSONResponse(found, media_type=FHIR_JSON)

    def by_patient(rtype: str, request: Request) -> JSONResponse:
        patient = request.query_params.get("patient", "").strip()
        if not patient:
            return _outcome(400, "required", "the patient parameter is required")
        ref = f"Patient/{_patient_ref(patient)}"
        with store.lock:
            found = [copy.deepcopy(r) for r in store.data[rtype] if (r.get("patient") or {}).get("reference") == ref]
        return _bundle(found, base(request))

    @router.get("/RelatedPerson")
    def related_persons(request: Request) -> JSONResponse:
        return by_patient("RelatedPerson", request)

    @router.get("/Consent")
    def consents(request: Request) -> JSONResponse:
        return by_patient("Consent", request)

    @router.post("/Consent")
    async def post_consent(request: Request) -> JSONResponse:
        try:
            body = parse_consent_body(await request.body())
        except BadConsent as err:
            return _outcome(400, "structure", str(err))
        with store.lock:
            problem = consent_problem(body, patient_exists=lambda i: store.find("Patient", i) is not None,
                                      related_person_exists=lambda i: store.find("RelatedPerson", i) is not None)
            if problem:
                return _outcome(400, "invalid", problem)
            consent = copy.deepcopy(body)
            consent["id"] = f"consent-{uuid.uuid4().hex[:16]}"
            new_related = []
            renamed: dict[str, str] = {}
            for contained in consent.pop("contained", []) or []:
                rp = dict(contained)
                rid = f"rel-{uuid.uuid4().hex[:16]}"
                renamed[f"#{rp.get('id')}"] = f"RelatedPerson/{rid}"
                rp["id"] = rid
                rp.setdefault("active", True)
                new_related.append(rp)
            for actor in consent["provision"]["actor"]:
                ref = actor["reference"]["reference"]
                actor["reference"]["reference"] = renamed.get(ref, ref)
            consent["meta"] = {"lastUpdated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
            store.data["RelatedPerson"].extend(new_related)
            store.data["Consent"].append(consent)
            try:
                store.save()
            except OSError:
                store.data["Consent"].remove(consent)
                for rp in new_related:
                    store.data["RelatedPerson"].remove(rp)
                return _outcome(500, "exception", "the directory could not store the consent")
        return JSONResponse(consent, status_code=201, media_type=FHIR_JSON,
                            headers={"Location": f"/fhir/Consent/{consent['id']}"})

    from agent_desktop.server.fhir_groups import add_group_routes  # it uses this module's helpers

    add_group_routes(router, store)
    return router
