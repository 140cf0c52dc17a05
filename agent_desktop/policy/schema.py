"""Every setting, declared once: name, type, default, description, lockability, bounds.

Later capabilities add their keys here, in the same table, so the policy loader, the
settings UI, ``agent-desktop policy show`` and the docs all read one source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_desktop.urls import url_problem

Value = bool | int | float | str | list[str]


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Value
    description: str
    lockable: bool = True
    # Only IT's policy file may set it (security posture: transports, keys, servers).
    policy_only: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    # The policy's value is a ceiling: a user may choose a lower value, never a higher one.
    policy_caps_user: bool = False
    # A server address: https://, or http:// to this machine only (agent_desktop.urls).
    server_url: bool = False

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]

    def check(self, value: Any) -> str | None:
        """Return a problem description, or None when ``value`` is acceptable."""
        if self.type is bool:
            if not isinstance(value, bool):
                return f"expected true or false, got {_kind(value)}"
        elif self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"expected a whole number, got {_kind(value)}"
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"expected a number, got {_kind(value)}"
        elif self.type is str:
            if not isinstance(value, str):
                return f"expected a string, got {_kind(value)}"
        elif self.type is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return f"expected a list of strings, got {_kind(value)}"
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below the minimum of {_num(self.minimum)}"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above the maximum of {_num(self.maximum)}"
        if self.choices is not None and value not in self.choices:
            return f"{value!r} is not one of {', '.join(self.choices)}"
        if self.server_url and value:
            problem = url_problem(value)
            if problem:
                return f"{value!r} {problem}"
        return None


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_ALL: list[Setting] = [
    # --- SIP -----------------------------------------------------------------------------
    Setting("sip.registrar", str, "", "SIP registrar URI, e.g. sips:pbx.example.org:5061"),
    Setting("sip.domain", str, "", "SIP domain of the agent's address (defaults to the registrar host)"),
    Setting("sip.outbound_proxy", str, "", "Outbound proxy URI (empty: none)"),
    Setting("sip.transport", str, "tls", "Signalling transport; anything but TLS is for labs only",
            policy_only=True, choices=("tls", "tcp", "udp")),
    Setting("sip.ca_bundle", str, "", "PEM file of CAs trusted for the registrar (empty: system store)",
            policy_only=True),
    Setting("sip.client_cert", str, "", "PEM client certificate for mutual TLS (empty: none)",
            policy_only=True),
    Setting("sip.client_key", str, "", "PEM private key of the client certificate", policy_only=True),
    Setting("sip.srtp_required", bool, True, "Refuse calls without SRTP media encryption",
            policy_only=True),
    Setting("sip.tls_min_version", str, "1.2", "Minimum TLS version", policy_only=True,
            choices=("1.2",)),
    Setting("sip.bind_address", str, "",
            "Local address for SIP and media sockets (empty: the one this machine routes to "
            "the registrar or outbound proxy through, found when the phone starts)"),
    Setting("sip.public_address", str, "", "Address advertised in SIP/SDP (empty: the bind address)"),
    Setting("sip.port", int, 0, "Local TLS port (0: any free port)", minimum=0, maximum=65535),
    Setting("sip.dial_prefix", str, "", "Prefix added to dialled numbers (dial plan)"),
    Setting("sip.after_call_work_seconds", int, 60, "After-call work before the agent is available again",
            minimum=0, maximum=3600, policy_caps_user=True),
    Setting("sip.capture_device", str, "", "Microphone (empty: system default)"),
    Setting("sip.playback_device", str, "", "Headset/speaker (empty: system default)"),
    Setting("sip.ring_device", str, "", "Device that plays the ringtone (empty: playback device)"),
    Setting("sip.null_audio", bool, False,
            "Run without a sound card (headless kiosks, tests): a clocked null audio device"),
    Setting("sip.register_expires_seconds", int, 300, "Lifetime of a SIP registration",
            minimum=60, maximum=3600, policy_only=True),
    Setting("sip.register_retry_seconds", int, 30,
            "Longest wait between re-registration attempts (backoff from 2 s, +-20 % jitter)",
            minimum=5, maximum=600, policy_only=True),
    Setting("sip.call_setup_timeout_seconds", int, 120,
            "A call not answered or connected within this time is cleaned up",
            minimum=10, maximum=3600, policy_only=True),
    Setting("sip.call_teardown_timeout_seconds", int, 10,
            "A hung-up call that never reports its end is removed after this time",
            minimum=2, maximum=120, policy_only=True),
    Setting("sip.transfer_timeout_seconds", int, 30,
            "A transfer with no final answer from the far end within this time is reported "
            "as failed; the call stays up for the agent to hang up or try again",
            minimum=2, maximum=600, policy_only=True),
    Setting("sip.quality_interval_seconds", int, 5, "Seconds between call quality reports",
            minimum=1, maximum=60),
    Setting("sip.device_poll_seconds", int, 3, "Seconds between audio device (hot-plug) checks",
            minimum=1, maximum=60),
    # --- audit ---------------------------------------------------------------------------
    Setting("audit.server_url", str, "", "Central audit server base URL, e.g. https://audit.example.org",
            policy_only=True, server_url=True),
    Setting("audit.ca_bundle", str, "", "PEM file of CAs trusted for the audit server (empty: system store)",
            policy_only=True),
    Setting("audit.receipt_public_key", str, "",
            "The audit server's Ed25519 receipt public key (hex); empty: taken at enrolment",
            policy_only=True),
    Setting("audit.sync_interval_seconds", int, 15, "Seconds between audit sync rounds",
            minimum=1, maximum=3600),
    Setting("audit.batch_size", int, 2000,
            "Events per upload batch (halved automatically when the server answers 413)",
            minimum=1, maximum=5000),
    Setting("audit.max_backoff_seconds", int, 300, "Longest wait between retries when the server is down",
            minimum=5, maximum=3600),
    # --- vault ---------------------------------------------------------------------------
    Setting("vault.idle_lock_minutes", int, 10, "Lock the vault after this many idle minutes",
            minimum=1, maximum=60, policy_caps_user=True),
    Setting("vault.lock_on_screen_lock", bool, True, "Lock the vault when the OS screen locks or suspends"),
    Setting("vault.locked_calls", str, "not_ready",
            "While locked: 'not_ready' (calls get busy, the agent shows Not ready (locked)) or 'ring' "
            "(calls ring on the lock screen with the number masked; context after unlock)",
            choices=("not_ready", "ring")),
    Setting("vault.phi_cache_ttl_hours", int, 12, "Hours cached patient data may be kept",
            minimum=1, maximum=168, policy_caps_user=True),
    Setting("vault.unlock_throttle_free_attempts", int, 3,
            "Failed unlocks allowed before delays start", minimum=1, maximum=20, policy_only=True),
    Setting("vault.unlock_throttle_max_seconds", int, 300, "Longest delay between failed unlocks",
            minimum=1, maximum=86400, policy_only=True),
    Setting("vault.password_min_length", int, 12, "Minimum vault password length",
            minimum=8, maximum=128, policy_only=True),
    Setting("vault.phi_purge_interval_minutes", int, 15,
            "Minutes between purges of expired cached patient data while unlocked",
            minimum=1, maximum=240, policy_caps_user=True),
    Setting("vault.keyring_backend", str, "",
            "Keyring backend to require, e.g. keyring.backends.SecretService.Keyring (empty: any secure one)",
            policy_only=True),
    # --- verification --------------------------------------------------------------------
    Setting("verification.script", str, "default", "Identity verification script (resources/verification/NAME.toml or a path)"),
    Setting("verification.flag_window_hours", int, 72,
            "Window in which failed verifications for one patient across calls are counted",
            minimum=1, maximum=720, policy_only=True),
    Setting("verification.flag_after_failures", int, 3,
            "Failed verifications for one patient within the window that raise a social-engineering flag",
            minimum=2, maximum=50, policy_only=True),
    # --- directory -----------------------------------------------------------------------
    Setting("directory.fhir_base_url", str, "",
            "FHIR R4 base URL of the patient directory, e.g. https://ehr.example.org/fhir (empty: none)",
            policy_only=True, server_url=True),
    Setting("directory.ca_bundle", str, "", "PEM file of CAs trusted for the directory (empty: system store)",
            policy_only=True),
    Setting("directory.timeout_seconds", int, 10, "Seconds to wait for the directory before using the cache",
            minimum=1, maximum=120),
    # --- presence (the team lead's roster) -------------------------------------------------
    Setting("presence.heartbeat_seconds", int, 15,
            "Seconds between reports of the agent's state to the server; the server shows a client "
            "silent for about three of them as offline", minimum=2, maximum=120, policy_only=True),
    Setting("presence.roster_refresh_seconds", int, 3, "Seconds between reads of the team lead's roster",
            minimum=1, maximum=60),
    # --- agent ----------------------------------------------------------------------------
    Setting("agent.not_ready_reasons", list, ["break", "lunch", "meeting", "training", "coaching", "technical"],
            "Reasons an agent may give for Not ready (codes; the roster shows them)"),
    Setting("agent.after_call_work_max_seconds", int, 600,
            "Longest after-call work after one call, extensions included; 'More time' stops there",
            minimum=0, maximum=3600, policy_caps_user=True),
    Setting("agent.dispositions", list, ["resolved", "follow_up", "callback_requested", "transferred",
                                         "not_verified", "wrong_number"],
            "Disposition codes an agent records at the end of each call"),
    # --- recording -----------------------------------------------------------------------
    Setting("recording.mode", str, "never",
            "Call recording: 'never', 'on_demand' (the agent starts and stops it) or 'all_calls' "
            "(every answered call, from the answer to the end); encrypted, played back in the app only",
            choices=("never", "on_demand", "all_calls")),
    Setting("recording.announce", bool, True,
            "Play a recording notice to both sides before a recording starts (all-party-consent states)"),
    Setting("recording.announcement_file", str, "",
            "WAV file played as the recording notice (empty: three short beeps)", policy_only=True),
    Setting("recording.retention_days", int, 30,
            "Days a recording is kept on this workstation; older ones are deleted (and the deletion recorded)",
            minimum=1, maximum=3650, policy_caps_user=True),
    # --- monitoring ----------------------------------------------------------------------
    Setting("monitoring.notify_agent", bool, True, "Tell the agent when a team lead listens in"),
    Setting("monitoring.max_session_minutes", int, 30,
            "A team lead's monitoring session ends after this long (whisper and barge included)",
            minimum=1, maximum=480, policy_caps_user=True),
    # --- UI ------------------------------------------------------------------------------
    Setting("ui.language", str, "en", "Language of the interface", choices=("en", "es")),
    Setting("ui.shortcut_lock", str, "Ctrl+Alt+L", "Keyboard shortcut that locks the workstation"),
    Setting("ui.shortcut_available", str, "Ctrl+Alt+A", "Keyboard shortcut: become Available"),
    Setting("ui.shortcut_not_ready", str, "Ctrl+Alt+N", "Keyboard shortcut: Not ready (first reason)"),
    Setting("ui.shortcut_settings", str, "Ctrl+,", "Keyboard shortcut that opens Settings"),
]

SETTINGS: dict[str, Setting] = {s.name: s for s in _ALL}
if len(SETTINGS) != len(_ALL):  # pragma: no cover - guards the table itself
    raise RuntimeError("duplicate setting name in policy schema")
