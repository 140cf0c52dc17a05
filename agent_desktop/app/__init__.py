"""The running workstation (one composition root for GUI, team-lead view, demo, tests).

Qt-free. See docs/app.md for the lifecycle, the thread table and the concurrency contract.
"""

from agent_desktop.app.events import (
    AfterCallWorkTick,
    AgentStatusChanged,
    CallUpdated,
    DropPhi,
    EscalationAcknowledged,
    PresenceProblem,
    ReadyReport,
    SettingsChanged,
    StateChanged,
    WorkstationState,
)
from agent_desktop.app.ops import BlockingCallOnGuiThread, ImmediateExecutor, OpRunner, blocking
from agent_desktop.app.workstation import Workstation, WorkstationError

__all__ = ["AfterCallWorkTick", "AgentStatusChanged", "BlockingCallOnGuiThread", "CallUpdated", "DropPhi",
           "EscalationAcknowledged", "ImmediateExecutor", "OpRunner", "PresenceProblem", "ReadyReport",
           "SettingsChanged", "StateChanged",
           "Workstation", "WorkstationError", "WorkstationState", "blocking"]
