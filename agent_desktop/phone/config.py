"""Engine configuration, built from the effective settings (policy < user)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
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
    bind_address: str = ""  # empty: the local address that routes to the registrar
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
    transfer_timeout_seconds: int = 30
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


    def with_bind_address(self) -> PhoneConfig:
        """This config with ``bind_address`` filled in when empty: the local address the OS
        routes to the outbound proxy (else the registrar) through. A fixed ``127.0.0.1``
        would put an unreachable address in every Contact and SDP beyond this machine."""
        if self.bind_address:
            return self
        target = self.outbound_proxy or self.registrar
        return replace(self, bind_address=route_source_address(target))


def route_source_address(uri: str) -> str:
    """The local IPv4 address this machine would send to ``uri``'s host from.

    A UDP socket's connect() only consults the routing table: no packet is sent."""
    hostport = registrar_hostport(uri)
    host = urlsplit("//" + hostport).hostname or hostport
    port = urlsplit("//" + hostport).port or 5061
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(infos[0][4])
            return str(s.getsockname()[0])
    except OSError as exc:
        raise PhoneConfigError(
            f"No local network address reaches the SIP server {host} ({exc.strerror or exc}).",
            "Check the network connection and sip.registrar, or set sip.bind_address.") from None


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
