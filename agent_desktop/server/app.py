"""The FastAPI application: routes of the v1 protocol (DESIGN.md) over a ServerContext."""

from __future__ import annotations

import importlib
import json
import logging
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_desktop import __version__
from agent_desktop.audit.event import utc_timestamp
from agent_desktop.audit.fhir import to_bundle
from agent_desktop.errors import AgentDesktopError
from agent_desktop.server import devices, migrations, queries, reports
from agent_desktop.server.auth import (
    authenticate,
    require_admin,
    require_auditor,
    require_device,
    require_enroll,
    require_team_lead,
)
from agent_desktop.server.context import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, ServerContext
from agent_desktop.server.errors import ApiError, BadRequest, Forbidden
from agent_desktop.server.ingest import ingest_batch
from agent_desktop.server.monitor import MODES, make_grant
from agent_desktop.server.tokens import Principal

log = logging.getLogger(__name__)

AGENT_STATES = ("available", "busy", "on_call", "after_call_work", "away", "offline")
REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"
Ref = Annotated[str, Field(min_length=1, max_length=128, pattern=REF_PATTERN)]
PathRef = Annotated[str, Path(min_length=1, max_length=128, pattern=REF_PATTERN)]


def _ref_query(description: str = "") -> Any:
    return Query(None, min_length=1, max_length=128, pattern=REF_PATTERN, description=description)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrollIn(Strict):
    hostname: str | None = Field(default=None, max_length=253)


class BatchIn(Strict):
    device_id: Ref
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class RevokeIn(Strict):
    reason: str | None = Field(default=None, max_length=200)


class AgentStateIn(Strict):
    state: Literal["available", "busy", "on_call", "after_call_work", "away", "offline"]


class MonitorIn(Strict):
    agent: Ref
    mode: Literal["listen", "whisper", "barge"]


