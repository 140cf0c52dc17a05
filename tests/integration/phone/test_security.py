"""TLS and SRTP are enforced: wrong CA, wrong host name, plain-RTP peers, no plaintext on the wire."""

from __future__ import annotations

import dataclasses
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_desktop.bus import EventBus
from agent_desktop.demo import certs
from agent_desktop.demo.kamailio import Kamailio
from agent_desktop.phone import events as ev
from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.engine import Phone
from agent_desktop.phone.reasons import HOSTNAME_MISMATCH, UNTRUSTED
from tests.integration.phone.conftest import AGENT, Peers
from tests.integration.phone.test_calls import connected, dial_answered
from tests.support.phone_helpers import EventRecorder


def _register_outcome(cfg: PhoneConfig) -> ev.RegistrationChanged:
    bus = EventBus()
    with Phone(cfg, bus) as phone:
        return phone.register(AGENT).result(20)


def test_registrar_signed_by_another_ca_fails_as_untrusted(
        phone_config: PhoneConfig, other_pki: certs.TestPKI) -> None:
    outcome = _register_outcome(dataclasses.replace(phone_config, ca_bundle=str(other_pki.ca_file)))
    assert outcome.state == "failed"
    assert outcome.reason == UNTRUSTED


@pytest.fixture(scope="module")
def misnamed_kamailio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kamailio]:
    """A Kamailio whose certificate (from a CA we trust) names another host."""
    pki = certs.make_pki(tmp_path_factory.mktemp("misnamed-pki"), name="Misnamed",
                   hosts=("pbx.wrong.example",), ips=())
    server = Kamailio(tmp_path_factory.mktemp("misnamed-kamailio"), pki).start()
    try:
        yield server
    finally:
        server.stop()


def test_registrar_certificate_for_another_host_fails_as_hostname_mismatch(
        phone_config: PhoneConfig, misnamed_kamailio: Kamailio) -> None:
    cfg = dataclasses.replace(phone_config, registrar=misnamed_kamailio.registrar,
                              ca_bundle=str(misnamed_kamailio.pki.ca_file))
    outcome = _register_outcome(cfg)
    assert outcome.state == "failed"
    assert outcome.reason == HOSTNAME_MISMATCH


def test_incoming_call_without_srtp_is_refused_with_488(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio) -> None:
    plain = clean_peers.get("lead-plain", srtp="disabled")
    plain.cmd("call", uri=kamailio.uri("agent"))
    ended = plain.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected",
                             what="the refused call")
    assert ended["code"] == 488, ended
    refused = recorder.wait(ev.SrtpRefused)
    assert refused.direction == "incoming"
    assert not recorder.of(ev.IncomingCall), "a plain-RTP call must never ring"
    assert not recorder.of(ev.CallAnswered)


def test_outgoing_call_to_a_peer_without_srtp_fails_with_488(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers) -> None:
    plain = clean_peers.get("lead-plain", srtp="disabled")
    plain.cmd("autoanswer", code=200)
    call_id = phone.dial("lead").result(5)
    ended = recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id, timeout=20)
    assert ended.cause == "failed" and ended.call.last_code == 488, ended
    assert not [e for e in recorder.of(ev.CallMediaChanged) if e.call.media_active]


def test_outgoing_call_answered_with_plain_rtp_is_hung_up(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers) -> None:
    broken = clean_peers.get("peer3-strip", srtp="strip_answer")
    broken.cmd("autoanswer", code=200)
    call_id = phone.dial("peer3").result(5)
    ended = recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id, timeout=20)
    assert ended.cause == "srtp_refused", ended
    refused = recorder.wait(ev.SrtpRefused)
    assert refused.direction == "outgoing" and refused.call_id == call_id
    assert not recorder.of(ev.CallAnswered)
    broken.wait_event(lambda e: e.get("event") == "call_state" and e["state"] == "disconnected")


TSHARK = shutil.which("tshark")


def test_a_call_puts_no_plaintext_sip_or_sdp_on_the_wire(
        phone: Phone, recorder: EventRecorder, clean_peers: Peers, kamailio: Kamailio,
        tmp_path: Path) -> None:
    if TSHARK is None:
        pytest.skip("tshark is not installed: cannot capture the wire (apt install tshark)")
    pcap = tmp_path / "call.pcapng"
    # Kamailio's TLS port carries all signalling; RTP/SRTP uses pjsua's UDP media ports.
    capture_filter = f"tcp port {kamailio.tls_port} or (udp and not port 53)"
    cap = subprocess.Popen([TSHARK, "-i", "lo", "-f", capture_filter, "-w", str(pcap), "-q"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert cap.stderr is not None
        started = time.monotonic()
        line = b""
        while b"Capturing on" not in line:
            line = cap.stderr.readline()
            if not line and cap.poll() is not None:
                pytest.fail(f"tshark could not capture on loopback (not permitted here?): "
                            f"exit {cap.returncode}")
            assert time.monotonic() - started < 20, "tshark did not start capturing"
        peer = clean_peers.get("peer2")
        call_id, _ = dial_answered(phone, recorder, peer, "peer2")
        connected(recorder, call_id)
        time.sleep(1.0)
        phone.hangup(call_id).result(5)
        recorder.wait(ev.CallEnded, lambda e: e.call.call_id == call_id)
        time.sleep(0.5)
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(timeout=15)
    raw = pcap.read_bytes()
    out = subprocess.run([TSHARK, "-r", str(pcap), "-q", "-z", "io,phs"], capture_output=True,
                         text=True, timeout=60).stdout
    frames = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(\w+)\s+frames:(\d+)", out, re.M)}
    # the capture saw the call: signalling on Kamailio's TLS port (the only TCP the filter
    # lets through; tshark labels mid-stream records "tls" only when it can) and media
    assert frames.get("tcp", 0) >= 4, out
    assert frames.get("udp", 0) >= 50, out
    for needle in (b"SIP/2.0", b"INVITE sip:", b"INVITE sips:", b"m=audio", b"a=crypto"):
        assert needle not in raw, f"{needle!r} appeared in plaintext on the wire"


@pytest.fixture(scope="module")
def mtls_kamailio(tmp_path_factory: pytest.TempPathFactory, pki: certs.TestPKI) -> Iterator[Kamailio]:
    server = Kamailio(tmp_path_factory.mktemp("mtls-kamailio"), pki, require_client_cert=True).start()
    try:
        yield server
    finally:
        server.stop()


def test_mutual_tls_registers_with_the_client_certificate_and_fails_without(
        phone_config: PhoneConfig, mtls_kamailio: Kamailio, pki: certs.TestPKI) -> None:
    cfg = dataclasses.replace(phone_config, registrar=mtls_kamailio.registrar)
    without = _register_outcome(cfg)
    assert without.state == "failed" and "client certificate" in without.reason, without
    with_cert = _register_outcome(dataclasses.replace(
        cfg, client_cert=str(pki.client.cert), client_key=str(pki.client.key)))
    assert with_cert.state == "registered", with_cert
