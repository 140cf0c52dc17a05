"""The encrypted writer the phone feeds: PCM frames in (from pjsua2's audio clock thread),
encrypted one-second chunks out to disk (on the writer's own thread).

:meth:`EncryptedWriter.write` only appends to a queue, so the audio clock never waits on
the disk or the cipher; plaintext exists only in that queue and in the chunk being sealed.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from agent_desktop.recordings.cipher import Sealer

log = logging.getLogger(__name__)
CHUNK_SECONDS = 1.0
_STOP = b""


@dataclass(frozen=True)
class WriterResult:
    recording_id: str
    samples: int
    rate: int
    error: str = ""  # a disk problem ("" when the file is complete)

    @property
    def seconds(self) -> float:
        return self.samples / self.rate if self.rate else 0.0


class EncryptedWriter:
    """One recording file; a FrameSink for :meth:`Phone.start_recording`."""

    def __init__(self, path: Path, recording_id: str, recipient: X25519PublicKey,
                 meta: dict[str, object], rate: int = 16000) -> None:
        self.path = path
        self.recording_id = recording_id
        self.rate = rate
        self.done: Future[WriterResult] = Future()
        self._sealer = Sealer.new(recording_id.encode("ascii"), recipient)
        self._queue: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._chunk_bytes = int(rate * CHUNK_SECONDS) * 2
        self._closed = False
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        self._fh = os.fdopen(fd, "wb", buffering=0)
        self._fh.write(self._sealer.header)
        self._fh.write(self._sealer.seal(0, json.dumps({**meta, "rate": rate}).encode(), False))
        self._thread = threading.Thread(target=self._run, name=f"rec-{recording_id[:8]}",
                                        daemon=True)
        self._thread.start()

    # --- the audio clock thread ------------------------------------------------------------
    def write(self, pcm: bytes) -> None:
        if pcm:
            self._queue.put(pcm)

    def close(self) -> None:
        """Finish the file (last chunk, fsync) on the writer thread; see :attr:`done`."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)

    # --- the writer thread -----------------------------------------------------------------
    def _run(self) -> None:
        index, samples, pending, error = 1, 0, bytearray(), ""
        try:
            while True:
                pcm = self._queue.get()
                if pcm is _STOP or pcm == _STOP:
                    break
                pending += pcm
                samples += len(pcm) // 2
                while len(pending) >= self._chunk_bytes:
                    self._fh.write(self._sealer.seal(index, bytes(pending[:self._chunk_bytes]), False))
                    del pending[:self._chunk_bytes]
                    index += 1
            self._fh.write(self._sealer.seal(index, bytes(pending), True))
            os.fsync(self._fh.fileno())
        except OSError as err:
            error = err.strerror or type(err).__name__
            log.error("recording %s could not be written (%s)", self.recording_id[:8], error)
        finally:
            pending[:] = b"\0" * len(pending)
            self._fh.close()
        self.done.set_result(WriterResult(self.recording_id, samples, self.rate, error))
