"""Routes for live presence: an agent's device reports its status and raises escalations;
a lead of the same team reads the roster and acknowledges them (storage: presence.py).

Bodies are strict (an unknown field such as ``patient`` or ``caller`` is a 400) and the
values that remain are checked with the client's own rules (agent_desktop.presence.rules),
so a caller's number, a patient or free text can never be stored or shown on a roster.
Authority comes only from the shared auth dependencies: a revoked device or token is
refused there, before any of these handlers runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from agent_desktop.presence import rules
from agent_desktop.server import presence
from agent_desktop.server.auth import require_device, require_team_lead
from agent_desktop.server.context import ServerContext
from agent_desktop.server.errors import BadRequest, Forbidden
from agent_desktop.server.schemas import PathRef, Strict
from agent_desktop.server.tokens import Principal

# spelled out for the OpenAPI document; tests/unit/server/test_presence_models.py keeps them
# equal to the vocabulary in agent_desktop/presence
PublishableState = Literal["available", "on_call", "after_call_work", "not_ready"]
EscalationKind = Literal["minor_patient", "caller_other", "social_engineering", "need_help"]
EpochSeconds = Annotated[float, Field(ge=0, le=1e11, allow_inf_nan=False)]

Device = Annotated[Principal, Depends(require_device)]
TeamLead = Annotated[Principal, Depends(require_team_lead)]


class AgentStateIn(Strict):
    state: PublishableState
    reason: str = Field("", max_length=rules.MAX_REASON, description="not-ready reason code from policy")
    since: EpochSeconds = Field(0.0, description="when this state began (0: now, or unchanged)")
    aor: str = Field("", max_length=rules.MAX_AOR, description="the agent's SIP address of record")
    escalation: EscalationKind | None = None
    escalated_at: EpochSeconds | None = Field(None, description="when the agent asked (the idempotency key)")


class EscalationIn(Strict):
    kind: EscalationKind
    raised_at: EpochSeconds | None = None


def _own_agent(principal: Principal, agent_id: str) -> None:
    if principal.agent_id != agent_id:
        raise Forbidden("a device may only report its own agent's state")


def _own_team(principal: Principal, team: str) -> None:
    if principal.team != team:
        raise Forbidden("a team lead may only read their own team")


def make_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["supervision"])

    @router.put("/agents/{agent_id}/state")
    def put_state(principal: Device, agent_id: PathRef, body: AgentStateIn) -> dict[str, Any]:
        _own_agent(principal, agent_id)
        problem = rules.status_problem(body.state, body.reason, body.aor, body.escalation)
        if problem:
            raise BadRequest(problem)
        return presence.publish(ctx, principal, state=body.state, reason=body.reason, since=body.since,
                                aor=body.aor, escalation=body.escalation, escalated_at=body.escalated_at)

    @router.delete("/agents/{agent_id}/state")
    def sign_out(principal: Device, agent_id: PathRef) -> dict[str, Any]:
        _own_agent(principal, agent_id)
        return presence.sign_out(ctx, principal)

    @router.post("/agents/{agent_id}/escalations")
    def escalate(principal: Device, agent_id: PathRef, body: EscalationIn) -> dict[str, Any]:
        _own_agent(principal, agent_id)
        return presence.escalate(ctx, principal, body.kind, body.raised_at)

    @router.get("/teams/{team}/agents")
    def roster(team: PathRef, principal: TeamLead) -> dict[str, Any]:
        _own_team(principal, team)
        return presence.roster(ctx, team)

    @router.post("/teams/{team}/escalations/{escalation_id}/ack")
    def acknowledge(team: PathRef, escalation_id: PathRef, principal: TeamLead) -> dict[str, Any]:
        return presence.acknowledge(ctx, principal, team, escalation_id)

    return router

