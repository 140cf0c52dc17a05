"""The agent's SIP credentials, kept in the vault's secrets table (never in settings, logs
or the keyring in clear): entered once at first run, read at every unlock."""

from __future__ import annotations

import json
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.phone.credentials import SipCredentials

SECRET_NAME = "sip.credentials"
TIMEOUT = 10.0


class SipAccountMissing(AgentDesktopError):
    def __init__(self) -> None:
        super().__init__("No SIP account is stored in this vault.",
                         "Enter your phone system user name and password in Settings.")


def save_sip_credentials(vault: Any, creds: SipCredentials) -> None:
    if not creds.user or not creds.password:
        raise AgentDesktopError("The SIP user name and password are both needed.",
                                "Enter the credentials your phone system administrator gave you.")
    body = json.dumps({"user": creds.user, "password": creds.password, "auth_user": creds.auth_user})
    vault.put_secret(SECRET_NAME, body.encode()).result(TIMEOUT)


def load_sip_credentials(vault: Any) -> SipCredentials:
    raw = vault.get_secret(SECRET_NAME).result(TIMEOUT)
    if raw is None:
        raise SipAccountMissing()
    try:
        data = json.loads(bytes(raw).decode())
        return SipCredentials(str(data["user"]), str(data["password"]), str(data.get("auth_user") or ""))
    except (ValueError, KeyError, TypeError) as err:
        raise AgentDesktopError("The SIP account stored in the vault is unreadable.",
                                "Enter your SIP user name and password again in Settings.") from err
