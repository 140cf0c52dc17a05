"""Reading an incoming INVITE for what the engine decides before a call rings: which of the
twin accounts answers it (``sip:`` or ``sips:`` Contact) and, when pjsua refused it on its
own, a reason word for the audit trail. The message text is parsed here and dropped: it
holds URIs and numbers and is never logged or kept.
"""

from __future__ import annotations

import re

from agent_desktop.phone.offer import judge_offer

_HEADER = r"^(?:{names})[ \t]*:[ \t]*(.*)$"
_CALL_ID = re.compile(_HEADER.format(names="call-id|i"), re.I | re.M)
_CONTACT = re.compile(_HEADER.format(names="contact|m"), re.I | re.M)
_REQUEST_LINE = re.compile(r"^[A-Z]+[ \t]+(\S+)[ \t]+SIP/2\.0", re.I)

BUSY_HERE = 486
TEMPORARILY_UNAVAILABLE = 480


def _head(message: str) -> str:
    return re.split(r"\r?\n\r?\n", message, maxsplit=1)[0]


def sip_call_id(message: str) -> str:
    m = _CALL_ID.search(_head(message))
    return m.group(1).strip() if m else ""


def _contact_uri(message: str) -> str:
    m = _CONTACT.search(_head(message))
    if not m:
        return ""
    value = m.group(1).strip()
    if "<" in value:
        value = value.split("<", 1)[1]
    return value.lstrip()


def caller_contact_is_sips(message: str) -> bool:
    """Whether the caller's Contact is ``sips:``: its dialog is then ``sips:`` end to end
    and it ends the call if our answer's Contact is not ``sips:`` too."""
    return _contact_uri(message)[:5].lower() == "sips:"


def request_uri_is_sips(message: str) -> bool:
    m = _REQUEST_LINE.match(message.lstrip())
    return m is not None and m.group(1)[:5].lower() == "sips:"


def refusal_reason(code: int, message: str, srtp_required: bool) -> str:
    """A word from ``events.REFUSAL_REASONS`` for an INVITE pjsua refused with ``code``."""
    if code == TEMPORARILY_UNAVAILABLE and request_uri_is_sips(message) \
            and not caller_contact_is_sips(message):
        return "sips_required"
    if code == BUSY_HERE:
        return "too_many_calls"
    if message:
        verdict = judge_offer(message, srtp_required)
        if verdict is not None:
            return verdict[1]
    if code == 400:
        return "malformed_sdp"
    return "not_acceptable"
