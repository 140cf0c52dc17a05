"""A controllable pjsua2 SIP peer in its own process (pjsua2 allows one Endpoint per process):
the demo's simulated caller and the tests' far ends.

Run as ``python -m agent_desktop.demo.sip_peer``; it reads one JSON command per line on stdin
and writes one JSON object per line on stdout: ``{"reply": id, ...}`` answers a command,
``{"event": name, "t": monotonic seconds, ...}`` reports something that happened (``t`` is
this host's ``time.monotonic()`` when it happened, for benchmarks). Besides the pjsua2
callbacks' events, ``{"event": "rx", "call"}`` says the first RTP packet of a call's
(re)activated audio arrived: audio is flowing. :class:`PeerProcess` is the driver (the
demo's and the tests').

Commands (``{"id": n, "cmd": name, ...}``):
  start {registrar, user, password, ca, srtp, bind}  srtp: "mandatory", "disabled", or
                           "strip_answer" (answers an SRTP offer with plain RTP/AVP)
  autoanswer {code}        answer incoming calls with this code (0: leave them ringing)
  call {uri}               -> {call}
  answer {call, code}      hangup {call}     hold {call}    unhold {call}
  play {call, freq|path}   plays a sine tone (generated WAV) or the WAV at path into the call, looped
  stop_play {call}         record {call, path}    stop_record {call}
  dtmf {call, digits}      state -> {calls: {...}, dtmf: {...}, reg}
  options {strip_telephone_event}   answer without RFC 4733 (DTMF must fall back to INFO)
  options {poll_ms}        wait at most this long for network events before reading
                           commands (default 5; benchmarks use 1)
  quit
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

RX_WATCH_SECONDS = 2.0
PJ_STATES = {0: "null", 1: "calling", 2: "incoming", 3: "early", 4: "connecting",
             5: "confirmed", 6: "disconnected"}


def write_tone(path: Path, freq: float, seconds: float = 20.0, rate: int = 16000,
               amplitude: int = 12000) -> Path:
    """A mono 16-bit sine WAV at ``freq`` Hz; long, since pjmedia's player leaves a gap of
    up to a few hundred ms where it loops back to the start of the file."""
    n = int(rate * seconds)
    frames = b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def without_telephone_event(sdp: str) -> str:
    """The SDP with RFC 4733 telephone-event removed (a far end that only knows SIP INFO)."""
    lines = sdp.split("\r\n")
    pts = {ln.split()[0].split(":")[1] for ln in lines
           if ln.startswith("a=rtpmap:") and "telephone-event" in ln}
    out = []
    for ln in lines:
        if ln.startswith(("a=rtpmap:", "a=fmtp:")) and ln.split()[0].split(":")[1] in pts:
            continue
        if ln.startswith("m=audio"):
            ln = " ".join(tok for i, tok in enumerate(ln.split()) if i < 3 or tok not in pts)
        out.append(ln)
    return "\r\n".join(out)


def emit(obj: dict[str, Any]) -> None:
    if "event" in obj:
        obj["t"] = time.monotonic()
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run_peer() -> int:
    import pjsua2 as pj

    tmp = Path(tempfile.mkdtemp(prefix="sip-peer-"))
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    cfg.logConfig.level = int(os.environ.get("SIP_PEER_LOG_LEVEL", "1"))
    cfg.logConfig.consoleLevel = cfg.logConfig.level
    cfg.medConfig.threadCnt = 0
    cfg.medConfig.noVad = True  # VAD would stop sending a steady test tone after ~1 s

    class StderrWriter(pj.LogWriter):
        def write(self, entry: Any) -> None:  # stdout carries the JSON protocol
            sys.stderr.write(entry.msg)

    writer = StderrWriter()
    cfg.logConfig.writer = writer
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()

    calls: dict[int, Any] = {}
    players: dict[int, Any] = {}
    recorders: dict[int, Any] = {}
    dtmf: dict[int, str] = {}
    state: dict[str, Any] = {"reg": None, "autoanswer": 0, "acc": None, "dead": [], "poll_ms": 5}
    # call -> (audio index, until when) whose first RTP packet is awaited; a far end that
    # sends nothing is given up on after RX_WATCH_SECONDS, so the fine polling stops
    rx_wait: dict[int, tuple[int, float]] = {}

    class Call(pj.Call):
        def onCallState(self, prm: Any) -> None:
            info = self.getInfo()
            emit({"event": "call_state", "call": info.id, "state": PJ_STATES.get(info.state, "?"),
                  "code": info.lastStatusCode, "reason": info.lastReason})
            if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
                state["dead"].append(info.id)

        def onCallMediaState(self, prm: Any) -> None:
            info = self.getInfo()
            for i, mi in enumerate(info.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO:
                    if mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                        # like a real phone: (null) mic -> call -> (null) speaker, which keeps
                        # the stream clocked so DTMF is sent even when nothing else plays
                        aud = self.getAudioMedia(i)
                        adm = ep.audDevManager()
                        adm.getCaptureDevMedia().startTransmit(aud)
                        aud.startTransmit(adm.getPlaybackDevMedia())
                        if info.id in players:  # a re-INVITE may give the call a new port
                            players[info.id].startTransmit(aud)
                        rx_wait[info.id] = (i, time.monotonic() + RX_WATCH_SECONDS)
                    emit({"event": "media", "call": info.id, "status": int(mi.status)})

        def onDtmfDigit(self, prm: Any) -> None:
            cid = self.getId()
            dtmf[cid] = dtmf.get(cid, "") + prm.digit
            emit({"event": "dtmf", "call": cid, "digit": prm.digit, "method": int(prm.method)})

        def onCallSdpCreated(self, prm: Any) -> None:
            if state.get("strip_tel") and prm.remSdp.wholeSdp:
                prm.sdp.wholeSdp = without_telephone_event(prm.sdp.wholeSdp)
            if state["srtp"] == "strip_answer" and prm.remSdp.wholeSdp:
                # a broken far end: accepts an SRTP offer but answers plain RTP/AVP
                lines = [ln for ln in prm.sdp.wholeSdp.split("\r\n") if not ln.startswith("a=crypto")]
                prm.sdp.wholeSdp = "\r\n".join(lines).replace("RTP/SAVP", "RTP/AVP")

        def onCallTransferRequest(self, prm: Any) -> None:
            emit({"event": "transfer_request", "call": self.getId()})
            prm.statusCode = 202

        def onCallReplaced(self, prm: Any) -> None:
            new = Call(state["acc"], prm.newCallId)
            calls[prm.newCallId] = new
            prm.newCall = new
            emit({"event": "replaced", "call": self.getId(), "new_call": prm.newCallId})

        def onCallTransferStatus(self, prm: Any) -> None:
            emit({"event": "transfer_status", "call": self.getId(), "code": prm.statusCode})

    class Account(pj.Account):
        def onRegState(self, prm: Any) -> None:
            info = self.getInfo()
            state["reg"] = {"code": prm.code, "reason": prm.reason, "active": bool(info.regIsActive)}
            emit({"event": "reg", **state["reg"]})

        def onIncomingCall(self, prm: Any) -> None:
            call = Call(self, prm.callId)
            calls[prm.callId] = call
            grant = re.search(r"^X-Monitor-Grant\s*:\s*(\S+)", str(prm.rdata.wholeMsg), re.M | re.I)
            emit({"event": "incoming", "call": prm.callId, "grant": grant.group(1) if grant else ""})
            code = state["autoanswer"]
            op = pj.CallOpParam()
            op.statusCode = code if code else 180
            call.answer(op)

    def audio(cid: int) -> Any:
        call = calls[cid]
        info = call.getInfo()  # keep the CallInfo alive while its media vector is read
        for i, mi in enumerate(info.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                return call.getAudioMedia(i)
        raise RuntimeError("call has no active audio")

    def start(c: dict[str, Any]) -> dict[str, Any]:
        tcfg = pj.TransportConfig()
        tcfg.boundAddress = c.get("bind", "127.0.0.1")
        tcfg.publicAddress = tcfg.boundAddress
        tcfg.tlsConfig.CaListFile = c["ca"]
        tcfg.tlsConfig.verifyServer = True
        tcfg.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
        nodelay = pj.SockOptParams()
        opt = pj.SockOpt()
        opt.level, opt.optName = 6, 1  # TCP_NODELAY
        opt.setOptValInt(1)
        nodelay.sockOpts.append(opt)
        tcfg.tlsConfig.sockOptParams = nodelay
        ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tcfg)
        ep.libStart()
        # the engine's codec order: speex's loss concealment turns a steady tone into a growing
        # low one on a loaded machine, and a re-offer (hold/resume) follows the offerer's order
        for codec, priority in (("G722/16000/1", 135), ("PCMU/8000/1", 134), ("PCMA/8000/1", 133)):
            ep.codecSetPriority(codec, priority)
        acfg = pj.AccountConfig()
        host = c["registrar"].split(":", 1)[1]
        acfg.idUri = f"sips:{c['user']}@{host}"
        acfg.regConfig.registrarUri = c["registrar"]
        acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", c["user"], 0, c["password"]))
        state["srtp"] = c.get("srtp", "mandatory")
        if state["srtp"] == "strip_answer":
            acfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_OPTIONAL
            acfg.mediaConfig.srtpSecureSignaling = 0
        elif state["srtp"] == "mandatory":
            acfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_MANDATORY
            acfg.mediaConfig.srtpSecureSignaling = 1
        else:
            acfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_DISABLED
            acfg.mediaConfig.srtpSecureSignaling = 0
        acfg.mediaConfig.transportConfig.boundAddress = tcfg.boundAddress
        acfg.mediaConfig.transportConfig.publicAddress = tcfg.boundAddress
        acc = Account()
        acc.create(acfg)
        state["acc"] = acc
        return {}

    def headers(op: Any, hs: dict[str, str]) -> Any:
        for name, value in hs.items():
            h = pj.SipHeader()
            h.hName, h.hValue = name, value
            op.txOption.headers.append(h)
        return op

    def call(c: dict[str, Any]) -> dict[str, Any]:
        new = Call(state["acc"])
        op = headers(pj.CallOpParam(True), c.get("headers", {}))
        new.makeCall(c["uri"], op)
        calls[new.getId()] = new
        return {"call": new.getId()}

    def answer(c: dict[str, Any]) -> dict[str, Any]:
        op = pj.CallOpParam()
        op.statusCode = c.get("code", 200)
        calls[c["call"]].answer(op)
        return {}

    def hangup(c: dict[str, Any]) -> dict[str, Any]:
        calls[c["call"]].hangup(pj.CallOpParam())
        return {}

    def hold(c: dict[str, Any]) -> dict[str, Any]:
        calls[c["call"]].setHold(pj.CallOpParam())
        return {}

    def unhold(c: dict[str, Any]) -> dict[str, Any]:
        # CallOpParam(True): with CallOpParam() the call setting is all zeros (audioCount 0),
        # so the resume offered no audio ("m=audio 0 RTP/AVP 0") and got a 488 from any phone
        # that requires SRTP; a real phone resumes with its audio and crypto
        op = pj.CallOpParam(True)
        op.opt.flag = pj.PJSUA_CALL_UNHOLD
        calls[c["call"]].reinvite(op)
        return {}

    def play(c: dict[str, Any]) -> dict[str, Any]:
        amplitude = int(c.get("amplitude", 12000))
        wav = Path(c["path"]) if c.get("path") else write_tone(
            tmp / f"tone-{c['freq']}-{amplitude}.wav", float(c["freq"]), amplitude=amplitude)
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(wav), 0)
        player.startTransmit(audio(c["call"]))
        players[c["call"]] = player
        return {}

    def stop_play(c: dict[str, Any]) -> dict[str, Any]:
        players.pop(c["call"], None)
        return {}

    def record(c: dict[str, Any]) -> dict[str, Any]:
        rec = pj.AudioMediaRecorder()
        rec.createRecorder(c["path"])
        audio(c["call"]).startTransmit(rec)
        recorders[c["call"]] = rec
        return {}

    def stop_record(c: dict[str, Any]) -> dict[str, Any]:
        rec = recorders.pop(c["call"], None)
        del rec  # the bridge finalises the WAV header on its next clock tick
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            ep.libHandleEvents(10)
            with open(c["path"], "rb") as f:
                if f.read(8)[4:8] not in (b"", b"\0\0\0\0"):
                    break
        return {}

    def reinvite(c: dict[str, Any]) -> dict[str, Any]:
        calls[c["call"]].reinvite(headers(pj.CallOpParam(True), c.get("headers", {})))
        return {}

    def send_dtmf(c: dict[str, Any]) -> dict[str, Any]:
        calls[c["call"]].dialDtmf(c["digits"])
        return {}

    def options(c: dict[str, Any]) -> dict[str, Any]:
        if "poll_ms" in c:
            state["poll_ms"] = max(0, int(c["poll_ms"]))
            return {}
        state["strip_tel"] = bool(c.get("strip_telephone_event", False))
        return {}

    def codecs(c: dict[str, Any]) -> dict[str, Any]:
        """Set codec priorities ({"G722/16000/1": 135, ...}); returns the previous ones."""
        before = {str(x.codecId): int(x.priority) for x in ep.codecEnum2()}
        for codec, priority in c.get("priorities", {}).items():
            ep.codecSetPriority(codec, int(priority))
        return {"priorities": before}

    def autoanswer(c: dict[str, Any]) -> dict[str, Any]:
        state["autoanswer"] = int(c["code"])
        return {}

    def stats(c: dict[str, Any]) -> dict[str, Any]:
        """The call's audio stream counters: what arrived (and was dropped) and what was sent."""
        call = calls[c["call"]]
        info = call.getInfo()
        for i, mi in enumerate(info.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO:
                rtcp = call.getStreamStat(i).rtcp
                return {"rx": int(rtcp.rxStat.pkt), "rx_discard": int(rtcp.rxStat.discard),
                        "rx_loss": int(rtcp.rxStat.loss), "tx": int(rtcp.txStat.pkt),
                        "status": int(mi.status)}
        return {}

    def snapshot(c: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for cid, cl in calls.items():
            try:
                info = cl.getInfo()
                out[str(cid)] = PJ_STATES.get(info.state, "?")
            except Exception:  # noqa: BLE001 - a call pjsua already freed reads as gone
                out[str(cid)] = "gone"
        return {"calls": out, "dtmf": {str(k): v for k, v in dtmf.items()}, "reg": state["reg"]}

    handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "start": start, "call": call, "answer": answer, "hangup": hangup, "hold": hold,
        "unhold": unhold, "play": play, "stop_play": stop_play, "record": record,
        "stop_record": stop_record, "dtmf": send_dtmf, "reinvite": reinvite, "codecs": codecs, "autoanswer": autoanswer, "options": options,
        "state": snapshot, "stats": stats,
    }
    buf = b""
    running = True
    while running:
        # while a first RTP packet is awaited, poll finely so "rx" is stamped within ~1 ms
        ep.libHandleEvents(min(1, state["poll_ms"]) if rx_wait else state["poll_ms"])
        for cid, (idx, until) in list(rx_wait.items()):
            try:
                got = calls[cid].getStreamStat(idx).rtcp.rxStat.pkt > 0
            except Exception:  # noqa: BLE001 - the call or its stream is gone: stop watching
                rx_wait.pop(cid, None)
                continue
            if got:
                rx_wait.pop(cid, None)
                emit({"event": "rx", "call": cid})
            elif time.monotonic() > until:
                rx_wait.pop(cid, None)
        while state["dead"]:
            cid = state["dead"].pop()
            rx_wait.pop(cid, None)
            players.pop(cid, None)
            recorders.pop(cid, None)
            calls.pop(cid, None)
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        if not ready:
            continue
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            cmd = json.loads(line)
            if cmd["cmd"] == "quit":
                running = False
                emit({"reply": cmd["id"], "ok": True})
                break
            try:
                result = handlers[cmd["cmd"]](cmd)
                emit({"reply": cmd["id"], "ok": True, **result})
            except Exception as exc:  # noqa: BLE001 - reported to the test, peer keeps running
                # (a pjsua2 Error's str() is empty: its title and reason say what went wrong)
                why = f"{exc.title}: {exc.reason}" if isinstance(exc, pj.Error) else str(exc)
                emit({"reply": cmd["id"], "ok": False, "error": f"{type(exc).__name__}: {why}"})
    players.clear()
    recorders.clear()
    for cl in list(calls.values()):
        try:
            cl.hangup(pj.CallOpParam())
        except Exception:  # noqa: BLE001, S110 - already gone
            pass
    for _ in range(20):
        ep.libHandleEvents(10)
    calls.clear()
    acc = state.pop("acc")
    if acc is not None:
        acc.shutdown()
        del acc
    for _ in range(20):
        ep.libHandleEvents(10)
    ep.libDestroy()
    return 0


class PeerError(RuntimeError):
    pass


class PeerProcess:
    """The driver of one peer process."""

    def __init__(self, name: str, log_dir: Path,
                 on_event: Callable[[dict[str, Any]], None] | None = None,
                 module: str = "agent_desktop.demo.sip_peer") -> None:
        """``on_event(event)`` runs on the reader thread for each event (keep it quick);
        ``module`` is the program run with ``python -m``: another speaker of this protocol
        (the tests' team-lead desk) reuses the driver."""
        self.name = name
        self._on_event = on_event
        self.log_path = log_dir / f"peer-{name}.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._log,
        )
        self._next = 0
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, name=f"peer-{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue  # pjlib banner lines on stdout
            with self._cond:
                if "reply" in msg:
                    self._replies[msg["reply"]] = msg
                else:
                    self.events.append(msg)
                self._cond.notify_all()
            if "event" in msg and self._on_event is not None:
                self._on_event(msg)
        with self._cond:
            self._cond.notify_all()

    def cmd(self, name: str, timeout: float = 15.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self._cond:
            self._next += 1
            cid = self._next
        self.proc.stdin.write((json.dumps({"id": cid, "cmd": name, **args}) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with self._cond:
            while cid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise PeerError(f"peer {self.name}: no reply to {name} (exit {self.proc.poll()})")
                self._cond.wait(min(left, 0.2))
            reply = self._replies.pop(cid)
        if not reply.get("ok"):
            raise PeerError(f"peer {self.name}: {name} failed: {reply.get('error')}")
        return reply

    def wait_event(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 15.0,
                   what: str = "event") -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PeerError(f"peer {self.name}: no {what} in {timeout:.0f}s; "
                                    f"events: {self.events[-10:]}")
                self._cond.wait(min(left, 0.2))

    def clear_events(self) -> None:
        with self._cond:
            self.events.clear()

    def start(self, registrar: str, user: str, password: str, ca: Path,
              srtp: str = "mandatory") -> None:
        self.cmd("start", registrar=registrar, user=user, password=password, ca=str(ca), srtp=srtp)
        ev = self.wait_event(lambda e: e.get("event") == "reg", what="registration")
        if ev["code"] != 200:
            raise PeerError(f"peer {self.name} failed to register: {ev}")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.cmd("quit", timeout=10)
            except (PeerError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


if __name__ == "__main__":
    sys.exit(run_peer())
