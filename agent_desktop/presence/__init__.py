"""Agent presence: one vocabulary of agent states shared by the phone, the workstation, the
server's roster and the team-lead view (no PHI, no caller number, ever).

states.py     the vocabulary (Presence, AgentStatus, ESCALATION_KINDS)
rules.py      what a status may contain (the client and the server check the same rules)
client.py     PresenceClient: publish, escalate, sign out, roster, acknowledge (requests)
publisher.py  PresencePublisher: the heartbeat thread the workstation feeds with update()
roster.py     typed answers (RosterRow, Escalation, Roster) and the presence errors
"""

from agent_desktop.presence.states import ESCALATION_KINDS, AgentStatus, Presence

__all__ = ["ESCALATION_KINDS", "AgentStatus", "Presence"]
