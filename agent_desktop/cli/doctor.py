"""`agent-desktop doctor`: what IT needs to see when a workstation misbehaves.

Effective policy and where it came from, the files it names, the keyring in use and the
profile's enrolment, TLS reachability of the registrar, the audit server and the directory
with the certificate verification result, audio devices, and the data/log directories with
their permissions. It never prints a secret: settings are not secret, and of the keyring
only the backend and the enrolled device id show. Exit 0: nothing needs IT; 1: something
does (each failing check says what); 2: the policy file itself is broken. ``--json`` gives
the same as one object for fleet monitoring (schema in docs/deploy.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import stat
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent_desktop import __version__
from agent_desktop.cli.context import EXIT_CONFIG, EXIT_FAIL, EXIT_OK, CliContext, self_argv
from agent_desktop.policy import PolicyError, Settings

DEFAULT_SIP_TLS_PORT = 5061


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="diagnose this workstation for IT (policy, keyring, TLS, audio)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per network check")
    p.add_argument("--json", action="store_true",
                   help=f"machine-readable report for fleet monitoring (schema {SCHEMA}, docs/deploy.md)")
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
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as err:
        return f"FAIL: the CA bundle {ca_file} cannot be loaded: {err.strerror or err}"
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


SCHEMA = "agent-desktop.doctor/1"
OK, WARN, FAIL = "ok", "warn", "fail"
# Settings that name a file IT provides (the package installs none of them).
FILE_SETTINGS = ("ca_bundle", "client_cert", "client_key")


@dataclass
class Finding:
    name: str
    status: str  # ok, warn (worth a look) or fail (needs IT)
    detail: str
    hint: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, status: str, detail: str, hint: str = "") -> str:
        self.findings.append(Finding(name, status, detail, hint))
        return detail

    @property
    def status(self) -> str:
        states = {f.status for f in self.findings}
        return FAIL if FAIL in states else WARN if WARN in states else OK

    def as_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "version": __version__, "status": self.status,
                "needs_it": self.status == FAIL, **self.sections,
                "checks": [asdict(f) for f in self.findings]}


def describe_dir(path: Path) -> tuple[str, str]:
    if not path.exists():
        return OK, "missing (created at first start)"
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return FAIL, f"{oct(mode)}  WARNING: readable by other users"
    return OK, oct(mode)


def policy_lines(settings: Settings) -> list[str]:
    src = f"{settings.policy_file} ({'present' if settings.policy_present else 'absent: built-in defaults'})"
    lines = [f"policy file: {src}", f"user settings: {settings.user_file}"]
    for name in sorted(settings.values):
        info = settings.info(name)
        lock = ", locked" if info.locked else ""
        lines.append(f"  {name} = {info.value!r} [{info.source}{lock}]")
    return lines


def _tls_finding(report: Report, name: str, target: tuple[str, int] | None, ca: str,
                 timeout: float) -> str:
    if target is None:
        return report.add(name, WARN, "not configured", "Set it in the policy if this site uses it.")
    result = tls_check(*target, ca, timeout)
    status = OK if result.startswith("ok") else FAIL
    return report.add(name, status, f"{target[0]}:{target[1]} {result}",
                      "" if status == OK else "Check the address, the firewall and the CA bundle in the policy.")


def check_files(report: Report, settings: Settings) -> list[str]:
    lines = []
    for name in sorted(settings.values):
        value = settings.get(name)
        if name.rsplit(".", 1)[1] not in FILE_SETTINGS or not value:
            continue
        path = Path(str(value))
        if not path.is_file():
            lines.append(report.add("files", FAIL, f"{name}: {path} does not exist",
                                    "IT provides this file (see the policy template)."))
        elif not os.access(path, os.R_OK):
            lines.append(report.add("files", FAIL, f"{name}: {path} is not readable by this user",
                                    "Make it readable by every agent (it holds no secret)."))
    return lines


def check_keyring(report: Report, settings: Settings) -> list[str]:
    from agent_desktop.vault.keyring_backend import (
        InsecureKeyringError,
        backend_name,
        describe,
        secure_backend,
    )

    lines = [f"backends offered: {describe()}"]
    try:
        backend = secure_backend(settings.get("vault.keyring_backend"))
    except InsecureKeyringError as err:
        report.add("keyring", FAIL, err.message, err.hint)
        lines.append(f"FAIL: {err}")
        return lines
    lines.append(report.add("keyring", OK, f"in use: {backend_name(backend)}"))
    report.sections["keyring"] = lines[-1].removeprefix("in use: ")
    return lines


def check_enrolment(report: Report, settings: Settings) -> list[str]:
    """Whether this user's profile holds audit-server credentials (only the device id shows)."""
    if not settings.get("audit.server_url"):
        return []
    from agent_desktop.audit.credentials import CredentialStore
    from agent_desktop.cli.vault_cmd import _default_profile
    from agent_desktop.errors import AgentDesktopError
    from agent_desktop.vault.keyring_backend import secure_backend

    profile = _default_profile()
    try:
        creds = CredentialStore(secure_backend(settings.get("vault.keyring_backend")), profile).load()
    except AgentDesktopError as err:
        return [report.add("enrolment", FAIL, f"profile {profile}: {err.message}", err.hint)]
    if creds is None:
        return [report.add("enrolment", WARN, f"profile {profile}: not enrolled",
                           "Give the agent an enrolment token (agent-desktop audit enroll --help).")]
    return [report.add("enrolment", OK, f"profile {profile}: device {creds.device_id}")]


