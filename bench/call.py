"""Benchmark: call setup through Kamailio (engine vs bare pjsua2) and the idle engine's cost.

    .venv/bin/python -m bench.call [--calls 20] [--rounds 4] [--idle-seconds 30]
                                   [--after-idle-calls 5]

Starts a throwaway PKI, a real Kamailio over TLS and a pjsua2 peer that answers; then, each
in a process of its own (one Endpoint per process), the engine and a bare pjsua2 script
with the same TLS/SRTP settings place calls to the peer and time INVITE -> CONFIRMED: from
the caller's request (dial() / creating the Call and makeCall) to the caller's code seeing
CONFIRMED (a bus listener / the onCallState callback). The calls are split into rounds,
engine and bare alternating, so load from other processes drifting over the run hits both
alike. The last round then stays registered and idle while RSS and CPU are read. One JSON object per line:
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


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def _idle(seconds: float, pump: Any = None) -> dict[str, float]:
    if seconds <= 0:  # a round that only places calls
        return {"cpu_percent": 0.0, "rss_mb": _rss_mb()}
    cpu0, t0 = time.process_time(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        if pump is not None:
            pump()
        else:
            time.sleep(0.2)
    cpu = time.process_time() - cpu0
    return {"cpu_percent": 100.0 * cpu / (time.monotonic() - t0), "rss_mb": _rss_mb()}


def engine_worker(a: argparse.Namespace) -> dict[str, Any]:
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
    times: list[float] = []
    with Phone(cfg, bus) as phone:
        assert phone.register(SipCredentials(a.user, a.password)).result(15).state == "registered"
        for i in range(a.calls + 2):
            t0 = time.perf_counter()
            cid = phone.dial(a.target).result(10)
            with lock:
                lock.wait_for(lambda c=cid: c in confirmed, timeout=10)  # type: ignore[misc]
            if i >= 2:  # two warm-up calls
                times.append((confirmed[cid] - t0) * 1000.0)
            phone.hangup(cid).result(10)
            ended.setdefault(cid, threading.Event()).wait(10)
            time.sleep(0.05)
        if a.idle_seconds > 0:
            time.sleep(2.0)  # let the engine leave its fast-poll window: measure steady idle
        idle = _idle(a.idle_seconds)
        after_idle: list[float] = []
        for _ in range(a.after_idle_calls):
            time.sleep(2.0)  # past the engine's fast-poll window
            t0 = time.perf_counter()
            cid = phone.dial(a.target).result(10)
            with lock:
                lock.wait_for(lambda c=cid: c in confirmed, timeout=10)  # type: ignore[misc]
            after_idle.append((confirmed[cid] - t0) * 1000.0)
            phone.hangup(cid).result(10)
            ended.setdefault(cid, threading.Event()).wait(10)
    return {"setup_ms": times, "after_idle_ms": after_idle, **idle}


def bare_worker(a: argparse.Namespace) -> dict[str, Any]:
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
    times: list[float] = []
    target = f"sips:{a.target}@{host}"
    for i in range(a.calls + 2):
        state.update(confirmed=None, ended=False)
        t0 = time.perf_counter()  # as the engine's dial(), which creates its Call too
        call = Call(acc)
        call.makeCall(target, pj.CallOpParam(True))
        while state["confirmed"] is None:
            ep.libHandleEvents(5)
        if i >= 2:
            times.append((state["confirmed"] - t0) * 1000.0)
        call.hangup(pj.CallOpParam())
        while not state["ended"]:
            ep.libHandleEvents(5)
        del call
        t1 = time.monotonic()
        while time.monotonic() - t1 < 0.05:
            ep.libHandleEvents(5)
    # a bare script that polls at the engine's idle rate, for the idle baseline
    idle = _idle(a.idle_seconds, pump=lambda: ep.libHandleEvents(30))
    acc.shutdown()
    del acc
    ep.libDestroy()
    return {"setup_ms": times, **idle}


def _run_worker(kind: str, registrar: str, ca: str, calls: int, idle_seconds: float,
                after_idle_calls: int) -> dict[str, Any]:
    from tests.support.kamailio import DEFAULT_USERS

    args = [sys.executable, __file__, "--worker", kind, "--registrar", registrar, "--ca", ca,
            "--user", "agent", "--password", DEFAULT_USERS["agent"], "--target", "peer2",
            "--calls", str(calls), "--idle-seconds", str(idle_seconds),
            "--after-idle-calls", str(after_idle_calls)]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT,
                         timeout=120 + idle_seconds + calls * 5 + after_idle_calls * 10)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--rounds", type=int, default=4,
                   help="engine/bare alternations the calls are split into")
    p.add_argument("--idle-seconds", type=float, default=30.0)
    p.add_argument("--after-idle-calls", type=int, default=5)
    p.add_argument("--worker", choices=("engine", "bare"))
    for name in ("registrar", "ca", "user", "password", "target"):
        p.add_argument(f"--{name}")
    a = p.parse_args()
    if a.worker:
        result = engine_worker(a) if a.worker == "engine" else bare_worker(a)
        print(json.dumps(result))
        return 0

    from tests.support.certs import make_pki
    from tests.support.kamailio import DEFAULT_USERS, Kamailio
    from tests.support.sip_peer import PeerProcess

    with tempfile.TemporaryDirectory(prefix="bench-call-") as tmp:
        work = Path(tmp)
        pki = make_pki(work / "pki")
        kam = Kamailio(work / "kamailio", pki).start()
        peer = PeerProcess("bench-peer2", work)
        try:
            peer.start(kam.registrar, "peer2", DEFAULT_USERS["peer2"], pki.ca_file)
            peer.cmd("autoanswer", code=200)
            rounds = max(1, min(a.rounds, a.calls))
            setup: dict[str, list[float]] = {"engine": [], "bare": []}
            for r in range(rounds):
                last = r == rounds - 1
                n = a.calls // rounds + (1 if r < a.calls % rounds else 0)
                for kind in ("engine", "bare"):
                    res = _run_worker(kind, kam.registrar, str(pki.ca_file), n,
                                      a.idle_seconds if last else 0.0,
                                      a.after_idle_calls if last else 0)
                    setup[kind] += res["setup_ms"]
                    if kind == "engine":
                        engine = res
                    else:
                        bare = res
        finally:
            peer.close()
            kam.stop()
    from bench.common import emit, median

    e_med, b_med = median(setup["engine"]), median(setup["bare"])
    emit("phone.call_setup_median", e_med, "ms", b_med, n=a.calls, rounds=rounds,
         what="INVITE to CONFIRMED through Kamailio over TLS with SRTP, engine vs bare pjsua2")
    if engine["after_idle_ms"]:
        emit("phone.call_setup_after_idle_median", median(engine["after_idle_ms"]), "ms", b_med,
             n=len(engine["after_idle_ms"]),
             what="first call after 2 s idle (engine polls slower when idle)")
    emit("phone.idle_cpu", engine["cpu_percent"], "% of one core", bare["cpu_percent"],
         seconds=a.idle_seconds, what="registered, no calls; baseline: bare pjsua2 loop")
    emit("phone.idle_rss", engine["rss_mb"], "MB", bare["rss_mb"],
         what="resident memory after the calls; baseline: bare pjsua2 process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
