"""The reference server's FHIR resources behind the field groups (synthetic patients).

``add_group_routes(router, store)`` adds, for each type in
:data:`~agent_desktop.directory.group_resources.CLINICAL_TYPES`::

    POST /fhir/<Type>/_search      form body: patient=Patient/<id> [&category=laboratory] [&status=...]

Only POST: the search criteria stay out of URLs and access logs. A search must name one
patient (the directory is never listed whole); the router's dependency admits enrolled
devices only. Unknown parameters are refused rather than ignored, so a client never takes a
broader answer for a filtered one.
"""

from __future__ import annotations

import copy
import urllib.parse
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from agent_desktop.directory.group_resources import CLINICAL_TYPES, patient_refs
from agent_desktop.server.directory_api import DirectoryStore, _bundle, _outcome

_PARAMS = {"patient", "category", "status", "_count", "_format"}


def _token_matches(concepts: Any, wanted: str) -> bool:
    """FHIR token search on a list of CodeableConcepts: ``code`` or ``system|code``."""
    system, _, code = wanted.rpartition("|")
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        for coding in (concept or {}).get("coding") or [] if isinstance(concept, Mapping) else []:
            if isinstance(coding, Mapping) and coding.get("code") == code and (
                    not system or coding.get("system") == system):
                return True
    return False


def _matches(resource: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    if params["patient"] not in patient_refs(resource):
        return False
    if "category" in params and not _token_matches(resource.get("category"), params["category"]):
        return False
    return "status" not in params or resource.get("status") in params["status"].split(",")


def add_group_routes(router: APIRouter, store: DirectoryStore) -> None:
    def search(rtype: str) -> Any:
        async def handler(request: Request) -> JSONResponse:
            try:
                body = (await request.body()).decode("utf-8")
            except UnicodeDecodeError:
                return _outcome(400, "structure", "the search body is not UTF-8 form data")
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
            unknown = set(params) - _PARAMS
            if unknown or request.query_params:
                names = sorted(unknown | set(request.query_params))
                return _outcome(400, "not-supported", f"unsupported search parameter(s): {', '.join(names)}"
                                " (criteria go in the form body)")
            patient = params.get("patient", "").strip()
            if not patient:
                return _outcome(400, "required", "the patient parameter is required")
            params["patient"] = patient if patient.startswith("Patient/") else f"Patient/{patient}"
            with store.lock:
                found = [copy.deepcopy(r) for r in store.data[rtype] if _matches(r, params)]
            return _bundle(found, str(request.base_url).rstrip("/"))

        handler.__name__ = f"search_{rtype}"
        return handler

    for rtype in CLINICAL_TYPES:
        router.add_api_route(f"/{rtype}/_search", search(rtype), methods=["POST"], name=f"search {rtype}")