def diagnose(ctx: CliContext, timeout: float) -> tuple[Report, dict[str, list[str]]]:
    """Every check's finding, and the same as text lines by section."""
    report = Report()
    try:
        settings = ctx.settings
    except PolicyError as err:
        line = report.add("policy", FAIL, err.message,
                          err.hint or "Fix it; check with `agent-desktop policy check FILE`.")
        report.sections["policy"] = {"file": err.file, "present": True}
        return report, {"Policy": [f"FAIL: {line}"]}
    report.add("policy", OK if settings.policy_present else WARN,
               f"{settings.policy_file} {'present' if settings.policy_present else 'absent: built-in defaults'}")
    report.sections["policy"] = {
        "file": str(settings.policy_file), "present": settings.policy_present,
        "locked": settings.locked_keys(),
        "settings": {n: {"value": r.value, "source": r.source, "locked": r.locked}
                     for n, r in sorted(settings.values.items())}}
    text: dict[str, list[str]] = {"Policy": policy_lines(settings)}
    text["Policy"] += check_files(report, settings)
    text["Keyring"] = check_keyring(report, settings)
    if "keyring" in report.sections:  # enrolment lives in the keyring
        text["Keyring"] += check_enrolment(report, settings)

    network = []
    sip = sip_target(settings.get("sip.registrar"))
    network.append("registrar: " + _tls_finding(report, "registrar", sip, settings.get("sip.ca_bundle"), timeout))
    audit_url = str(settings.get("audit.server_url"))
    if audit_url and not audit_url.startswith("https"):
        network.append("audit server: " + report.add(
            "audit_server", FAIL, f"{audit_url}: WARNING not HTTPS", "Use the server's https:// address."))
    else:
        network.append("audit server: " + _tls_finding(
            report, "audit_server", url_target(audit_url), settings.get("audit.ca_bundle"), timeout))
    fhir = str(settings.get("directory.fhir_base_url"))
    if fhir:
        network.append("directory: " + _tls_finding(
            report, "directory", url_target(fhir), settings.get("directory.ca_bundle"), timeout))
    text["Network"] = network

    try:
        proc = subprocess.run([*self_argv(), "audio-probe"], capture_output=True, text=True, timeout=60)
        if proc.returncode == 0 and proc.stdout.strip():
            text["Audio devices"] = [report.add("audio", OK, proc.stdout.rstrip())]
        else:
            tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
            text["Audio devices"] = [report.add("audio", FAIL, f"FAIL: {tail[0]}",
                                                "Run `agent-desktop self-test`.")]
    except (OSError, subprocess.SubprocessError) as err:
        text["Audio devices"] = [report.add("audio", FAIL, f"FAIL: could not list audio devices: {err}")]

    dirs = []
    report.sections["directories"] = {}
    for label, path in (("data", ctx.paths.data), ("config", ctx.paths.config), ("logs", ctx.paths.log)):
        status, detail = describe_dir(path)
        report.add(f"directory.{label}", status, f"{path} {detail}",
                   "" if status == OK else f"chmod 700 {path}")
        report.sections["directories"][label] = str(path)
        dirs.append(f"{label}: {path} {detail}")
    dirs.append(f"running as uid {os.getuid() if hasattr(os, 'getuid') else '?'}")
    text["Directories"] = dirs
    return report, text


def run(args: argparse.Namespace) -> int:
    report, text = diagnose(CliContext.create(log_to_file=False), args.timeout)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for title, lines in text.items():
            print(f"== {title}")
            for line in lines:
                print(line)
        problems = [f for f in report.findings if f.status == FAIL]
        print(f"doctor: {len(problems)} problem(s) need IT" if problems else "doctor: nothing needs IT")
    if report.findings and report.findings[0].name == "policy" and report.findings[0].status == FAIL:
        return EXIT_CONFIG
    return EXIT_FAIL if report.status == FAIL else EXIT_OK


def run_audio_probe(args: argparse.Namespace) -> int:
    from agent_desktop.phone.probe import probe_pjsua2

    result = probe_pjsua2(list_devices=True)
    if not result.devices:
        print("no audio devices (headless): calls use the null device")
    for dev in result.devices:
        print(f"  [{dev.index}] {dev.name} ({dev.driver}): {dev.inputs} in, {dev.outputs} out")
    return EXIT_OK
