"""The device's audit-server credentials in the OS keyring, and enrolment.

One keyring entry per profile (service ``agent-desktop-audit/<profile>``) holds a small
JSON object: device id, device token, the server's receipt public key and the server URL
it came from. The token is a secret, so it lives only in the keyring, never in a file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import requests

from agent_desktop.errors import AgentDesktopError
from agent_desktop.urls import require_secure_url

SERVICE_PREFIX = "agent-desktop-audit/"
ENTRY = "device"
ENROLL_TIMEOUT_SECONDS = 15.0


class NotEnrolled(AgentDesktopError):
    """No device credentials in the keyring for this profile."""


class EnrollmentFailed(AgentDesktopError):
    """The audit server did not enrol this device."""


class EnrollmentRefused(EnrollmentFailed):
    """The token was used up or wrong, or the server is not the one policy names: retrying is futile."""

    code = "enrolment.refused"


@dataclass(frozen=True)
class DeviceCredentials:
    device_id: str
    device_token: str
    receipt_public_key: str
    server_url: str
    agent_id: str = ""
    role: str = ""
    team: str = ""

    def __repr__(self) -> str:  # the token must never reach a log or a traceback
        return f"DeviceCredentials(device_id={self.device_id!r}, server_url={self.server_url!r})"


class CredentialStore:
    """Reads and writes :class:`DeviceCredentials` through an injected keyring backend."""

    def __init__(self, backend: Any, profile: str = "default") -> None:
        self._backend = backend
        self.service = SERVICE_PREFIX + profile

    def load(self) -> DeviceCredentials | None:
        raw = self._backend.get_password(self.service, ENTRY)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return DeviceCredentials(**data)
        except (ValueError, TypeError) as err:
            raise NotEnrolled(f"the keyring entry {self.service!r} is unreadable",
                              "Re-enrol this workstation with `agent-desktop audit enroll`.") from err

    def require(self) -> DeviceCredentials:
        creds = self.load()
        if creds is None:
            raise NotEnrolled("this workstation is not enrolled with the audit server",
                              "Ask IT for an enrolment token and run `agent-desktop audit enroll`.")
        return creds

    def save(self, creds: DeviceCredentials) -> None:
        self._backend.set_password(self.service, ENTRY, json.dumps(asdict(creds)))

    def delete(self) -> None:
        if self._backend.get_password(self.service, ENTRY) is not None:
            self._backend.delete_password(self.service, ENTRY)


def enroll(session: requests.Session, server_url: str, enrollment_token: str,
           store: CredentialStore, *, verify: str | bool = True,
           expected_receipt_key: str = "") -> DeviceCredentials:
    """``POST /v1/enroll`` with IT's one-time token; stores and returns the credentials.

    ``expected_receipt_key`` is policy's ``audit.receipt_public_key``: a server that signs
    with another key is not the organisation's, and nothing is stored. Plain http:// to
    another machine is refused before the token leaves (``InsecureServerUrl``).
    """
    require_secure_url(server_url)
    url = server_url.rstrip("/") + "/v1/enroll"
    try:
        resp = session.post(url, json={}, headers={"Authorization": f"Bearer {enrollment_token}"},
                            timeout=ENROLL_TIMEOUT_SECONDS, verify=verify)
    except requests.RequestException as err:
        raise EnrollmentFailed(f"cannot reach the audit server ({type(err).__name__})",
                               "Check audit.server_url and the network, then try again.",
                               code="server.unreachable") from err
    if resp.status_code in (401, 403):
        raise EnrollmentRefused("the audit server refused the enrolment token",
                               "Enrolment tokens are single-use: ask IT for a new one.")
    if resp.status_code != 200:
        raise EnrollmentFailed(f"the audit server answered HTTP {resp.status_code} to enrolment",
                               "Try again later or call IT.")
    try:
        data = resp.json()
        creds = DeviceCredentials(
            device_id=str(data["device_id"]), device_token=str(data["device_token"]),
            receipt_public_key=str(data["receipt_public_key"]), server_url=server_url,
            agent_id=str(data.get("agent_id") or ""), role=str(data.get("role") or ""),
            team=str(data.get("team") or ""))
        bytes.fromhex(creds.receipt_public_key)
    except (ValueError, KeyError, TypeError) as err:
        raise EnrollmentFailed("the audit server's enrolment answer is malformed",
                               "Check that audit.server_url points at the audit server.") from err
    if expected_receipt_key and creds.receipt_public_key.lower() != expected_receipt_key.lower():
        raise EnrollmentRefused(
            "the audit server's receipt key is not the one the policy names",
            "Check audit.server_url and audit.receipt_public_key with IT; nothing was stored.")
    store.save(creds)
    return creds
