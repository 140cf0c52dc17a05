"""Which server URLs the workstation may talk to: HTTPS, or plain HTTP to this machine only.

An impostor on the path to a plain-HTTP audit server would receive the enrolment token,
supply its own receipt key, forge receipts (so undelivered events are deleted) or answer
"device revoked" (so the vault is wiped). Loopback stays allowed for a local test server.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from agent_desktop.errors import AgentDesktopError

HINT = "Use the server's https:// address (plain http:// is accepted only for this machine)."


class InsecureServerUrl(AgentDesktopError):
    """A server URL that is not HTTPS and does not point at this machine."""


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be used for a server, or None when it may."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "is not a valid URL"
    if not host:
        return "has no host name"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None
    if scheme != "http":
        return f"uses {scheme or 'no'} scheme; expected https://"
    if _loopback(host):
        return None
    return "uses plain http:// to another machine; expected https://"


def require_secure_url(url: str, what: str = "the audit server") -> str:
    """Return ``url`` or raise :class:`InsecureServerUrl` naming the problem."""
    problem = url_problem(url)
    if problem:
        raise InsecureServerUrl(f"The address of {what} {problem}: refusing to connect.", HINT)
    return url


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
