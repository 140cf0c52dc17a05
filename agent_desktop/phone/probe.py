"""Short-lived pjsua2 checks for `self-test` and `doctor` (run in their own process).

These create and destroy a whole Endpoint, so they must never run inside a process whose
SIP engine is up: pjsua2 allows one Endpoint per process.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent_desktop.phone.endpoint_slot import endpoint_slot

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    driver: str
    inputs: int
    outputs: int


@dataclass(frozen=True)
class ProbeResult:
    pjsip_version: str
    tls_transport: bool
    verify_server: bool
    devices: tuple[AudioDevice, ...]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null (pjlib writes there directly, not via Python)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def probe_pjsua2(ca_file: Path | None = None, list_devices: bool = False) -> ProbeResult:
    """Load pjsua2, create a TLS transport with server verification on, list audio devices."""
    with endpoint_slot():
        return _probe(ca_file, list_devices)


def _probe(ca_file: Path | None, list_devices: bool) -> ProbeResult:
    import pjsua2 as pj

    ep = pj.Endpoint()
    with quiet_stdout():  # pjlib prints its start-up banner before any log config applies
        ep.libCreate()
    try:
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = False
        cfg.logConfig.level = 0
        cfg.logConfig.consoleLevel = 0
        cfg.medConfig.threadCnt = 0 if not list_devices else 1
        ep.libInit(cfg)
        devices: tuple[AudioDevice, ...] = ()
        if list_devices:
            devices = tuple(
                AudioDevice(i, d.name, d.driver, d.inputCount, d.outputCount)
                for i, d in enumerate(ep.audDevManager().enumDev2())
            )
        ep.audDevManager().setNullDev()
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        tcfg.boundAddress = "127.0.0.1"
        ca = ca_file or SYSTEM_CA_BUNDLE
        tcfg.tlsConfig.CaListFile = str(ca)
        tcfg.tlsConfig.verifyServer = True
        tcfg.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
        ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tcfg)
        # read back: the SWIG proxy ignores misspelled attributes silently
        verify = bool(tcfg.tlsConfig.verifyServer) and tcfg.tlsConfig.CaListFile == str(ca)
        ep.libStart()
        return ProbeResult(ep.libVersion().full, True, verify, devices)
    finally:
        ep.libDestroy()
