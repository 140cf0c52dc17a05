"""Call recording on the SIP thread: a bridge port of our own receives the call's mix.

The port (``RecordingPort``, a pjsua2 ``AudioMediaPort``) lives in the conference bridge for
the whole recording, independent of the call's media: a hold, resume, re-INVITE, device
change or transfer attempt re-creates the call's stream (and its bridge slot), and the
recording is simply re-wired to the new slot (``_rewire_recordings`` after every relink and
every half second). The bridge clocks the port even with no source connected, so silence
(hold) is recorded as silence and the duration is the call's.

"The mix" is what the call carries: the far end plus everything the bridge sends into the
call (the agent's microphone unless muted, a supervisor who barges, another call joined in),
read from the bridge itself, so links other modules make are recorded too.

Frames arrive on pjsua2's audio clock thread (the sound device's or the null device's), not
on the SIP thread; the port only copies them to the sink (``FrameSink.write`` must not
block). A mixin of SipThread: every method runs on the SIP thread only.
"""

from __future__ import annotations

import ctypes
import logging
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pjsua2 as pj

from agent_desktop.phone.calls import CallRecord
from agent_desktop.phone.errors import CallOperationFailed
from agent_desktop.phone.pj_config import pj_error_text
from agent_desktop.phone.recording_events import CallRecordingChanged, PlaybackEnded

log = logging.getLogger(__name__)

RATE = 16000  # pjsua's bridge clock rate (the port is resampled to it otherwise)
FRAME_USEC = 20000
FRAME_BYTES = RATE * FRAME_USEC // 1_000_000 * 2
SILENCE = bytes(FRAME_BYTES)
TONE_ANNOUNCEMENT = "tone"  # three short beeps instead of a spoken notice
_BEEPS = ((1400, 250, 250),) * 3  # Hz, on ms, off ms


class FrameSink(Protocol):
    """Receives 16 kHz mono 16-bit PCM, 20 ms per write, on the audio clock thread."""

    def write(self, pcm: bytes) -> None: ...
    def close(self) -> None: ...


# --- copying a frame out of pjsua2 ----------------------------------------------------------
# The SWIG ByteVector copies element by element through Python: 0.6-0.8 ms per 20 ms frame
# (measured here), with the bridge's mutex held. Its storage is a std::vector<uint8_t>
# whose first two words are its begin and end pointers; reading them with ctypes takes
# ~40 us. The fast path is checked against the slow one on the first audio frame and used
# only when they agree.
_fast_ok: bool | None = None


def _fast_bytes(buf: Any) -> bytes:
    words = ctypes.cast(int(buf.this), ctypes.POINTER(ctypes.c_void_p * 3)).contents
    begin, end = words[0] or 0, words[1] or 0
    return ctypes.string_at(begin, end - begin) if begin and end > begin else b""


def frame_bytes(buf: Any) -> bytes:
    global _fast_ok
    if _fast_ok:
        return _fast_bytes(buf)
    slow = bytes(buf)
    if _fast_ok is None and slow:
        try:
            _fast_ok = _fast_bytes(buf) == slow
        except (TypeError, ValueError, OSError):
            _fast_ok = False
        if not _fast_ok:
            log.warning("pjsua2 frames are copied the slow way (about 0.7 ms per frame)")
    return slow


# Our ports are never freed while the bridge runs. pjsua2 frees an AudioMediaPort at once,
# but pjmedia 2.15 takes it out of the bridge only on the next clock tick, so a tick already
# under way still delivers a frame to the freed port (seen here as an AttributeError from a
# half-destroyed RecordingPort; a crash as likely). A finished recording or playback hands its
# port back to an idle list and the next one reuses it; libDestroy takes the rest.


class RecordingPort(pj.AudioMediaPort):
    """Copies the frames the bridge sends it to ``sink`` while ``active``."""

    def __init__(self) -> None:
        super().__init__()
        self.sink: FrameSink | None = None
        self.frames = 0
        self.active = False  # frames are dropped until the notice has played

    def onFrameReceived(self, frame: Any) -> None:
        sink = self.sink  # read once: the SIP thread hands the port back between frames
        if not self.active or sink is None:
            return
        try:
            pcm = frame_bytes(frame.buf) if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO else b""
            self.frames += 1
            sink.write(pcm if len(pcm) == FRAME_BYTES else SILENCE)
        except Exception:
            log.exception("recording frame lost")


