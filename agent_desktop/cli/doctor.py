"""`agent-desktop doctor`: what IT needs to see when a workstation misbehaves.

Effective policy and where it came from, the keyring in use, TLS reachability of the
registrar and the audit server with the certificate verification result, audio devices,
and the data/log directories with their permissions. It never prints a secret: settings
are not secret, and the keyring is only asked which backend it is.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import stat
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent_desktop.cli.context import EXIT_OK, CliContext, self_argv
from agent_desktop.policy import Settings

DEFAULT_SIP_TLS_PORT = 5061


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="diagnose this workstation for IT (policy, keyring, TLS, audio)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per network check")
    p.set_defaults(func=run)
    probe = sub.add_parser("audio-probe")  # internal: pjsua2 runs in a child process
    probe.set_defaults(func=run_audio_probe)


def sip_target(uri: str) -> tuple[str, int] | None:
    """Host and TLS port of a registrar URI such as ``sips:pbx.example.org:5061;transport=tls``."""
    if not uri:
        return None
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";", 1)[0].split("@")[-1]
    if rest.startswith("["):  # IPv6 literal
        host, _, port = rest[1:].partition("]")
        return host, int(port.lstrip(":") or DEFAULT_SIP_TLS_PORT)
    host, _, port = rest.partition(":")
    return host, int(port or DEFAULT_SIP_TLS_PORT)


def url_target(url: str) -> tuple[str, int] | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def tls_check(host: str, port: int, ca_file: str, timeout: float) -> str:
    """Connect, verify the chain and hostname against ``ca_file`` (or the system store)."""
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                cert = tls.getpeercert() or {}
                names = [rdn[0] for rdn in cert.get("subject", ()) if rdn and rdn[0][0] == "commonName"]
                cn = names[0][1] if names else "?"
                return f"ok: {tls.version()}, certificate verified (CN={cn}, expires {cert.get('notAfter', '?')})"
    except ssl.SSLCertVerificationError as err:
        return f"FAIL: certificate not trusted: {err.verify_message}"
    except ssl.SSLError as err:
        return f"FAIL: TLS handshake failed: {err.reason or err}"
    except TimeoutError:
        return f"FAIL: no answer within {timeout:g}s"
    except OSError as err:
        return f"FAIL: cannot connect: {err.strerror or err}"


def describe_dir(path: Path) -> str:
    if not path.exists():
        return "missing (created at first start)"
    mode = stat.S_IMODE(path.stat().st_mode)
    warn = "" if mode & 0o077 == 0 else "  WARNING: readable by other users"
    return f"{oct(mode)}{warn}"


def policy_lines(settings: Settings) -> list[str]:
    src = f"{settings.policy_file} ({'present' if settings.policy_present else 'absent: built-in defaults'})"
    lines = [f"policy file: {src}", f"user settings: {settings.user_file}"]
    for name in sorted(settings.values):
        info = settings.info(name)
        lock = ", locked" if info.locked else ""
        lines.append(f"  {name} = {info.value!r} [{info.source}{lock}]")
    return lines


def run(args: argparse.Namespace) -> int:
    ctx = CliContext.create(log_to_file=False)
    settings = ctx.settings
    print("== Policy")
    for line in policy_lines(settings):
        print(line)

    print("== Keyring")
    from agent_desktop.vault.keyring_backend import InsecureKeyringError, describe, secure_backend

    print(f"backends offered: {describe()}")
    try:
        backend = secure_backend(settings.get("vault.keyring_backend"))
        print(f"in use: {type(backend).__module__}.{type(backend).__name__}")
    except InsecureKeyringError as err:
        print(f"FAIL: {err}")

    print("== Network")
    sip = sip_target(settings.get("sip.registrar"))
    print("registrar: " + (f"{sip[0]}:{sip[1]} " + tls_check(*sip, settings.get("sip.ca_bundle"), args.timeout)
                           if sip else "not configured"))
    audit = url_target(settings.get("audit.server_url"))
    if audit and settings.get("audit.server_url").startswith("https"):
        print(f"audit server: {audit[0]}:{audit[1]} "
              + tls_check(*audit, settings.get("audit.ca_bundle"), args.timeout))
    elif audit:
        print(f"audit server: {settings.get('audit.server_url')}: WARNING not HTTPS")
    else:
        print("audit server: not configured")

    print("== Audio devices")
    try:
        proc = subprocess.run([*self_argv(), "audio-probe"], capture_output=True, text=True, timeout=60)
        print(proc.stdout.rstrip() or f"FAIL: {proc.stderr.strip().splitlines()[-1:] or 'no output'}")
    except (OSError, subprocess.SubprocessError) as err:
        print(f"FAIL: could not list audio devices: {err}")

    print("== Directories")
    for label, path in (("data", ctx.paths.data), ("config", ctx.paths.config), ("logs", ctx.paths.log)):
        print(f"{label}: {path} {describe_dir(path)}")
    print(f"running as uid {os.getuid() if hasattr(os, 'getuid') else '?'}")
    return EXIT_OK


def run_audio_probe(args: argparse.Namespace) -> int:
    from agent_desktop.phone.probe import probe_pjsua2

    result = probe_pjsua2(list_devices=True)
    if not result.devices:
        print("no audio devices (headless): calls use the null device")
    for dev in result.devices:
        print(f"  [{dev.index}] {dev.name} ({dev.driver}): {dev.inputs} in, {dev.outputs} out")
    return EXIT_OK
