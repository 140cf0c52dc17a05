"""Small display helpers shared by the call screens (no Qt widgets here)."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


def masked_number(remote: str) -> str:
    """A caller's number with all but its last two digits hidden (no PHI on screen or in a
    desktop notification before verification)."""
    digits = re.sub(r"\D", "", remote.split("@", 1)[0])
    if len(digits) < 4:
        return QCoreApplication.translate("calls", "Unknown caller")
    return "••• ••• ••" + digits[-2:]


def duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def encryption_words(tls: bool, srtp_suite: str) -> str:
    # QCoreApplication.translate spelled out: lupdate does not follow an alias
    if tls and srtp_suite:
        return QCoreApplication.translate(
            "calls", "Encrypted: TLS signalling, SRTP media ({suite})").format(suite=srtp_suite)
    if srtp_suite:
        return QCoreApplication.translate(
            "calls", "Media encrypted (SRTP {suite}); signalling not confirmed").format(suite=srtp_suite)
    return QCoreApplication.translate("calls", "Encryption not yet confirmed")


GROUP_TITLES = {
    "demographics": QT_TRANSLATE_NOOP("calls", "Demographics"),
    "appointments": QT_TRANSLATE_NOOP("calls", "Appointments"),
    "medications": QT_TRANSLATE_NOOP("calls", "Medications"),
    "lab_results": QT_TRANSLATE_NOOP("calls", "Lab results"),
    "care_plan": QT_TRANSLATE_NOOP("calls", "Care plan"),
    "billing": QT_TRANSLATE_NOOP("calls", "Billing"),
}

REASONS = {
    "not_verified": QT_TRANSLATE_NOOP("calls", "Shown after the caller is verified"),
    "role": QT_TRANSLATE_NOOP("calls", "Not needed for your role"),
    "consent": QT_TRANSLATE_NOOP("calls", "Not in the consent on file"),
    "caller_type": QT_TRANSLATE_NOOP("calls", "Not available to this kind of caller"),
}

IDENTIFIER_LABELS = {
    "full_name": QT_TRANSLATE_NOOP("calls", "Full name"),
    "date_of_birth": QT_TRANSLATE_NOOP("calls", "Date of birth"),
    "zip": QT_TRANSLATE_NOOP("calls", "ZIP code"),
    "member_id": QT_TRANSLATE_NOOP("calls", "Member ID"),
    "ssn_last4": QT_TRANSLATE_NOOP("calls", "SSN last 4"),
    "passcode": QT_TRANSLATE_NOOP("calls", "Verbal passcode"),
    "phone": QT_TRANSLATE_NOOP("calls", "Phone number"),
}

IDENTIFIER_FORMATS = {
    "full_name": QT_TRANSLATE_NOOP("calls", "as the caller says it"),
    "date_of_birth": QT_TRANSLATE_NOOP("calls", "YYYY-MM-DD or as said, e.g. March 4 1980"),
    "zip": QT_TRANSLATE_NOOP("calls", "5 digits"),
    "member_id": QT_TRANSLATE_NOOP("calls", "letters and digits from the card"),
    "ssn_last4": QT_TRANSLATE_NOOP("calls", "4 digits"),
    "passcode": QT_TRANSLATE_NOOP("calls", "the words as said"),
    "phone": QT_TRANSLATE_NOOP("calls", "digits"),
}

# the default codes of agent.dispositions; an organisation's own codes show as written
DISPOSITIONS = {
    "resolved": QT_TRANSLATE_NOOP("calls", "Resolved"),
    "follow_up": QT_TRANSLATE_NOOP("calls", "Follow-up needed"),
    "callback_requested": QT_TRANSLATE_NOOP("calls", "Callback requested"),
    "transferred": QT_TRANSLATE_NOOP("calls", "Transferred"),
    "not_verified": QT_TRANSLATE_NOOP("calls", "Caller not verified"),
    "wrong_number": QT_TRANSLATE_NOOP("calls", "Wrong number"),
}


def tr_disposition(code: str) -> str:
    if code in DISPOSITIONS:
        return QCoreApplication.translate("calls", str(DISPOSITIONS[code]))
    return code.replace("_", " ").capitalize()


def tr_group(group: str) -> str:
    return QCoreApplication.translate("calls", str(GROUP_TITLES.get(group, group)))


def tr_reason(reason: str) -> str:
    return QCoreApplication.translate("calls", str(REASONS.get(reason, reason)))


def tr_identifier(identifier: str) -> str:
    return QCoreApplication.translate("calls", str(IDENTIFIER_LABELS.get(identifier, identifier)))


def tr_format(identifier: str) -> str:
    return QCoreApplication.translate("calls", str(IDENTIFIER_FORMATS.get(identifier, "")))