class PcmSource(pj.AudioMediaPort):
    """Plays PCM held in memory (a decrypted recording) into the bridge."""

    def __init__(self) -> None:
        super().__init__()
        self.pcm = b""
        self.offset = 0

    @property
    def finished(self) -> bool:
        return self.offset >= len(self.pcm)

    def onFrameRequested(self, frame: Any) -> None:
        try:
            chunk = self.pcm[self.offset:self.offset + FRAME_BYTES]
            self.offset += FRAME_BYTES
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(chunk.ljust(FRAME_BYTES, b"\0"))
            frame.size = FRAME_BYTES
        except Exception:
            log.exception("playback frame lost")


def _listeners(media: Any) -> list[int]:
    """The ports ``media`` transmits to. The ConfPortInfo must outlive the read: reading
    ``getPortInfo().listeners`` off the temporary returns freed memory (seen here)."""
    info = media.getPortInfo()
    return [int(i) for i in info.listeners]


def _port_format() -> Any:
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate, fmt.channelCount, fmt.bitsPerSample = RATE, 1, 16
    fmt.frameTimeUsec = FRAME_USEC
    return fmt


@dataclass
class CallRecording:
    call_id: str
    port: Any
    sink: FrameSink
    mix: bool
    started: float
    announcer: Any = None
    announce_until: float | None = None


@dataclass
class Playback:
    source: Any
    sink: Any


