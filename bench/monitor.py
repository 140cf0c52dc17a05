"""Benchmark: a team lead's monitoring leg set-up against a plain call, same Kamailio, same run.

    .venv/bin/python -m bench.monitor [--rounds 10] [--pause-rounds 3] [--server-keep-alive S]

Starts a throwaway PKI, a real Kamailio over TLS, the reference audit server over HTTPS
(it signs the grants), the agent's engine in this process (with the grant check) and three
pjsua2 peers: the customer, whose call to the agent stays up (playing a tone), the team
lead's phone, and a plain far end that answers at once. Each round has two set-ups, in
alternating order (ABBA) so load drifting over the run hits both alike:

- ``monitor.setup``: the lead's grant request (``POST /v1/monitor/tokens``) -> the lead's
  INVITE with ``X-Monitor-Grant`` -> verified, auto-answered, bridged -> the first RTP
  packet arrives at the lead's phone (audio flowing);
- the baseline, a plain call: the same lead phone dials the plain far end -> answered ->
  the first RTP packet arrives at the lead's phone.

Both end at the same point, measured the same way (the peer stamps its events with
``time.monotonic()``, the clock of ``time.perf_counter()`` here, so phases can be split
across processes). One JSON object per line: {"name", "value", "unit", "baseline",
"ratio", ...} with the phases' medians in ``phases`` / ``baseline_phases``:

- ``grant``: the grant request, as the lead's client sees it;
- ``dial``: the lead's phone accepted the call command;
- ``answered``: the far end answered (the agent's engine published ``MonitorStarted``
  right after sending 200 / the plain peer's INVITE callback, which answers at once);
- ``confirmed``: the lead's phone got the 200 (ACK sent);
- ``media``: the lead's phone has active media (SDP agreed, SRTP keys set);
- ``audio``: the first RTP packet arrived at the lead's phone.

A second line, ``monitor.grant_after_pause``: a grant request after the lead's client sat
idle longer than uvicorn's default keep-alive (5 s), median of ``--pause-rounds``, against
the grant requests of the rounds above (connection in use); ``new_connections`` says how
many of them had to open a new TLS connection (the server keeps idle ones 75 s;
``--server-keep-alive 5`` runs it with uvicorn's default, for comparison).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAUSE_SECONDS = 6.0  # longer than uvicorn's default keep-alive, shorter than the server's
PHASES = ("grant", "dial", "answered", "confirmed", "media", "audio")


def stamp(peer: Any, event: str, call: int, **match: Any) -> float:
    """The peer's own time (monotonic seconds) of ``event`` for ``call``."""
    ev = peer.wait_event(lambda e: e.get("event") == event and e.get("call") == call
                         and all(e.get(k) == v for k, v in match.items()), what=event)
    return float(ev["t"])


def ended(peer: Any, call: int) -> None:
    peer.wait_event(lambda e: e.get("event") == "call_state" and e["call"] == call
                    and e["state"] == "disconnected", what="call end")


def phases(t0: float, marks: dict[str, float]) -> dict[str, float]:
    """Each phase's own duration (ms): from the previous mark to its mark."""
    out, prev = {}, t0
    for name in PHASES:
        if name in marks:
            out[name] = (marks[name] - prev) * 1000
            prev = marks[name]
    return out


def medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]}


def local_ports(session: Any) -> set[int]:
    """The local ports of the session's idle pooled connections (urllib3 reopens a dropped
    connection in the same object, so a new port is how a new TCP + TLS connection shows)."""
    ports = set()
    for adapter in session.adapters.values():
        pools = adapter.poolmanager.pools
        for key in pools.keys():
            for conn in list(pools[key].pool.queue):
                if conn is not None and conn.sock is not None:
                    ports.add(conn.sock.getsockname()[1])
    return ports


