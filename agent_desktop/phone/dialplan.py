"""Turns what an agent typed into a SIP URI: numbers get the policy's dial prefix.

Over TLS the phone dials ``sip:...;transport=tls`` (RFC 5630: TLS on every hop is the
transport's job, not the scheme's): baresip, linphone and many PBXs and trunks only know
``sip:`` URIs, and a ``sips:`` request makes a dialog that ends the call as soon as such a
peer answers with its ``sip:`` Contact. An address typed as ``sips:`` stays ``sips:``.
"""

from __future__ import annotations

import re

from agent_desktop.phone.errors import InvalidDialTarget

_SEPARATORS = re.compile(r"[\s\-().]")
_NUMBER = re.compile(r"\+?[0-9*#]+")
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_URI = re.compile(r"(sips?):([^@\s]+)@([^\s;>]+)(;[^\s>]*)?", re.I)
_TRANSPORT = re.compile(r";transport=[^;]*", re.I)


def normalise_target(target: str, domain: str, dial_prefix: str = "", secure: bool = True) -> str:
    """Return the request URI for ``target`` (a number, a user name, or a SIP URI).

    With ``secure`` (TLS signalling) every ``sip:`` URI carries ``;transport=tls`` (any other
    transport parameter is replaced, so nothing is ever sent in the clear) and ``sips:`` is
    kept when typed. Without it (a lab policy) everything is plain ``sip:``.
    """
    text = target.strip()
    if not text:
        raise InvalidDialTarget("nothing was entered")
    if not domain:
        raise InvalidDialTarget("no SIP domain is configured")
    m = _URI.fullmatch(text)
    if m:
        scheme = m.group(1).lower() if secure else "sip"
        params = _TRANSPORT.sub("", m.group(4) or "")
        return _with_transport(f"{scheme}:{m.group(2)}@{m.group(3)}{params}", secure)
    if ":" in text or "@" in text:
        raise InvalidDialTarget("it is not a valid sip:/sips: address")
    compact = _SEPARATORS.sub("", text)
    if _NUMBER.fullmatch(compact):
        number = compact if compact.startswith("+") else f"{dial_prefix}{compact}"
        return _with_transport(f"sip:{number}@{domain};user=phone", secure)
    if _USER.fullmatch(text):
        return _with_transport(f"sip:{text}@{domain}", secure)
    raise InvalidDialTarget("it contains characters a number or address cannot have")


def _with_transport(uri: str, secure: bool) -> str:
    if not secure or uri.lower().startswith("sips:"):
        return uri  # sips: implies TLS; a lab's plain sip: takes the transport it has
    return f"{uri};transport=tls"


def is_sips(uri: str) -> bool:
    return uri[:5].lower() == "sips:"