class BodyLimit:
    """Answer 413 to bodies over ``limit`` bytes before any handler parses them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _too_large(self.limit, send)
                return
            chunks.append(body)
            more = bool(message.get("more_body"))
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks),
                                        "more_body": False}], receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _too_large(limit: int, send: Send) -> None:
    body = json.dumps({"error": "too_large", "message": f"request body over {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _record_denial(ctx: ServerContext, request: Request, status: int, reason: str) -> None:
    client = request.client.host if request.client else None
    try:
        with ctx.db.transaction():
            ctx.db.execute("INSERT INTO denials (ts, method, path, status, reason, client)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           (utc_timestamp(ctx.clock()), request.method,
                            request.url.path[:300].replace("\x00", "?"), status,
                            reason[:300].replace("\x00", "?"), client))
    except Exception:  # the denial must still be answered if recording fails
        log.exception("could not record a denied request")


def _unavailable(request: Request, err: Exception) -> JSONResponse:
    log.error("database unavailable: %s", err.__class__.__name__)
    return JSONResponse({"error": "unavailable", "message": "the audit database is unavailable; retry later"},
                        status_code=503, headers={"Retry-After": "5"})


def _validation_message(err: RequestValidationError) -> str:
    parts = []
    for problem in err.errors()[:5]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def create_app(ctx: ServerContext, *, directory_data: Any = None) -> FastAPI:
    app = FastAPI(title="Agent Desktop audit server", version=__version__,
                  description="Central audit trail: enrolment, chain-verified ingest with Ed25519 "
                              "receipts, auditor queries and reports.")
    app.state.ctx = ctx

    @app.exception_handler(ApiError)
    def api_error(request: Request, err: ApiError) -> JSONResponse:  # sync: runs in the thread pool
        headers = {}
        if err.status in (401, 403):
            _record_denial(ctx, request, err.status, err.message)
            if err.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(err.body(), status_code=err.status, headers=headers)

    for error_type in ctx.db.unavailable_errors:
        app.add_exception_handler(error_type, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "bad_request", "message": _validation_message(err)},
                            status_code=400)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        ctx.db.one("SELECT 1")
        return {"status": "ok", "database": ctx.db.kind, "schema": migrations.LATEST,
                "receipt_public_key": ctx.signer.public_key_hex}

    @app.post("/v1/enroll", tags=["devices"])
    def enroll(principal: Annotated[Principal, Depends(require_enroll)],
               body: Annotated[EnrollIn | None, Body()] = None) -> dict[str, Any]:
        return devices.enroll(ctx, principal, body.hostname if body else None)

    @app.post("/v1/audit/batches", tags=["audit"])
    def post_batch(body: BatchIn, principal: Annotated[Principal, Depends(require_device)]) -> dict[str, Any]:
        if body.device_id != principal.device_id:
            raise Forbidden("a device may only send its own events")
        return ingest_batch(ctx, body.device_id, body.events)

    @app.get("/v1/audit/events", tags=["auditors"])
    def get_events(_: Annotated[Principal, Depends(require_auditor)],
                   patient: str | None = _ref_query(),
                   actor: str | None = _ref_query(),
                   action: str | None = Query(None, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$"),
                   device_id: str | None = _ref_query(),
                   since: str | None = Query(None, max_length=40, description="inclusive, ISO 8601"),
                   until: str | None = Query(None, max_length=40, description="exclusive, ISO 8601"),
                   order: Literal["newest", "oldest"] = "newest",
                   limit: int = Query(100, ge=1, le=queries.MAX_PAGE),
                   cursor: str | None = Query(None, max_length=400)) -> dict[str, Any]:
        flt = queries.EventFilter(patient=patient, actor=actor, action=action, device_id=device_id,
                                  since=queries.normalise_time(since, "since"),
                                  until=queries.normalise_time(until, "until"))
        return queries.find_events(ctx.db, flt, newest_first=order == "newest", limit=limit,
                                   cursor=cursor)

    @app.get("/v1/audit/verify", tags=["auditors"])
    def verify(_: Annotated[Principal, Depends(require_auditor)],
               device_id: str = Query(..., max_length=128, pattern=REF_PATTERN)) -> dict[str, Any]:
        return queries.verify_device(ctx.db, device_id)

    @app.get("/v1/audit/alerts", tags=["auditors"])
    def alerts(_: Annotated[Principal, Depends(require_auditor)],
               limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        tamper = ctx.db.query("SELECT ts, kind, device_id, seq, detail FROM alerts ORDER BY id DESC"
                              " LIMIT ?", (limit,))
        denied = ctx.db.query("SELECT ts, method, path, status, reason, client FROM denials"
                              " ORDER BY id DESC LIMIT ?", (limit,))
        return {"alerts": [{"ts": t, "kind": k, "device_id": d, "seq": s, "detail": json.loads(x)}
                           for t, k, d, s, x in tamper],
                "denials": [{"ts": t, "method": m, "path": p, "status": s, "reason": r, "client": c}
                            for t, m, p, s, r, c in denied]}

    @app.get("/v1/devices/{device_id}", tags=["devices"])
    def device_status(device_id: PathRef, principal: Annotated[Principal, Depends(authenticate)]) -> dict[str, Any]:
        if principal.role == "device" and principal.device_id != device_id:
            raise Forbidden("a device may only read its own status")
        if principal.role not in ("device", "admin", "auditor"):
            raise Forbidden("this call needs the device's own token, an admin or an auditor")
        return devices.status(ctx, device_id)

    @app.post("/v1/devices/{device_id}/revoke", tags=["devices"])
    def revoke(principal: Annotated[Principal, Depends(require_admin)],
               device_id: PathRef, body: Annotated[RevokeIn | None, Body()] = None) -> dict[str, Any]:
        return devices.revoke(ctx, device_id, f"admin:{principal.token_hash[:12]}",
                              body.reason if body else None)

    @app.put("/v1/agents/{agent_id}/state", tags=["supervision"])
    def put_state(principal: Annotated[Principal, Depends(require_device)],
                  agent_id: PathRef, body: AgentStateIn) -> dict[str, Any]:
        if principal.agent_id != agent_id:
            raise Forbidden("a device may only set its own agent's state")
        now = utc_timestamp(ctx.clock())
        with ctx.db.transaction():
            if ctx.db.execute("UPDATE agent_state SET state = ?, team = ?, device_id = ?, updated_at = ?"
                              " WHERE agent_id = ?", (body.state, principal.team, principal.device_id,
                                                      now, agent_id)).rowcount == 0:
                ctx.db.execute("INSERT INTO agent_state (agent_id, team, device_id, state, updated_at)"
                               " VALUES (?, ?, ?, ?, ?)",
                               (agent_id, principal.team, principal.device_id, body.state, now))
        return {"agent_id": agent_id, "state": body.state, "updated_at": now}

    @app.get("/v1/teams/{team}/agents", tags=["supervision"])
    def roster(team: PathRef, principal: Annotated[Principal, Depends(require_team_lead)]) -> dict[str, Any]:
        if principal.team != team:
            raise Forbidden("a team lead may only read their own team")
        rows = ctx.db.query(
            "SELECT d.agent_id, d.role, s.state, s.updated_at FROM devices d"
            " LEFT JOIN agent_state s ON s.agent_id = d.agent_id"
            " WHERE d.team = ? AND d.status = 'active' ORDER BY d.agent_id", (team,))
        agents: dict[str, dict[str, Any]] = {}
        for agent_id, role, state, updated in rows:
            agents.setdefault(agent_id, {"agent_id": agent_id, "role": role,
                                         "state": state or "offline", "updated_at": updated})
        return {"team": team, "agents": list(agents.values())}

    @app.post("/v1/monitor/tokens", tags=["supervision"])
    def monitor_token(body: MonitorIn, principal: Annotated[Principal, Depends(require_team_lead)]) -> dict[str, Any]:
        member = ctx.db.one("SELECT 1 FROM devices WHERE agent_id = ? AND team = ? AND status = 'active'",
                            (body.agent, principal.team))
        if member is None or body.agent == principal.agent_id:
            raise Forbidden("you may only monitor agents of your own team")
        if body.mode not in MODES:
            raise BadRequest("mode: listen, whisper or barge")
        grant, token = make_grant(ctx.signer.sign_raw, principal.agent_id or "", body.agent,
                                  body.mode, ctx.grant_ttl_s, ctx.clock())
        with ctx.db.transaction():
            ctx.db.execute("INSERT INTO monitor_nonces (nonce, sup, agent, mode, exp, issued_at)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           (grant["nonce"], grant["sup"], grant["agent"], grant["mode"],
                            str(grant["exp"]), utc_timestamp(ctx.clock())))
        return {"token": token, "grant": grant, "public_key": ctx.signer.public_key_hex}

    @app.get("/v1/reports/breach-scope", tags=["reports"], response_model=None)
    def breach_scope(_: Annotated[Principal, Depends(require_auditor)],
                     device_id: str | None = _ref_query(),
                     user: str | None = _ref_query(),
                     since: str | None = Query(None, max_length=40),
                     until: str | None = Query(None, max_length=40),
                     format: Literal["json", "csv"] = "json") -> dict[str, Any] | Response:
        result = reports.breach_scope(ctx.db, device_id=device_id, user=user,
                                      since=queries.normalise_time(since, "since"),
                                      until=queries.normalise_time(until, "until"))
        if format == "csv":
            return _csv(reports.to_csv(result["patients"], ("patient", "first_access", "last_access",
                                                            "events")), "breach-scope.csv")
        return result

    @app.get("/v1/reports/disclosures", tags=["reports"], response_model=None)
    def disclosures(_: Annotated[Principal, Depends(require_auditor)],
                    patient: str = Query(..., min_length=1, max_length=128, pattern=REF_PATTERN),
                    since: str | None = Query(None, max_length=40),
                    until: str | None = Query(None, max_length=40),
                    format: Literal["json", "csv"] = "json") -> dict[str, Any] | Response:
        result = reports.disclosures(ctx.db, patient=patient,
                                     since=queries.normalise_time(since, "since"),
                                     until=queries.normalise_time(until, "until"))
        if format == "csv":
            return _csv(reports.to_csv(result["disclosures"], ("ts", "user", "device_id", "caller_type",
                                                               "field_groups", "call_id", "event_id")),
                        "disclosures.csv")
        return result

    @app.get("/fhir/AuditEvent", tags=["fhir"])
    def fhir_audit_events(_: Annotated[Principal, Depends(require_auditor)],
                          patient: str = Query(..., min_length=1, max_length=128, pattern=REF_PATTERN),
                          count: int = Query(100, alias="_count", ge=1, le=queries.MAX_PAGE),
                          cursor: str | None = Query(None, alias="_cursor", max_length=400)) -> JSONResponse:
        page = queries.find_events(ctx.db, queries.EventFilter(patient=patient), newest_first=True,
                                   limit=count, cursor=cursor)
        bundle = to_bundle(page["events"], "searchset")
        if page["next_cursor"]:
            query = urlencode({"patient": patient, "_count": count, "_cursor": page["next_cursor"]})
            bundle["link"] = [{"relation": "next", "url": f"/fhir/AuditEvent?{query}"}]
        return JSONResponse(bundle, media_type="application/fhir+json")

    if directory_data is not None:
        # written by the verification capability; imported only when asked for
        try:
            directory_api = importlib.import_module("agent_desktop.server.directory_api")
        except ImportError as err:
            raise AgentDesktopError("this build has no FHIR directory API (agent_desktop.server."
                                    "directory_api)", "Run the server without --directory-data.") from err
        app.include_router(directory_api.make_router(directory_data, require_device))

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app
