"""What an agent's screen says about a core failure, in the agent's language.

The core raises ``AgentDesktopError`` with an English message (for logs, the CLI and IT) and,
for the failures an agent meets, a ``code``. The screens translate the code through this
table, never by parsing the English; an error without a known code shows its own message.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from agent_desktop.errors import AgentDesktopError

CONTEXT = "errors"

_MARKED = {  # (what happened, what to do); QT_TRANSLATE_NOOP only marks them for lupdate
    "vault.wrong_password": (QT_TRANSLATE_NOOP("errors", "Wrong password (failed attempts: {failures})."),
        QT_TRANSLATE_NOOP("errors", "Check Caps Lock and the keyboard layout. A forgotten password cannot be recovered: IT can reset your profile.")),
    "vault.throttled": (QT_TRANSLATE_NOOP("errors", "Too many failed attempts."),
        QT_TRANSLATE_NOOP("errors", "Wait {seconds} s, then try again; every attempt is recorded.")),
    "vault.locked": (QT_TRANSLATE_NOOP("errors", "Your session is locked."),
        QT_TRANSLATE_NOOP("errors", "Unlock it with your password.")),
    "vault.corrupted": (QT_TRANSLATE_NOOP("errors", "Your local data on this workstation is damaged and cannot be opened."),
        QT_TRANSLATE_NOOP("errors", "Nothing was changed. Call IT support.")),
    "vault.weak_password": (QT_TRANSLATE_NOOP("errors", "That password is too weak."),
        QT_TRANSLATE_NOOP("errors", "Choose a longer passphrase, e.g. four unrelated words.")),
    "vault.storage": (QT_TRANSLATE_NOOP("errors", "This workstation could not save your data (disk full or no permission)."),
        QT_TRANSLATE_NOOP("errors", "Call IT support; nothing already saved was lost.")),
    "keyring.missing": (QT_TRANSLATE_NOOP("errors", "The desktop's secure keyring is not available."),
        QT_TRANSLATE_NOOP("errors", "Sign out of the computer and in again; if it persists, call IT support.")),
    "keyring.device_key_missing": (QT_TRANSLATE_NOOP("errors", "This workstation's device key is gone from the keyring, so your profile cannot be opened."),
        QT_TRANSLATE_NOOP("errors", "Call IT support to enrol the workstation again.")),
    "server.unreachable": (QT_TRANSLATE_NOOP("errors", "The audit server cannot be reached."),
        QT_TRANSLATE_NOOP("errors", "Check the network, then try again.")),
    "enrolment.refused": (QT_TRANSLATE_NOOP("errors", "The audit server refused the enrolment token."),
        QT_TRANSLATE_NOOP("errors", "Tokens work once: ask IT for a new one.")),
    "sip.registrar_refused": (QT_TRANSLATE_NOOP("errors", "The phone system refused to sign you in."),
        QT_TRANSLATE_NOOP("errors", "Calls cannot ring here; call IT support.")),
    "call.srtp_refused": (QT_TRANSLATE_NOOP("errors", "A call was refused because it offered no encryption (SRTP)."),
        ""),
    "phone.not_running": (QT_TRANSLATE_NOOP("errors", "The phone is not running."),
        QT_TRANSLATE_NOOP("errors", "Sign in first.")),
    "presence.not_connected": (QT_TRANSLATE_NOOP("errors", "The roster is not connected."),
        QT_TRANSLATE_NOOP("errors", "Sign in first.")),
    "monitoring.no_address": (QT_TRANSLATE_NOOP("errors", "The agent's phone has no address on the roster."),
        QT_TRANSLATE_NOOP("errors", "Wait until the agent's phone is registered.")),
    "monitoring.busy": (QT_TRANSLATE_NOOP("errors", "You are already monitoring a call."),
        QT_TRANSLATE_NOOP("errors", "Hang up the monitoring call first.")),
    "monitoring.no_session": (QT_TRANSLATE_NOOP("errors", "No monitoring session is up."),
        QT_TRANSLATE_NOOP("errors", "Start with Listen.")),
}
TEXTS: dict[str, tuple[str, str]] = {code: (str(what), str(todo)) for code, (what, todo) in _MARKED.items()}


def _tr(text: str, values: dict[str, object]) -> str:
    return QCoreApplication.translate(CONTEXT, text).format(**values) if text else ""


def code_parts(code: str, **values: object) -> tuple[str, str]:
    """What happened and what to do, translated; empty when the code is unknown."""
    what, todo = TEXTS.get(code, ("", ""))
    return _tr(what, values), _tr(todo, values)


def code_text(code: str, **values: object) -> str:
    """The translated text of a code in one line; empty when the code is unknown."""
    return " ".join(t for t in code_parts(code, **values) if t)


def error_parts(err: BaseException | str) -> tuple[str, str]:
    """(message, hint) to show for ``err``: translated through its code, else its own words."""
    if isinstance(err, AgentDesktopError) and err.code in TEXTS:
        seconds = getattr(err, "retry_after_seconds", 0) or getattr(err, "retry_after", 0)
        return code_parts(err.code, seconds=max(1, round(float(seconds))),
                          failures=getattr(err, "failures", 0))
    if isinstance(err, AgentDesktopError):
        return err.message, err.hint
    return str(err), ""


def error_text(err: BaseException | str) -> str:
    """What to show for ``err`` in one line (see ``error_parts``)."""
    return " ".join(t for t in error_parts(err) if t)
