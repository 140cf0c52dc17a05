"""Helpers for the desktop shell's tests: a real Workstation (real keyring, audit server,
Kamailio) under a policy written for the test, its teardown, and a PHI sweep of every widget.

    env = ShellEnv(home, policy_file, server, kamailio, pki)
    ws = env.workstation(enrolled=True, vault=True)   # LOCKED, as after a restart
    ...
    env.close()                                        # shuts down, removes keyring entries
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import keyring.errors

from agent_desktop.app.sip_account import save_sip_credentials
from agent_desktop.app.workstation import Workstation
from agent_desktop.audit.credentials import CredentialStore
from agent_desktop.demo.certs import TestPKI
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.paths import AppPaths
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.policy import Settings, load_settings
from agent_desktop.vault.device_secret import SERVICE
from agent_desktop.vault.keyring_backend import secure_backend
from tests.support.audit_server import AuditServer
from tests.support.vault_env import FAST_KDF, PASSWORD, unique_profile

SIP_USER = "agent"
SIP_PASSWORD = DEFAULT_USERS["agent"]
# Synthetic PHI planted in widgets before a lock: none of it may survive the lock.
SYNTHETIC_PHI = ("Zebulon Quartermaine-Test", "1931-02-29", "MRN-SYN-000417")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def write_policy(path: Path, values: dict[str, Any], locked: tuple[str, ...] = ()) -> None:
    sections: dict[str, list[str]] = {}
    for name, value in values.items():
        section, key = name.split(".", 1)
        sections.setdefault(section, []).append(f"{key} = {toml_value(value)}")
    lines = [f"[policy]\nlocked = {toml_value(list(locked))}"] if locked else []
    for section, rows in sections.items():
        lines.append(f"[{section}]\n" + "\n".join(rows))
    path.write_text("\n\n".join(lines) + "\n")


@dataclass
class ShellEnv:
    home: Path
    policy_file: Path
    server: AuditServer | None
    registrar: str
    pki: TestPKI
    made: list[Workstation] = field(default_factory=list)
    profiles: set[str] = field(default_factory=set)

    @property
    def paths(self) -> AppPaths:
        return AppPaths(self.home / "data", self.home / "config", self.home / "logs")

    def settings(self, extra: dict[str, Any] | None = None, locked: tuple[str, ...] = (),
                 server_url: str | None = None) -> Settings:
        url = server_url if server_url is not None else (self.server.base_url if self.server else "")
        values: dict[str, Any] = {
            "audit.server_url": url, "audit.ca_bundle": str(self.pki.ca_file),
            "audit.sync_interval_seconds": 1, "audit.max_backoff_seconds": 5,
            "sip.registrar": self.registrar, "sip.ca_bundle": str(self.pki.ca_file),
            "sip.null_audio": True, "sip.bind_address": "127.0.0.1",
            "vault.unlock_throttle_free_attempts": 1,
        }
        values.update(extra or {})
        write_policy(self.policy_file, values, locked)
        return load_settings(self.paths, policy_file=self.policy_file)

    def workstation(self, *, enrolled: bool = False, vault: bool = False, profile: str | None = None,
                    settings: Settings | None = None, monotonic: Callable[[], float] | None = None,
                    role: str = "agent", **kwargs: Any) -> Workstation:
        """A Workstation as the app builds it; ``vault`` makes it LOCKED, as after a restart."""
        profile = profile or unique_profile()
        self.profiles.add(profile)
        settings = settings or self.settings()
        if enrolled:
            assert self.server is not None
            first = self._make(profile, settings)
            first.enroll(self.server.token("enroll", agent=profile, team="blue", user_role=role))
            if vault:
                first.vault.create(PASSWORD)
                save_sip_credentials(first.vault, SipCredentials(SIP_USER, SIP_PASSWORD))
            first.shutdown()
        if monotonic is not None:
            kwargs["monotonic"] = monotonic
        return self._make(profile, settings, **kwargs)

    def _make(self, profile: str, settings: Settings, **kwargs: Any) -> Workstation:
        ws = Workstation(self.paths, settings, profile=profile, kdf=FAST_KDF, **kwargs)
        self.made.append(ws)
        return ws

    def close(self) -> None:
        for ws in self.made:
            ws.guard.clear()
            try:
                ws.shutdown()
            except Exception as err:  # noqa: BLE001 - teardown must reach every keyring entry
                print(f"shutting down a workstation at teardown failed: {err}")
        backend = secure_backend()
        for profile in self.profiles:
            CredentialStore(backend, profile).delete()
            for user in (f"vault-device-secret:{profile}", f"vault-locked-log-head:{profile}"):
                try:
                    secure_backend().delete_password(SERVICE, user)
                except keyring.errors.PasswordDeleteError:
                    continue  # never created, or wiped by the test


def widget_texts(widget: Any) -> list[str]:
    """Every string a widget shows or exposes (text, items, tooltips, accessibility)."""
    texts: list[str] = []
    for getter in ("text", "toPlainText", "currentText", "placeholderText", "toolTip",
                   "accessibleDescription", "windowTitle", "title"):
        fn = getattr(widget, getter, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str):
                texts.append(value)
    count = getattr(widget, "count", None)
    item_text = getattr(widget, "itemText", None)
    if callable(count) and callable(item_text):
        texts.extend(str(item_text(i)) for i in range(count()))
    if hasattr(widget, "isUndoAvailable") and widget.isUndoAvailable():
        texts.append("<undo history>")
    return texts


def phi_left(needles: tuple[str, ...] = SYNTHETIC_PHI) -> list[str]:
    """Names of widgets anywhere in the application that still expose a synthetic value."""
    from PySide6.QtWidgets import QApplication

    left = []
    for widget in QApplication.allWidgets():
        joined = "\n".join(widget_texts(widget))
        if any(n in joined for n in needles) or ("<undo history>" in joined and widget.property("phi")):
            left.append(f"{type(widget).__name__}:{widget.objectName()}")
    return left


def private_bus() -> tuple[Any, str]:
    """A private dbus-daemon (session configuration) used as the 'system' bus in tests."""
    import subprocess

    proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        raise RuntimeError("dbus-daemon printed no address")
    return proc, address


__all__ = ["PASSWORD", "SIP_PASSWORD", "SIP_USER", "SYNTHETIC_PHI", "ShellEnv", "os", "phi_left",
           "private_bus", "write_policy"]
