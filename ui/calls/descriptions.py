"""What a screen reader says about each control of the call workspace beyond its name: what
it does, and its keyboard shortcut. One table, so every interactive widget has one and the
translation sits beside the others (context ``a11y``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from ui.calls.phone_panel import SHORTCUTS

if TYPE_CHECKING:
    from ui.calls.lock_strip import LockCallStrip
    from ui.calls.workspace import CallWorkspace

TEXTS = {
    "dial_key": QT_TRANSLATE_NOOP("a11y", "Adds the digit to the number, or sends it as a tone during a call."),
    "call": QT_TRANSLATE_NOOP("a11y", "Places a call to the number typed above."),
    "call_list": QT_TRANSLATE_NOOP("a11y", "Your calls now; choose one to act on it."),
    "answer": QT_TRANSLATE_NOOP("a11y", "Answers the ringing call. Shortcut: {keys}."),
    "hangup": QT_TRANSLATE_NOOP("a11y", "Ends the chosen call. Shortcut: {keys}."),
    "hold": QT_TRANSLATE_NOOP("a11y", "Puts the call on hold or resumes it. Shortcut: {keys}."),
    "mute": QT_TRANSLATE_NOOP("a11y", "Turns your microphone off or on. Shortcut: {keys}."),
    "reject": QT_TRANSLATE_NOOP("a11y", "Refuses the ringing call."),
    "consult": QT_TRANSLATE_NOOP("a11y", "Holds this call and calls the person typed in the transfer field."),
    "transfer_to": QT_TRANSLATE_NOOP("a11y", "Who to transfer the call to or consult: a number or an extension."),
    "transfer": QT_TRANSLATE_NOOP("a11y", "Hands the call over to the person typed in the transfer field."),
    "complete": QT_TRANSLATE_NOOP("a11y", "Joins the held caller with the person you consulted."),
    "recent": QT_TRANSLATE_NOOP("a11y", "Your last calls, numbers masked."),
    "show_number": QT_TRANSLATE_NOOP("a11y", "Shows the chosen call's full number; this is recorded."),
    "call_back": QT_TRANSLATE_NOOP("a11y", "Calls the chosen number again."),
    "disposition": QT_TRANSLATE_NOOP("a11y", "How the call ended, for the records."),
    "notes": QT_TRANSLATE_NOOP("a11y", "Your notes about the call; kept encrypted on this workstation."),
    "save": QT_TRANSLATE_NOOP("a11y", "Saves the disposition and the notes."),
    "extend": QT_TRANSLATE_NOOP("a11y", "Gives you more after-call work time."),
    "available": QT_TRANSLATE_NOOP("a11y", "Ends after-call work; the next call may ring."),
    "candidates": QT_TRANSLATE_NOOP("a11y", "Records that may be the caller's, masked until the caller is verified."),
    "pick": QT_TRANSLATE_NOOP("a11y", "Uses the chosen record for verification."),
    "family": QT_TRANSLATE_NOOP("a11y", "The patient's family name, for a search."),
    "given": QT_TRANSLATE_NOOP("a11y", "The patient's given name, for a search."),
    "birth": QT_TRANSLATE_NOOP("a11y", "The patient's date of birth, for a search."),
    "search": QT_TRANSLATE_NOOP("a11y", "Searches the directory by name and date of birth."),
    "caller_type": QT_TRANSLATE_NOOP("a11y", "Who is calling: the patient or someone on their behalf."),
    "representative": QT_TRANSLATE_NOOP("a11y", "The representative on file who is calling."),
    "start": QT_TRANSLATE_NOOP("a11y", "Starts the identity questions for this caller."),
    "escalate": QT_TRANSLATE_NOOP("a11y", "Asks a team lead to take over this caller."),
    "reveal": QT_TRANSLATE_NOOP("a11y", "Shows this part of the patient's data; opening it is recorded."),
    "ring_answer": QT_TRANSLATE_NOOP("a11y", "Answers the ringing call. Shortcut: {keys}."),
    "ring_reject": QT_TRANSLATE_NOOP("a11y", "Refuses the ringing call."),
    "record": QT_TRANSLATE_NOOP("a11y", "Starts or stops recording this call; the caller hears a notice first."),
}


def _text(key: str, shortcut: str = "") -> str:
    keys = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText) if shortcut else ""
    return QCoreApplication.translate("a11y", str(TEXTS[key])).format(keys=keys)


def describe(w: CallWorkspace) -> None:
    """Give every interactive widget of the workspace its accessible description."""
    p, r, v, a, c = w.phone, w.patient, w.verification, w.after, w.recent
    pairs: list[tuple[QWidget, str, str]] = [
        *((key, "dial_key", "") for key in p.keys.values()),
        (p.call_button, "call", ""), (p.call_list, "call_list", ""),
        *((p.buttons[name], name, SHORTCUTS.get(name, "")) for name in p.buttons),
        (p.transfer_to, "transfer_to", ""), (p.transfer_button, "transfer", ""),
        (p.complete_button, "complete", ""),
        (c.list, "recent", ""), (c.show_button, "show_number", ""), (c.back_button, "call_back", ""),
        (a.disposition, "disposition", ""), (a.notes, "notes", ""), (a.save_button, "save", ""),
        (a.extend_button, "extend", ""), (a.available_button, "available", ""),
        (r.candidates, "candidates", ""), (r.pick, "pick", ""), (r.family, "family", ""),
        (r.given, "given", ""), (r.birth, "birth", ""), (r.search_button, "search", ""),
        (v.caller_type, "caller_type", ""), (v.representative, "representative", ""),
        (v.start_button, "start", ""), (v.escalate_button, "escalate", ""),
        *((box.show_button, "reveal", "") for box in w.phi.boxes.values()),
        (w.ring.answer_button, "ring_answer", SHORTCUTS["answer"]), (w.ring.reject_button, "ring_reject", ""),
        (w.recording.button, "record", ""),
    ]
    for widget, key, shortcut in pairs:
        widget.setAccessibleDescription(_text(key, shortcut))


def describe_lock_strip(strip: LockCallStrip) -> None:
    """The lock screen's call strip says what its buttons do, as the workspace's do."""
    for name, button in strip.buttons.items():
        button.setAccessibleDescription(_text(name, SHORTCUTS.get(name, "")))
