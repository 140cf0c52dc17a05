"""The team-lead view: the live roster of the lead's team, requests for help, monitoring."""

from ui.teamlead.view import RosterView
from ui.teamlead.window import TeamLeadWindow

__all__ = ["RosterView", "TeamLeadWindow"]
