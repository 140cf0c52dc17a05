"""Click-to-dial: a ``tel:`` or ``sip:`` link (from a browser or a CRM, through the desktop
entry) turned into what the agent would have typed in the dial pad.

The number is caller data: it is returned, never logged, and the error names no digits.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from agent_desktop.phone.errors import InvalidDialTarget

SCHEMES = ("tel", "sip", "sips")
_VISUAL = re.compile(r"[\s\-.()]")  # RFC 3966 visual separators
_NUMBER = re.compile(r"\+?[0-9*#]+")
_SIP = re.compile(r"(sips?):([A-Za-z0-9_.!~*'()&=+$,;?/%-]+)@([A-Za-z0-9.\-\[\]:]+)", re.I)


def is_link(arg: str) -> bool:
    return arg.split(":", 1)[0].lower() in SCHEMES and ":" in arg


def dial_target(link: str) -> str:
    """``tel:+1-201-555-0123;ext=1`` -> ``+12015550123``; ``sip:bob@pbx.example.org;x=y`` ->
    ``sip:bob@pbx.example.org`` (parameters and headers dropped: the dial plan adds its own)."""
    scheme, _, rest = link.strip().partition(":")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidDialTarget("the link is not a tel:, sip: or sips: link")
    rest = unquote(rest.lstrip("/"))
    if scheme == "tel":
        number = _VISUAL.sub("", rest.split(";", 1)[0])
        if not _NUMBER.fullmatch(number):
            raise InvalidDialTarget("the tel: link does not hold a phone number")
        return number
    address = rest.split("?", 1)[0].split(";", 1)[0]
    match = _SIP.fullmatch(f"{scheme}:{address}")
    if not match:
        raise InvalidDialTarget(f"the {scheme}: link does not hold a user@host address")
    return f"{scheme}:{match.group(2)}@{match.group(3)}"
