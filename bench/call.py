"""Benchmark: call setup through Kamailio (engine vs bare pjsua2) and the idle engine's cost.

    .venv/bin/python -m bench.call [--calls 20] [--rounds 4] [--idle-seconds 60]
                                   [--idle-rounds 3] [--after-idle-calls 10]

Starts a throwaway PKI, a real Kamailio over TLS and a pjsua2 peer that answers; then, each
in a process of its own (one Endpoint per process), the engine and a bare pjsua2 script
with the same TLS/SRTP settings place calls to the peer and time INVITE -> CONFIRMED: from
the caller's request (dial() / creating the Call and makeCall) to the caller's code seeing
CONFIRMED (a bus listener / the onCallState callback). The calls are split into rounds,
engine and bare alternating, so load from other processes drifting over the run hits both
alike. Then an engine and a bare process, both registered and warmed up by two calls,
idle side by side while this process reads their CPU time (utime + stime of every thread,
from /proc at nanosecond resolution) over ``--idle-rounds`` windows of ``--idle-seconds``;
then each places ``--after-idle-calls`` calls, one at a time after 2 s of quiet,
alternating which goes first. One JSON object per line:
{"name", "value", "unit", "baseline", "ratio", ...}; ratio = engine / bare, same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of every thread of ``pid`` so far: schedstat's nanoseconds,
    since /proc/<pid>/stat's clock ticks (10 ms) are too coarse for an idle process."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
    return total / 1e9


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def _serve(run_calls: Any, commands: Any) -> None:
    """Answer the parent's commands, one JSON line each: ``{"op": "calls", "n": N,
    "warmup": W}`` places W + N calls back to back and reports the N setup times;
    ``{"op": "quit"}`` ends."""
    print(json.dumps({"ready": True}), flush=True)
    for cmd in commands():
        if cmd["op"] == "quit":
            return
        print(json.dumps({"setup_ms": run_calls(int(cmd["n"]), int(cmd.get("warmup", 0)))}),
              flush=True)


def _stdin_commands() -> Any:
    for line in sys.stdin:
        if line.strip():
            yield json.loads(line)
    yield {"op": "quit"}


def engine_worker(a: argparse.Namespace) -> None:
    from agent_desktop.bus import EventBus
    from agent_desktop.phone import events as ev
    from agent_desktop.phone.config import PhoneConfig
    from agent_desktop.phone.credentials import SipCredentials
    from agent_desktop.phone.engine import Phone

    bus = EventBus()
    confirmed: dict[str, float] = {}
    ended: dict[str, threading.Event] = {}
    lock = threading.Condition()

    def on_state(e: ev.CallStateChanged) -> None:
        if e.call.state == "confirmed":
            with lock:
                confirmed.setdefault(e.call.call_id, time.perf_counter())
                lock.notify_all()

    def on_end(e: ev.CallEnded) -> None:
        ended.setdefault(e.call.call_id, threading.Event()).set()

    bus.subscribe(ev.CallStateChanged, on_state)
    bus.subscribe(ev.CallEnded, on_end)
    cfg = PhoneConfig(registrar=a.registrar, ca_bundle=a.ca, null_audio=True,
                      after_call_work_seconds=0)

    def calls(n: int, warmup: int) -> list[float]:
        times: list[float] = []
        for i in range(warmup + n):
            if i:
                time.sleep(0.05)
            t0 = time.perf_counter()  # the request, from a non-SIP thread (as the GUI's)
            cid = phone.dial(a.target).result(10)
            with lock:
                lock.wait_for(lambda c=cid: c in confirmed, timeout=10)  # type: ignore[misc]
            if i >= warmup:
                times.append((confirmed[cid] - t0) * 1000.0)
            phone.hangup(cid).result(10)
            ended.setdefault(cid, threading.Event()).wait(10)
        return times

    with Phone(cfg, bus) as phone:
        assert phone.register(SipCredentials(a.user, a.password)).result(15).state == "registered"
        # idle between commands: this thread blocks on stdin, the SIP thread idles on its own
        _serve(calls, _stdin_commands)


def bare_worker(a: argparse.Namespace) -> None:
    import collections

    import pjsua2 as pj

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    cfg.medConfig.threadCnt = 0
    cfg.medConfig.noVad = True  # as the engine
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    from agent_desktop.phone.sip_thread import PREFERRED_CODECS

    for codec, priority in PREFERRED_CODECS.items():  # the engine's codec order
        ep.codecSetPriority(codec, priority)
    ep.audDevManager().setNullDev()
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = tcfg.publicAddress = "127.0.0.1"
    tcfg.tlsConfig.CaListFile = a.ca
    tcfg.tlsConfig.verifyServer = True
    tcfg.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
    opts = pj.SockOptParams()
    opt = pj.SockOpt()
    opt.level, opt.optName = 6, 1  # TCP_NODELAY
    opt.setOptValInt(1)
    opts.sockOpts.append(opt)
    tcfg.tlsConfig.sockOptParams = opts
    ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tcfg)
    ep.libStart()
    state: dict[str, Any] = {"reg": None, "confirmed": None, "ended": False}

    class Acc(pj.Account):  # type: ignore[misc]
        def onRegState(self, prm: Any) -> None:
            state["reg"] = prm.code

    class Call(pj.Call):  # type: ignore[misc]
        def onCallState(self, prm: Any) -> None:
            st = self.getInfo().state
            if st == pj.PJSIP_INV_STATE_CONFIRMED and state["confirmed"] is None:
                state["confirmed"] = time.perf_counter()
            if st == pj.PJSIP_INV_STATE_DISCONNECTED:
                state["ended"] = True

        def onCallMediaState(self, prm: Any) -> None:
            info = self.getInfo()
            for i, mi in enumerate(info.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    adm = ep.audDevManager()
                    aud = self.getAudioMedia(i)
                    adm.getCaptureDevMedia().startTransmit(aud)
                    aud.startTransmit(adm.getPlaybackDevMedia())

    acfg = pj.AccountConfig()
    host = a.registrar.split(":", 1)[1]
    acfg.idUri = f"sips:{a.user}@{host}"
    acfg.regConfig.registrarUri = a.registrar
    acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", a.user, 0, a.password))
    acfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_MANDATORY
    acfg.mediaConfig.srtpSecureSignaling = 1
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    acc = Acc()
    acc.create(acfg)
    while state["reg"] is None:
        ep.libHandleEvents(10)
    target = f"sips:{a.target}@{host}"

    def calls(n: int, warmup: int) -> list[float]:
        times: list[float] = []
        for i in range(warmup + n):
            state.update(confirmed=None, ended=False)
            t0 = time.perf_counter()  # as the engine's dial(), which creates its Call too
            call = Call(acc)
            call.makeCall(target, pj.CallOpParam(True))
            while state["confirmed"] is None:
                ep.libHandleEvents(5)
            if i >= warmup:
                times.append((state["confirmed"] - t0) * 1000.0)
            call.hangup(pj.CallOpParam())
            while not state["ended"]:
                ep.libHandleEvents(5)
            del call
            t1 = time.monotonic()
            while time.monotonic() - t1 < 0.05:
                ep.libHandleEvents(5)
        return times

    # A stdin reader thread hands commands over; idle, this thread only blocks in
    # libHandleEvents for the engine's idle poll (30 ms): the baseline a bare endpoint sets.
    inbox: collections.deque[dict[str, Any]] = collections.deque()

    def read() -> None:
        inbox.extend(_stdin_commands())

    threading.Thread(target=read, daemon=True).start()

    def commands() -> Any:
        while True:
            while not inbox:
                ep.libHandleEvents(30)
            yield inbox.popleft()

    _serve(calls, commands)
    acc.shutdown()
    acc = None  # the account goes before the library
    ep.libDestroy()


class Worker:
    """One engine or bare process, driven by JSON lines."""

    def __init__(self, kind: str, registrar: str, ca: str, user: str) -> None:
        from agent_desktop.demo.kamailio import DEFAULT_USERS

        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", kind, "--registrar", registrar, "--ca", ca,
             "--user", user, "--password", DEFAULT_USERS[user], "--target", "peer2"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self._reply()  # ready: registered

    def _reply(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):  # pjlib may print a banner first
                return json.loads(line)  # type: ignore[no-any-return]
        raise RuntimeError(f"{self.kind} worker ended (exit code {self.proc.wait()})")

    def calls(self, n: int, warmup: int = 0) -> list[float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": "calls", "n": n, "warmup": warmup}) + "\n")
        self.proc.stdin.flush()
        return self._reply()["setup_ms"]  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()  # end of commands: quit
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--rounds", type=int, default=4,
                   help="engine/bare alternations the calls are split into")
    p.add_argument("--idle-seconds", type=float, default=60.0, help="length of one idle window")
    p.add_argument("--idle-rounds", type=int, default=3)
    p.add_argument("--after-idle-calls", type=int, default=10)
    p.add_argument("--worker", choices=("engine", "bare"))
    for name in ("registrar", "ca", "user", "password", "target"):
        p.add_argument(f"--{name}")
    a = p.parse_args()
    if a.worker:
        engine_worker(a) if a.worker == "engine" else bare_worker(a)
        return 0

    from agent_desktop.demo.certs import make_pki
    from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
    from agent_desktop.demo.sip_peer import PeerProcess
    from bench.common import emit, median

    rounds = max(1, min(a.rounds, a.calls))
    setup: dict[str, list[float]] = {"engine": [], "bare": []}
    after_idle: dict[str, list[float]] = {"engine": [], "bare": []}
    cpu: dict[str, list[float]] = {"engine": [], "bare": []}
    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-call-") as tmp:
        work = Path(tmp)
        pki = make_pki(work / "pki")
        kam = Kamailio(work / "kamailio", pki).start()
        peer = PeerProcess("bench-peer2", work)
        workers: dict[str, Worker] = {}
        try:
            peer.start(kam.registrar, "peer2", DEFAULT_USERS["peer2"], pki.ca_file)
            peer.cmd("autoanswer", code=200)
            # two registered processes side by side (different users, one Kamailio)
            workers = {"engine": Worker("engine", kam.registrar, str(pki.ca_file), "agent"),
                       "bare": Worker("bare", kam.registrar, str(pki.ca_file), "peer3")}
            for w in workers.values():
                w.calls(0, warmup=2)
            for r in range(rounds):
                n = a.calls // rounds + (1 if r < a.calls % rounds else 0)
                for kind in ("engine", "bare") if r % 2 == 0 else ("bare", "engine"):
                    setup[kind] += workers[kind].calls(n)
            # both idle at once, so the machine's load hits both windows alike
            time.sleep(3.0)  # past the engine's fast-poll window after a command
            for _ in range(a.idle_rounds):
                c0 = {k: cpu_seconds(w.proc.pid) for k, w in workers.items()}
                t0 = time.monotonic()
                time.sleep(a.idle_seconds)
                elapsed = time.monotonic() - t0
                for k, w in workers.items():
                    cpu[k].append(100.0 * (cpu_seconds(w.proc.pid) - c0[k]) / elapsed)
            rss = {k: rss_mb(w.proc.pid) for k, w in workers.items()}
            for i in range(a.after_idle_calls):
                for kind in ("engine", "bare") if i % 2 == 0 else ("bare", "engine"):
                    time.sleep(2.0)  # quiet: the engine is back in its idle loop
                    after_idle[kind] += workers[kind].calls(1)
        finally:
            for w in workers.values():
                w.close()
            peer.close()
            kam.stop()

    e_med, b_med = median(setup["engine"]), median(setup["bare"])
    emit("phone.call_setup_median", e_med, "ms", b_med, n=a.calls, rounds=rounds,
         what="INVITE to CONFIRMED through Kamailio over TLS with SRTP, engine vs bare pjsua2")
    if after_idle["engine"]:
        ai = median(after_idle["engine"])
        pairs = [e / b for e, b in zip(after_idle["engine"], after_idle["bare"], strict=True)]
        emit("phone.call_setup_after_idle_median", ai, "ms", median(after_idle["bare"]),
             n=len(after_idle["engine"]), vs_back_to_back=round(ai / b_med, 3),
             paired_median=round(median(pairs), 3),
             engine_ms=[round(x, 2) for x in after_idle["engine"]],
             bare_ms=[round(x, 2) for x in after_idle["bare"]],
             what="a call after 2 s idle, engine vs bare, alternating; vs_back_to_back: against "
                  "the bare back-to-back median; paired_median: median of each engine call over "
                  "the bare call next to it")
    if cpu["engine"]:
        emit("phone.idle_cpu", median(cpu["engine"]), "% of one core", median(cpu["bare"]),
             seconds=a.idle_seconds, windows=a.idle_rounds,
             window_ratios=[round(e / b, 3) for e, b in zip(cpu["engine"], cpu["bare"], strict=True)],
             what="registered, no calls, side by side; baseline: bare pjsua2 blocking in "
                  "libHandleEvents(30)")
        emit("phone.idle_rss", rss["engine"], "MB", rss["bare"],
             what="resident memory after the calls; baseline: bare pjsua2 process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