class RecordingMixin:
    _ep: Any
    _calls: dict[str, CallRecord]
    _recordings: dict[str, CallRecording]
    _playbacks: dict[str, Playback]
    _idle_ports: list[RecordingPort]
    _idle_sources: list[PcmSource]
    _ports_made: int
    clock: Any

    if TYPE_CHECKING:
        def _publish(self, event: object) -> None: ...
        def _record(self, call_id: str) -> CallRecord: ...
        def _speaker(self) -> Any: ...

    # --- recording ------------------------------------------------------------------------
    def start_recording(self, call_id: str, sink: FrameSink, mix: bool = True,
                        announcement: str | Path | None = None) -> None:
        """Record the call into ``sink`` (the mix, or with ``mix`` False only the far end);
        with ``announcement`` (a WAV or TONE_ANNOUNCEMENT) both sides hear it first."""
        rec = self._record(call_id)
        if call_id in self._recordings:
            raise CallOperationFailed("This call is already being recorded.", "")
        port = self._idle_ports.pop() if self._idle_ports else self._new_port(RecordingPort(), "rec")
        port.frames, port.sink = 0, sink
        job = CallRecording(call_id, port, sink, mix, self.clock())
        self._recordings[call_id] = job
        if announcement is not None:
            try:
                self._announce(rec, job, announcement)
            except (pj.Error, OSError, wave.Error, EOFError) as exc:
                self.stop_recording(call_id, "failed")
                raise CallOperationFailed("The recording notice could not be played, so the call "
                                          f"is not recorded ({type(exc).__name__}).",
                                          "Check recording.announcement_file in the policy.") from None
            self._publish(CallRecordingChanged(call_id, "announcing"))
            return
        self._begin(job)

    def _new_port(self, port: Any, kind: str) -> Any:
        self._ports_made += 1
        port.createPort(f"{kind}-{self._ports_made}", _port_format())
        return port

    def _begin(self, job: CallRecording) -> None:
        job.started = self.clock()
        self._rewire(job)
        job.port.active = True
        self._publish(CallRecordingChanged(job.call_id, "recording"))

    def _announce(self, rec: CallRecord, job: CallRecording, announcement: str | Path) -> None:
        aud = rec.pj_call.getAudioMedia(rec.audio_index)
        if str(announcement) == TONE_ANNOUNCEMENT:
            player = pj.ToneGenerator()
            player.createToneGenerator(RATE, 1)
            tones = pj.ToneDescVector()
            for freq, on, off in _BEEPS:
                d = pj.ToneDesc()
                d.freq1, d.freq2, d.on_msec, d.off_msec, d.volume = freq, 0, on, off, 0
                tones.append(d)
            player.play(tones, False)
            seconds = sum(on + off for _, on, off in _BEEPS) / 1000.0
        else:
            with wave.open(str(announcement), "rb") as w:
                seconds = w.getnframes() / float(w.getframerate())
            player = pj.AudioMediaPlayer()
            player.createPlayer(str(announcement), pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(aud)
        player.startTransmit(self._speaker())
        job.announcer = player
        job.announce_until = self.clock() + seconds

    def stop_recording(self, call_id: str, reason: str = "agent") -> None:
        job = self._recordings.pop(call_id, None)
        if job is None:
            return
        job.announcer = None
        for media in self._sources_now(job.port):
            try:
                media.stopTransmit(job.port)
            except pj.Error:
                pass  # the source left the bridge already
        seconds = 0.0 if job.announce_until is not None else self.clock() - job.started
        job.port.active = False
        job.port.sink = None  # no frame reaches the sink after this
        self._idle_ports.append(job.port)
        job.port = None
        job.sink.close()
        self._publish(CallRecordingChanged(call_id, "stopped", reason, round(seconds, 1)))

    def _stop_all_recordings(self, reason: str) -> None:
        for call_id in list(self._recordings):
            self.stop_recording(call_id, reason)
        for playback_id in list(self._playbacks):
            self.stop_playback(playback_id)

    def _tick_recordings(self) -> None:
        now = self.clock()
        for job in list(self._recordings.values()):
            if job.announce_until is not None:
                if now >= job.announce_until:
                    job.announcer, job.announce_until = None, None
                    self._begin(job)
            else:
                self._rewire(job)
        for playback_id, playback in list(self._playbacks.items()):
            if playback.source.finished:
                self.stop_playback(playback_id, completed=True)

    def _rewire_recordings(self) -> None:
        for job in self._recordings.values():
            if job.announce_until is None:
                self._rewire(job)

    def _rewire(self, job: CallRecording) -> None:
        """Make the bridge's links into the recording port match what the call carries."""
        try:
            rec = self._calls.get(job.call_id)
            want = self._call_mix(rec, job.mix) if rec is not None and not rec.ended else {}
            mine = job.port.getPortId()
            ports = {m.getPortId(): m for m in self._ep.mediaEnumPorts2()}
            for pid, media in ports.items():
                linked = mine in _listeners(media)
                if pid in want and not linked:
                    media.startTransmit(job.port)
                elif linked and pid not in want:
                    media.stopTransmit(job.port)
        except pj.Error as exc:
            log.warning("could not re-wire a recording (%s)", pj_error_text(exc))

    def _call_mix(self, rec: CallRecord, mix: bool) -> dict[int, Any]:
        """The call's bridge port and, for the mix, every port transmitting into it."""
        if rec.audio_index < 0:
            return {}
        try:
            call_port = rec.pj_call.getAudioMedia(rec.audio_index)
        except pj.Error:
            return {}  # no stream right now (a re-INVITE in flight): silence until it is back
        cid = call_port.getPortId()
        want = {cid: call_port}
        if mix:
            ours = {j.port.getPortId() for j in self._recordings.values() if j.port is not None}
            for media in self._ep.mediaEnumPorts2():
                pid = media.getPortId()
                if pid not in ours and cid in _listeners(media):
                    want[pid] = media
        return want

    def _sources_now(self, port: Any) -> list[Any]:
        try:
            mine = port.getPortId()
            return [m for m in self._ep.mediaEnumPorts2() if mine in _listeners(m)]
        except pj.Error:
            return []

    # --- playback on the agent's device ------------------------------------------------------
    def play_pcm(self, pcm: bytes) -> str:
        """Play 16 kHz PCM from memory on the playback device; a PlaybackEnded follows."""
        source = self._idle_sources.pop() if self._idle_sources else self._new_port(PcmSource(), "play")
        source.offset, source.pcm = 0, pcm
        sink = self._speaker()
        source.startTransmit(sink)
        playback_id = uuid.uuid4().hex[:16]
        self._playbacks[playback_id] = Playback(source, sink)
        return playback_id

    def stop_playback(self, playback_id: str, completed: bool = False) -> None:
        playback = self._playbacks.pop(playback_id, None)
        if playback is None:
            return
        try:
            playback.source.stopTransmit(playback.sink)
        except pj.Error:
            pass  # the device changed under it: the port is no longer connected anyway
        playback.source.pcm = b""
        self._idle_sources.append(playback.source)
        self._publish(PlaybackEnded(playback_id, completed))
