"""FastAPI dependencies that authenticate bearer tokens and check roles.

``require_device`` is public API: other routers (the FHIR directory) pass it to
``Depends`` to admit enrolled, active-token devices only. Every 401/403 is counted in the
``denials`` table by the application's error handler, never with the token itself.

Revocation: a token of a revoked device authenticates (so the device can learn it is
revoked and wipe) but :func:`authenticate` refuses it with ``device_revoked`` on every
route except the device's own status (:func:`authenticate_for_status`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agent_desktop.server import tokens
from agent_desktop.server.context import ServerContext
from agent_desktop.server.errors import DeviceRevoked, Forbidden, Unauthorized
from agent_desktop.server.tokens import Principal

bearer = HTTPBearer(auto_error=False, description="A token from enrolment or `agent-desktop server token create`")


def server_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def authenticate_for_status(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """Any live token, a revoked device's included: only for reading a device's status."""
    if credentials is None:
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    principal = tokens.lookup(server_context(request).db, credentials.credentials)
    if principal is None:
        raise Unauthorized("the token is unknown, expired, already used or revoked")
    request.state.principal = principal
    return principal


def authenticate(principal: Annotated[Principal, Depends(authenticate_for_status)]) -> Principal:
    """A live token with powers: a revoked device's tokens have none."""
    if principal.device_revoked:
        raise DeviceRevoked("this device has been revoked; it must wipe its vault")
    return principal


def require_role(*roles: str) -> Callable[..., Principal]:
    def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this call needs a {' or '.join(roles)} token")
        return principal

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency


require_device = require_role("device")
require_enroll = require_role("enroll")
require_auditor = require_role("auditor")
require_admin = require_role("admin")


def require_team_lead(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A team-lead token, or the device of an agent enrolled with the team-lead role."""
    if principal.role == "team_lead" or (principal.role == "device" and principal.user_role == "team_lead"):
        if not principal.team:
            raise Forbidden("this team lead has no team")
        return principal
    raise Forbidden("this call needs a team lead")
