"""Who read which patient from the FHIR directory, and how fast a device may read.

Two pieces wrap the directory router (``directory_api``) without living in it, so every
resource type it serves is covered the same way:

- :class:`DirectoryGuard` is the router's device dependency: an enrolled, unrevoked device
  token, then a per-device token bucket (``rate_per_minute`` requests, bursts up to the same
  number); over it the answer is 429 with ``Retry-After``.
- :class:`DirectoryReadRecorder` (ASGI middleware) records, before a successful answer
  leaves the server, one ``directory_reads`` row per patient it discloses: time, device,
  agent, interaction (read, search, create), resource type and patient reference. No
  values: no names, numbers or search criteria. A search that finds nobody is recorded with
  no patient (attempts stay visible). If the record cannot be written the answer is 503
  and nothing is disclosed.

The buckets are per server process (a PostgreSQL fleet of N processes admits up to N times
the rate from a device that spreads its requests).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

from fastapi import Depends
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_desktop.audit.event import utc_timestamp
from agent_desktop.server.auth import require_device
from agent_desktop.server.context import ServerContext
from agent_desktop.server.errors import TooManyRequests
from agent_desktop.server.tokens import Principal

log = logging.getLogger(__name__)
AUDITED_PREFIX = "/fhir/"
# the auditors' own route (audited elsewhere) and FHIR's conformance statement (no patient data)
NOT_DIRECTORY = ("/fhir/AuditEvent", "/fhir/metadata")
# where a resource names its patient (Coverage names the beneficiary)
_PATIENT_FIELDS = ("patient", "subject", "beneficiary")


class TokenBuckets:
    """Per-key token buckets: ``capacity`` requests at once, refilled at ``per_second``."""

    def __init__(self, per_minute: float, clock: Callable[[], float]) -> None:
        self.capacity = max(1.0, per_minute)
        self.per_second = per_minute / 60.0
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """0 when admitted, else the seconds until a request would be."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.per_second if self.per_second > 0 else 60.0


class DirectoryGuard:
    def __init__(self, ctx: ServerContext, rate_per_minute: float) -> None:
        self.buckets = TokenBuckets(rate_per_minute, ctx.clock)

    def dependency(self) -> Callable[..., Principal]:
        buckets = self.buckets

        def require_device_within_rate(principal: Annotated[Principal, Depends(require_device)]) -> Principal:
            wait = buckets.take(principal.device_id or "")
            if wait > 0:
                raise TooManyRequests("this device reads the directory faster than the server allows; "
                                      "slow down", retry_after=wait)
            return principal

        return require_device_within_rate


def _patient_of(resource: Mapping[str, Any]) -> str | None:
    if resource.get("resourceType") == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) else None
    for field in _PATIENT_FIELDS:
        ref = resource.get(field)
        if isinstance(ref, Mapping) and isinstance(ref.get("reference"), str):
            return str(ref["reference"]).removeprefix("Patient/")
    return None


def disclosed(body: Any) -> Iterator[tuple[str, str | None]]:
    """(resource type, patient reference) for each resource an answer carries."""
    if not isinstance(body, Mapping):
        return
    if body.get("resourceType") == "Bundle":
        for entry in body.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if isinstance(resource, Mapping):
                yield str(resource.get("resourceType")), _patient_of(resource)
    elif isinstance(body.get("resourceType"), str):
        yield str(body["resourceType"]), _patient_of(body)


def interaction(method: str, path: str) -> str:
    if method == "POST":
        return "search" if path.endswith("/_search") else "create"
    return "read" if path.count("/") >= 3 else "search"


def record_reads(ctx: ServerContext, principal: Principal, method: str, path: str, body: Any) -> None:
    kind = interaction(method, path)
    resource_type = path[len(AUDITED_PREFIX):].split("/", 1)[0][:64]
    rows = sorted(set(disclosed(body)), key=lambda r: (r[0], r[1] or ""))
    now = utc_timestamp(ctx.clock())
    values = [(now, principal.device_id, principal.agent_id, kind, rtype[:64], patient)
              for rtype, patient in rows] or [(now, principal.device_id, principal.agent_id, kind,
                                               resource_type, None)]
    with ctx.db.transaction():
        ctx.db.executemany("INSERT INTO directory_reads (ts, device_id, agent_id, interaction,"
                           " resource_type, patient) VALUES (?, ?, ?, ?, ?, ?)", values)


class DirectoryReadRecorder:
    """ASGI middleware: record the patients a directory answer discloses before sending it."""

    def __init__(self, app: ASGIApp, ctx: ServerContext) -> None:
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(AUDITED_PREFIX) or path.startswith(NOT_DIRECTORY):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = held[0] if held and held[0]["type"] == "http.response.start" else None
        principal = state.get("principal")
        if start is not None and start["status"] in (200, 201) and isinstance(principal, Principal):
            body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            try:
                parsed = json.loads(body)
                await run_in_threadpool(record_reads, self.ctx, principal, scope["method"], path, parsed)
            except Exception:  # no record, no disclosure: answered 503 below
                log.exception("could not record a directory read; the answer is withheld")
                held = _unavailable()
        for message in held:
            await send(message)


def _unavailable() -> list[Message]:
    body = json.dumps({"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "transient",
        "diagnostics": "the read could not be recorded in the audit trail; retry later"}]}).encode()
    return [{"type": "http.response.start", "status": 503,
             "headers": [(b"content-type", b"application/fhir+json"), (b"retry-after", b"5"),
                         (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body}]
