"""Words the team-lead view shows for the presence vocabulary (codes never reach the screen raw).

The tables hold English sources marked for lupdate (``QT_TRANSLATE_NOOP``); the functions
return them in the installed language, so every read after a language switch speaks it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from agent_desktop.presence.states import Presence
from ui.widgets.agent_state import reason_label

CONTEXT = "teamlead"
STATE_LABELS = {
    Presence.AVAILABLE: QT_TRANSLATE_NOOP("teamlead", "Available"),
    Presence.ON_CALL: QT_TRANSLATE_NOOP("teamlead", "On call"),
    Presence.AFTER_CALL_WORK: QT_TRANSLATE_NOOP("teamlead", "After-call work"),
    Presence.NOT_READY: QT_TRANSLATE_NOOP("teamlead", "Not ready"),
    Presence.OFFLINE: QT_TRANSLATE_NOOP("teamlead", "Offline"),
}
# a shape as well as a colour: no state is told by colour alone
STATE_MARKS = {
    Presence.AVAILABLE: ("●", "#1b7f3b"),
    Presence.ON_CALL: ("◆", "#1f5fbf"),
    Presence.AFTER_CALL_WORK: ("◐", "#8a5a00"),
    Presence.NOT_READY: ("■", "#b3261e"),
    Presence.OFFLINE: ("○", "#6b6b6b"),
}
KIND_LABELS = {
    "minor_patient": QT_TRANSLATE_NOOP("teamlead", "Minor patient"),
    "caller_other": QT_TRANSLATE_NOOP("teamlead", "Caller type: other"),
    "social_engineering": QT_TRANSLATE_NOOP("teamlead", "Possible social engineering"),
    "need_help": QT_TRANSLATE_NOOP("teamlead", "Needs help"),
}
MONITORING_UNAVAILABLE = QT_TRANSLATE_NOOP("teamlead", "Monitoring is not available on this workstation.")
MONITOR_MODES = ("listen", "whisper", "barge")
MODE_BUTTONS = {
    "listen": QT_TRANSLATE_NOOP("teamlead", "Listen"),
    "whisper": QT_TRANSLATE_NOOP("teamlead", "Whisper"),
    "barge": QT_TRANSLATE_NOOP("teamlead", "Barge"),
    "hangup": QT_TRANSLATE_NOOP("teamlead", "Hang up"),
}
MODE_NAMES = {  # the buttons' accessible names
    "listen": QT_TRANSLATE_NOOP("teamlead", "Listen to the selected agent's call"),
    "whisper": QT_TRANSLATE_NOOP("teamlead", "Whisper to the selected agent"),
    "barge": QT_TRANSLATE_NOOP("teamlead", "Barge into the selected agent's call"),
    "hangup": QT_TRANSLATE_NOOP("teamlead", "Hang up"),
}
# what the lead is doing, in words (never by colour alone)
MODE_STATES = {
    "listen": QT_TRANSLATE_NOOP("teamlead", "Listening to {agent}: nobody hears you."),
    "whisper": QT_TRANSLATE_NOOP("teamlead", "Coaching {agent}: only the agent hears you."),
    "barge": QT_TRANSLATE_NOOP("teamlead", "In {agent}'s call: the agent and the caller hear you."),
}
END_CAUSES = {
    "local_hangup": QT_TRANSLATE_NOOP("teamlead", "You hung up."),
    "remote_hangup": QT_TRANSLATE_NOOP("teamlead", "The agent's call ended."),
    "refused": QT_TRANSLATE_NOOP("teamlead", "The agent's phone refused the monitoring call."),
}


def words(source: object) -> str:
    """A text of this module's tables in the installed language."""
    return QCoreApplication.translate(CONTEXT, str(source))


def state_label(state: Presence) -> str:
    return words(STATE_LABELS[state])


def kind_label(kind: str) -> str:
    return words(KIND_LABELS[kind]) if kind in KIND_LABELS else reason_label(kind)


def mode_state(mode: str, agent: str) -> str:
    return words(MODE_STATES[mode]).format(agent=agent)


def end_cause(cause: str) -> str:
    return words(END_CAUSES[cause]) if cause in END_CAUSES else ""


def duration(seconds: float | None) -> str:
    """``4:07`` or ``1:02:09``; empty when unknown."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock_time(epoch: float) -> str:
    """The local wall-clock time of a server timestamp, e.g. ``14:05:31`` (24-hour, as both languages read it)."""
    return time.strftime("%H:%M:%S", time.localtime(epoch))
