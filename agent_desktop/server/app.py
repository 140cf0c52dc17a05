"""The FastAPI application: routes of the v1 protocol (DESIGN.md) over a ServerContext."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Body, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_desktop import __version__
from agent_desktop.audit.event import utc_timestamp
from agent_desktop.audit.fhir import to_bundle
from agent_desktop.errors import AgentDesktopError
from agent_desktop.server import devices, heads, migrations, presence_api, queries, reports, wire
from agent_desktop.server.auth import (
    authenticate,
    authenticate_for_status,
    bearer,
    require_admin,
    require_auditor,
    require_device,
    require_enroll,
    require_team_lead,
)
from agent_desktop.server.context import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, ServerContext
from agent_desktop.server.denials import DenialLog
from agent_desktop.server.errors import ApiError, BadRequest, Forbidden
from agent_desktop.server.ingest import ingest_batch, report_head
from agent_desktop.server.monitor import MODES, make_grant
from agent_desktop.server.schemas import REF_PATTERN, PathRef, Ref, Strict
from agent_desktop.server.tokens import Principal

log = logging.getLogger(__name__)


AUDIT_HEAD = Header(None, alias=heads.HEADER, max_length=90,
                    description="the workstation's outbox head, <seq>:<hash> (alerts when it goes back or forks)")


def device_actor(principal: Principal) -> tuple[str, str]:
    """The (user, role) every event a device posts must name."""
    return principal.agent_id or "", principal.user_role or "agent"


def _ref_query(description: str = "") -> Any:
    return Query(None, min_length=1, max_length=128, pattern=REF_PATTERN, description=description)


class EnrollIn(Strict):
    hostname: str | None = Field(default=None, max_length=253)


class BatchIn(Strict):
    device_id: Ref
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class RevokeIn(Strict):
    reason: str | None = Field(default=None, max_length=200)


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


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
               415: "unsupported_media_type"}


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
    denials = DenialLog(ctx.db, ctx.clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        denials.flush()

    app = FastAPI(title="Agent Desktop audit server", version=__version__, lifespan=lifespan,
                  description="Central audit trail: enrolment, chain-verified ingest with Ed25519 "
                              "receipts, auditor queries and reports.")
    app.state.ctx = ctx
    app.state.denials = denials

    @app.exception_handler(ApiError)
    def api_error(request: Request, err: ApiError) -> JSONResponse:  # sync: runs in the thread pool
        headers = dict(err.headers)
        if err.status in (401, 403):
            denials.add(request.method, request.url.path, err.status, err.message,
                        request.client.host if request.client else None)
            if err.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(err.body(), status_code=err.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        # the framework's own 404/405 answers, in the documented shape
        code = _HTTP_CODES.get(err.status_code, "bad_request" if err.status_code < 500 else "error")
        return JSONResponse({"error": code, "message": str(err.detail)}, status_code=err.status_code,
                            headers=getattr(err, "headers", None))

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

    @app.post("/v1/audit/batches", tags=["audit"], response_model=None,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": BatchIn.model_json_schema()}}}})
    async def post_batch(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                         audit_head: str | None = AUDIT_HEAD) -> Response:
        raw = await request.body()
        # one worker-thread hop for the whole request: token, body, ingest (in that order)
        result = await run_in_threadpool(receive_batch, request, credentials, raw, audit_head)
        return Response(wire.dumps(result), media_type="application/json")

    def receive_batch(request: Request, credentials: HTTPAuthorizationCredentials | None, raw: bytes,
                      audit_head: str | None) -> dict[str, Any]:
        principal = require_device(authenticate(authenticate_for_status(request, credentials)))
        # the body is parsed once (orjson) and checked by hand: see agent_desktop/server/wire.py
        device_id, events = wire.parse_batch(raw)
        if device_id != principal.device_id:
            raise Forbidden("a device may only send its own events")
        return ingest_batch(ctx, device_id, events, actor=device_actor(principal), head=heads.parse(audit_head),
                            from_wire=True)

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
        denials.flush()  # counted in memory between flushes: auditors see every denial
        tamper = ctx.db.query("SELECT ts, kind, device_id, seq, detail FROM alerts ORDER BY id DESC"
                              " LIMIT ?", (limit,))
        denied = ctx.db.query("SELECT ts, first_ts, count, method, path, status, reason, client FROM denials"
                              " ORDER BY id DESC LIMIT ?", (limit,))
        return {"alerts": [{"ts": t, "kind": k, "device_id": d, "seq": s, "detail": json.loads(x)}
                           for t, k, d, s, x in tamper],
                "denials": [{"ts": t, "first_ts": f or t, "count": int(n), "method": m, "path": p,
                             "status": s, "reason": r, "client": c}
                            for t, f, n, m, p, s, r, c in denied]}

    @app.get("/v1/audit/directory-reads", tags=["auditors"])
    def directory_reads(_: Annotated[Principal, Depends(require_auditor)],
                        patient: str | None = _ref_query("patient reference (FHIR id)"),
                        device_id: str | None = _ref_query(),
                        agent: str | None = _ref_query(),
                        limit: int = Query(100, ge=1, le=queries.MAX_PAGE)) -> dict[str, Any]:
        return queries.directory_reads(ctx.db, patient=patient, device_id=device_id, agent=agent,
                                       limit=limit)

    @app.get("/v1/devices/{device_id}", tags=["devices"])
    def device_status(device_id: PathRef, principal: Annotated[Principal, Depends(authenticate_for_status)],
                      audit_head: str | None = AUDIT_HEAD) -> dict[str, Any]:
        # the one call a revoked device's token may still make: learning that it is revoked
        if principal.role == "device" and principal.device_id != device_id:
            raise Forbidden("a device may only read its own status")
        if principal.role not in ("device", "admin", "auditor"):
            raise Forbidden("this call needs the device's own token, an admin or an auditor")
        head = heads.parse(audit_head)
        if head is not None and principal.role == "device" and not principal.device_revoked:
            report_head(ctx, device_id, head)
        return devices.status(ctx, device_id)

    @app.post("/v1/devices/{device_id}/revoke", tags=["devices"])
    def revoke(principal: Annotated[Principal, Depends(require_admin)],
               device_id: PathRef, body: Annotated[RevokeIn | None, Body()] = None) -> dict[str, Any]:
        return devices.revoke(ctx, device_id, f"admin:{principal.token_hash[:12]}",
                              body.reason if body else None)

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

    app.include_router(presence_api.make_router(ctx))

    if directory_data is not None:
        # written by the verification capability; imported only when asked for
        try:
            directory_api = importlib.import_module("agent_desktop.server.directory_api")
        except ImportError as err:
            raise AgentDesktopError("this build has no FHIR directory API (agent_desktop.server."
                                    "directory_api)", "Run the server without --directory-data.") from err
        from agent_desktop.server import directory_openapi
        from agent_desktop.server.directory_audit import DirectoryGuard, DirectoryReadRecorder

        guard = DirectoryGuard(ctx, ctx.directory_rate_per_minute)
        app.include_router(directory_api.make_router(directory_data, guard.dependency()))
        app.add_middleware(DirectoryReadRecorder, ctx=ctx)
        directory_openapi.install(app)

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app
