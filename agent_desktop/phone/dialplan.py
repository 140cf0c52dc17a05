"""Turns what an agent typed into a SIP URI: numbers get the policy's dial prefix."""

from __future__ import annotations

import re

from agent_desktop.phone.errors import InvalidDialTarget

_SEPARATORS = re.compile(r"[\s\-().]")
_NUMBER = re.compile(r"\+?[0-9*#]+")
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_URI = re.compile(r"(sips?):([^@\s]+)@([^\s;>]+)(;[^\s>]*)?", re.I)


def normalise_target(target: str, domain: str, dial_prefix: str = "", secure: bool = True) -> str:
    """Return the request URI for ``target`` (a number, a user name, or a SIP URI).

    With ``secure`` (TLS signalling) every URI is sips:, so an address typed as sip: is
    upgraded rather than sent in the clear.
    """
    text = target.strip()
    if not text:
        raise InvalidDialTarget("nothing was entered")
    if not domain:
        raise InvalidDialTarget("no SIP domain is configured")
    scheme = "sips" if secure else "sip"
    m = _URI.fullmatch(text)
    if m:
        return f"{scheme}:{m.group(2)}@{m.group(3)}{m.group(4) or ''}"
    if ":" in text or "@" in text:
        raise InvalidDialTarget("it is not a valid sip:/sips: address")
    compact = _SEPARATORS.sub("", text)
    if _NUMBER.fullmatch(compact):
        if compact.startswith("+"):
            return f"{scheme}:{compact}@{domain};user=phone"
        return f"{scheme}:{dial_prefix}{compact}@{domain};user=phone"
    if _USER.fullmatch(text):
        return f"{scheme}:{text}@{domain}"
    raise InvalidDialTarget("it contains characters a number or address cannot have")
