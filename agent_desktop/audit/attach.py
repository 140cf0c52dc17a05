"""Attach the audit recorder to a vault before it is unlocked.

Every process that opens a vault (GUI, CLI) must do this first: the recorder's unlock hook
moves the events raised while locked into the chain and records ``vault.unlock``. Without
it the unlock goes unrecorded and the pending events wait for another process.
"""

from __future__ import annotations

from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials
from agent_desktop.audit.recorder import AuditRecorder
from agent_desktop.bus import EventBus
from agent_desktop.policy import Settings
from agent_desktop.vault.keyring_backend import secure_backend
from agent_desktop.vault.vault import Vault


def attach_recorder(vault: Vault, bus: EventBus, settings: Settings, profile: str
                    ) -> tuple[AuditRecorder | None, DeviceCredentials | None]:
    """The recorder for an enrolled device (None before enrolment: nothing to chain to yet)."""
    creds = CredentialStore(secure_backend(str(settings.get("vault.keyring_backend"))), profile).load()
    if creds is None:
        return None, None
    recorder = AuditRecorder(vault, bus, device_id=creds.device_id, user=creds.agent_id or profile,
                             role=creds.role or "agent")
    return recorder, creds
