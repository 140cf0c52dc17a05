"""Engine configuration, built from the effective settings (policy < user)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent_desktop.phone.errors import PhoneConfigError

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class PhoneConfig:
    registrar: str
    domain: str = ""
    outbound_proxy: str = ""
    transport: str = "tls"
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""
    srtp_required: bool = True
    tls_min_version: str = "1.2"
    bind_address: str = "127.0.0.1"
    public_address: str = ""
    port: int = 0
    dial_prefix: str = ""
    after_call_work_seconds: int = 60
    capture_device: str = ""
    playback_device: str = ""
    ring_device: str = ""
    null_audio: bool = False
    register_expires_seconds: int = 300
    register_retry_seconds: int = 30
    call_setup_timeout_seconds: int = 120
    call_teardown_timeout_seconds: int = 10
    quality_interval_seconds: int = 5
    device_poll_seconds: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> PhoneConfig:
        """``settings`` is a policy ``Settings`` (anything with ``get(name)``)."""
        names = [f for f in cls.__dataclass_fields__]
        return cls(**{n: settings.get(f"sip.{n}") for n in names}).validated()

    @property
    def sip_domain(self) -> str:
        """The domain of the agent's address: the setting, else the registrar's host[:port]."""
        if self.domain:
            return self.domain
        return registrar_hostport(self.registrar)

    @property
    def ca_file(self) -> str:
        return self.ca_bundle or str(SYSTEM_CA_BUNDLE)

    @property
    def advertised_address(self) -> str:
        return self.public_address or self.bind_address

    def validated(self) -> PhoneConfig:
        if not self.registrar:
            raise PhoneConfigError("No SIP registrar is configured (sip.registrar).",
                                   "Ask IT to set sip.registrar in the policy, e.g. sips:pbx.example.org:5061.")
        scheme = self.registrar.split(":", 1)[0].lower()
        if self.transport == "tls" and scheme != "sips":
            raise PhoneConfigError(f"The registrar {self.registrar!r} is not a sips: URI.",
                                   "Use sips:host:port so signalling is always TLS.")
        if scheme not in ("sip", "sips"):
            raise PhoneConfigError(f"The registrar {self.registrar!r} is not a SIP URI.",
                                   "Use sips:host:port.")
        if self.tls_min_version != "1.2":
            raise PhoneConfigError(f"TLS {self.tls_min_version} is not supported as a minimum.",
                                   "Set sip.tls_min_version to 1.2.")
        for label, path in (("sip.ca_bundle", self.ca_file), ("sip.client_cert", self.client_cert),
                            ("sip.client_key", self.client_key)):
            if path and not Path(path).is_file():
                raise PhoneConfigError(f"{label} points to {path}, which does not exist.",
                                       "Fix the path in the policy or install the file.")
        if bool(self.client_cert) != bool(self.client_key):
            raise PhoneConfigError("A client certificate needs both sip.client_cert and sip.client_key.",
                                   "Set both, or neither.")
        return self


def registrar_hostport(registrar: str) -> str:
    """'sips:pbx.example.org:5061;transport=tls' -> 'pbx.example.org:5061'."""
    rest = registrar.split(":", 1)[1] if ":" in registrar else registrar
    rest = rest.split(";", 1)[0].split("?", 1)[0]
    if "@" in rest:
        rest = rest.split("@", 1)[1]
    host = urlsplit("//" + rest).hostname
    if not host:
        raise PhoneConfigError(f"Cannot read a host from the registrar {registrar!r}.", "Use sips:host:port.")
    return rest