def run(rounds: int, pause_rounds: int, keep_alive: int | None = None) -> list[dict[str, Any]]:
    from agent_desktop.bus import EventBus
    from agent_desktop.demo.certs import make_pki
    from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
    from agent_desktop.demo.sip_peer import PeerProcess
    from agent_desktop.monitoring.gate import HEADER, MonitorGate
    from agent_desktop.phone import events as ev
    from agent_desktop.phone.config import PhoneConfig
    from agent_desktop.phone.credentials import SipCredentials
    from agent_desktop.phone.engine import Phone
    from agent_desktop.presence.client import PresenceClient
    from tests.support.audit_server import start_audit_server
    from tests.support.phone_helpers import EventRecorder

    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        work = Path(tmp)
        pki = make_pki(work / "pki")
        kam = Kamailio(work / "kamailio", pki).start()
        server = start_audit_server(work / "server", pki=pki, extra_args=(
            ["--keep-alive", str(keep_alive)] if keep_alive is not None else []))
        peers: list[PeerProcess] = []
        phone: Phone | None = None
        try:
            server.enroll("bench-agent", team="bench")
            lead_enrolment = server.enroll("bench-lead", team="bench", user_role="team_lead")
            lead_api = PresenceClient(server.base_url, server.session(),
                                      token=lead_enrolment["device_token"], agent_id="bench-lead",
                                      team="bench")
            for name in ("caller", "lead", "peer2"):
                p = PeerProcess(f"bench-{name}", work)
                peers.append(p)
                p.start(kam.registrar, name, DEFAULT_USERS[name], pki.ca_file)
            customer, lead, plain = peers
            plain.cmd("autoanswer", code=200)
            for p in (lead, plain):  # both ends of the measured calls take commands within 1 ms
                p.cmd("options", poll_ms=1)
            bus = EventBus()
            recorder = EventRecorder(bus)
            answered_at: dict[str, float] = {}
            lock = threading.Lock()

            def on_started(e: ev.MonitorStarted) -> None:  # on the SIP thread, as it happens
                with lock:
                    answered_at[e.leg_id] = time.monotonic()

            bus.subscribe(ev.MonitorStarted, on_started)
            phone = Phone(PhoneConfig(registrar=kam.registrar, ca_bundle=str(pki.ca_file),
                                      null_audio=True, after_call_work_seconds=0), bus,
                          monitor_gate=MonitorGate(server.public_key_hex, "bench-agent"))
            phone.start()
            assert phone.register(SipCredentials("agent", DEFAULT_USERS["agent"])).result(15).state \
                == "registered"
            ccall = int(customer.cmd("call", uri=kam.uri("agent"))["call"])
            call_id = recorder.wait(ev.IncomingCall).call.call_id
            phone.answer(call_id).result(5)
            recorder.wait(ev.CallMediaChanged, lambda e: e.call.call_id == call_id and e.call.media_active)
            stamp(customer, "media", ccall, status=1)  # the customer's side of it is up too
            customer.cmd("play", call=ccall, freq=500)  # the customer speaks: the lead hears it

            def monitor_round(i: int) -> tuple[float, dict[str, float]]:
                lead.clear_events()
                t0 = time.monotonic()
                token = lead_api.monitor_grant("bench-agent", "listen")["token"]
                marks = {"grant": time.monotonic()}
                lcall = int(lead.cmd("call", uri=kam.uri("agent"), headers={HEADER: token})["call"])
                marks["dial"] = time.monotonic()
                marks["confirmed"] = stamp(lead, "call_state", lcall, state="confirmed")
                marks["media"] = stamp(lead, "media", lcall, status=1)
                marks["audio"] = stamp(lead, "rx", lcall)
                recorder.wait(ev.MonitorStarted, lambda e: len(recorder.of(ev.MonitorStarted)) > i)
                with lock:
                    marks["answered"] = answered_at[recorder.of(ev.MonitorStarted)[i].leg_id]
                lead.cmd("hangup", call=lcall)
                ended(lead, lcall)
                recorder.wait(ev.MonitorEnded, lambda e: len(recorder.of(ev.MonitorEnded)) > i)
                return (marks["audio"] - t0) * 1000, phases(t0, marks)

            def plain_round() -> tuple[float, dict[str, float]]:
                lead.clear_events()
                plain.clear_events()
                t0 = time.monotonic()
                pcall = int(lead.cmd("call", uri=kam.uri("peer2"))["call"])
                marks = {"dial": time.monotonic()}
                marks["confirmed"] = stamp(lead, "call_state", pcall, state="confirmed")
                marks["media"] = stamp(lead, "media", pcall, status=1)
                marks["audio"] = stamp(lead, "rx", pcall)
                far = plain.wait_event(lambda e: e.get("event") == "incoming", what="incoming")
                marks["answered"] = float(far["t"])
                lead.cmd("hangup", call=pcall)
                ended(lead, pcall)
                ended(plain, int(far["call"]))
                return (marks["audio"] - t0) * 1000, phases(t0, marks)

            monitor_ms: list[float] = []
            plain_ms: list[float] = []
            monitor_phases: list[dict[str, float]] = []
            plain_phases: list[dict[str, float]] = []
            for i in range(rounds + 1):  # the first round warms up both paths
                if i % 2:
                    m = monitor_round(i)
                    p = plain_round()
                else:
                    p = plain_round()
                    m = monitor_round(i)
                if i:
                    monitor_ms.append(m[0])
                    monitor_phases.append(m[1])
                    plain_ms.append(p[0])
                    plain_phases.append(p[1])
            warm = statistics.median(r["grant"] for r in monitor_phases)
            opened = 0
            paused: list[float] = []
            for _ in range(pause_rounds):
                time.sleep(PAUSE_SECONDS)  # the lead looks at the roster: nothing is sent
                before = local_ports(lead_api.session)
                t0 = time.monotonic()
                lead_api.monitor_grant("bench-agent", "listen")
                paused.append((time.monotonic() - t0) * 1000)
                opened += bool(local_ports(lead_api.session) - before)
            value, base = statistics.median(monitor_ms), statistics.median(plain_ms)
            lines = [{"name": "monitor.setup", "value": round(value, 1), "unit": "ms",
                     "baseline": round(base, 1), "ratio": round(value / base, 2), "rounds": rounds,
                     "what": "grant request -> monitoring leg answered, first RTP at the lead, median",
                     "baseline_what": "plain call -> answered, first RTP at the lead, same peers "
                                      "and Kamailio, median",
                     "min": round(min(monitor_ms), 1), "max": round(max(monitor_ms), 1),
                     "baseline_min": round(min(plain_ms), 1), "baseline_max": round(max(plain_ms), 1),
                     "phases": medians(monitor_phases), "baseline_phases": medians(plain_phases)}]
            if paused:
                after = statistics.median(paused)
                lines.append({"name": "monitor.grant_after_pause", "value": round(after, 1),
                              "unit": "ms", "baseline": round(warm, 1), "ratio": round(after / warm, 2),
                              "rounds": pause_rounds, "pause_s": PAUSE_SECONDS,
                              "new_connections": opened,
                              "what": f"grant request after {PAUSE_SECONDS:.0f} s idle, median",
                              "baseline_what": "grant request of the set-up rounds, median"})
            return lines
        finally:
            if phone is not None:
                phone.stop()
            for p in peers:
                p.close()
            server.stop()
            kam.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pause-rounds", type=int, default=3)
    parser.add_argument("--server-keep-alive", type=int, default=None, metavar="SECONDS")
    args = parser.parse_args()
    for line in run(args.rounds, args.pause_rounds, args.server_keep_alive):
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
