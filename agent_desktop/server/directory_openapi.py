"""The FHIR directory's parameters in the OpenAPI document.

The directory router reads its search parameters and bodies from the raw request (FHIR's
own conventions), so FastAPI cannot describe them; this adds them to the generated document
so that clients, and the schema fuzzer in the tests, see every input each route takes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PATIENT_SEARCH = ("telecom", "phone", "family", "given", "name", "birthdate", "identifier", "_id", "_count")
_STRING = {"type": "string"}
_REFERENCE = {"type": "object", "properties": {"reference": _STRING}}
CONSENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "status", "patient", "provision"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Consent"]},
        "status": {"type": "string", "enum": ["active", "proposed"]},
        "patient": _REFERENCE,
        "provision": {"type": "object", "properties": {
            "period": {"type": "object", "properties": {"start": _STRING, "end": _STRING}},
            "actor": {"type": "array", "items": {"type": "object", "properties": {"reference": _REFERENCE}}},
            "class": {"type": "array", "items": {"type": "object", "properties": {"code": _STRING}}}}},
        "contained": {"type": "array", "items": {"type": "object"}},
    },
}


def _query(names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "required": False, "schema": _STRING} for n in names]


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/fhir/") or path.startswith(("/fhir/AuditEvent", "/fhir/metadata")):
            continue
        for method, operation in operations.items():
            if method == "get" and "{" not in path:
                names = PATIENT_SEARCH if path == "/fhir/Patient" else ("patient",)
                operation["parameters"] = [*operation.get("parameters", []), *_query(names)]
            elif method == "post" and path == "/fhir/Patient/_search":
                form = {"type": "object", "properties": {n: _STRING for n in PATIENT_SEARCH}}
                operation["requestBody"] = {"content": {"application/x-www-form-urlencoded": {"schema": form}}}
            elif method == "post" and path.endswith("/Consent"):
                operation["requestBody"] = {"required": True, "content": {
                    "application/fhir+json": {"schema": CONSENT_SCHEMA},
                    "application/json": {"schema": CONSENT_SCHEMA}}}
    return schema


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the directory's parameters."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(get_openapi(title=app.title, version=app.version,
                                                      description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
