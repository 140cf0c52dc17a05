"""The recording file format: audio is encrypted as it is captured, never written plain.

A file is a fixed header then chunks::

    header  MAGIC (8) | recording id (16) | ephemeral X25519 public key (32)
            | nonce (12) | file key wrapped with AES-256-GCM (32 + 16)
    chunk   length (4, big-endian) | AES-256-GCM ciphertext of the chunk (nonce = index)

The file key is random per recording and wrapped to the vault's recording public key
(X25519 + HKDF-SHA256, ECIES): the recorder holds only the public key, so a running or
crashed recorder can decrypt nothing, and only an unlocked vault (which holds the private
key) can. Chunk ``i`` is authenticated with the header, its index and a last-chunk flag
(the STREAM construction), so chunks cannot be reordered, dropped or appended unnoticed.
Chunk 0 holds the metadata (JSON), the rest 16-bit little-endian mono PCM.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from agent_desktop.errors import AgentDesktopError

MAGIC = b"ADREC\x00\x01\n"  # never "RIFF": nothing on disk looks like (or is) a WAV
ID_BYTES = 16
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + ID_BYTES + KEY_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES
WRAP_INFO = b"agent-desktop recording file key v1"
MAX_CHUNK = 1 << 24
_LEN = struct.Struct(">I")


class RecordingUnreadable(AgentDesktopError):
    def __init__(self, why: str) -> None:
        super().__init__(f"The recording cannot be decrypted: {why}.",
                         "It was damaged or belongs to another vault; ask IT before deleting it.")


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _kek(shared: bytes, eph_public: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=eph_public + recipient,
                info=WRAP_INFO).derive(shared)


def _nonce(index: int) -> bytes:
    return b"\0\0\0\0" + index.to_bytes(8, "big")


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\1" if last else b"\0")


@dataclass(frozen=True)
class Sealer:
    """Encrypts one recording's chunks in order (the file key lives only in this object)."""

    header: bytes
    _aead: AESGCM

    @classmethod
    def new(cls, recording_id: bytes, recipient: X25519PublicKey) -> Sealer:
        file_key = AESGCM.generate_key(bit_length=256)
        eph = X25519PrivateKey.generate()
        eph_pub = raw_public(eph.public_key())
        kek = _kek(eph.exchange(recipient), eph_pub, raw_public(recipient))
        nonce = os.urandom(NONCE_BYTES)
        prefix = MAGIC + recording_id + eph_pub + nonce
        wrapped = AESGCM(kek).encrypt(nonce, file_key, prefix)
        return cls(prefix + wrapped, AESGCM(file_key))

    def seal(self, index: int, plain: bytes, last: bool) -> bytes:
        body = self._aead.encrypt(_nonce(index), plain, _aad(self.header, index, last))
        return _LEN.pack(len(body)) + body


def parse_header(header: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(recording id, ephemeral public key, nonce, wrapped key); raises on a foreign file."""
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise RecordingUnreadable("it is not an Agent Desktop recording")
    at = len(MAGIC)
    rid, at = header[at:at + ID_BYTES], at + ID_BYTES
    eph, at = header[at:at + KEY_BYTES], at + KEY_BYTES
    nonce, at = header[at:at + NONCE_BYTES], at + NONCE_BYTES
    return rid, eph, nonce, header[at:]


def open_file_key(header: bytes, private: X25519PrivateKey) -> AESGCM:
    _, eph, nonce, wrapped = parse_header(header)
    kek = _kek(private.exchange(X25519PublicKey.from_public_bytes(eph)), eph,
               raw_public(private.public_key()))
    try:
        return AESGCM(AESGCM(kek).decrypt(nonce, wrapped, header[:HEADER_BYTES - len(wrapped)]))
    except InvalidTag as err:
        raise RecordingUnreadable("the vault's recording key does not open it") from err


@dataclass(frozen=True)
class Opened:
    meta: dict[str, Any]
    pcm: bytes
    complete: bool  # the last chunk was written (False: the writer stopped mid-way)


def read_chunks(fh: BinaryIO) -> Iterator[bytes]:
    while True:
        head = fh.read(_LEN.size)
        if len(head) < _LEN.size:
            return
        (n,) = _LEN.unpack(head)
        body = fh.read(n)
        if n > MAX_CHUNK or len(body) < n:
            return  # a torn tail after a crash: what came before still reads
        yield body


def open_recording(fh: BinaryIO, private: X25519PrivateKey) -> Opened:
    """Decrypt a whole recording into memory (never to disk)."""
    header = fh.read(HEADER_BYTES)
    aead = open_file_key(header, private)
    meta: dict[str, Any] = {}
    parts: list[bytes] = []
    complete = False
    for index, body in enumerate(read_chunks(fh)):
        if complete:
            raise RecordingUnreadable("data follows its last chunk")
        plain = None
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(index), body, _aad(header, index, last))
            except InvalidTag:
                continue
            complete = last
            break
        if plain is None:
            raise RecordingUnreadable(f"chunk {index} was altered")
        if index == 0:
            meta = json.loads(plain)
        else:
            parts.append(plain)
    return Opened(meta, b"".join(parts), complete)


def read_meta(fh: BinaryIO, private: X25519PrivateKey) -> dict[str, Any]:
    header = fh.read(HEADER_BYTES)
    aead = open_file_key(header, private)
    for body in read_chunks(fh):
        for last in (False, True):
            try:
                return dict(json.loads(aead.decrypt(_nonce(0), body, _aad(header, 0, last))))
            except InvalidTag:
                continue
        break
    raise RecordingUnreadable("its first chunk is missing or altered")
