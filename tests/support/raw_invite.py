"""A minimal SIP caller over TLS that sends INVITEs with any SDP (or none), for offers no
real client makes on purpose: DTLS-SRTP, no audio, two audio streams, malformed SDP.

It authenticates to Kamailio with digest, reports the first ringing or final response,
CANCELs a call that rings and ACKs every final response. No media is ever sent.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

SAVP_OFFER = """v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio {port} {proto} 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
{extra}a=sendrecv
"""
CRYPTO = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\n"
FINGERPRINT = ("a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\na=setup:actpass\n")


def offer(proto: str, extra: str = "", port: int = 40000) -> str:
    return SAVP_OFFER.format(port=port, proto=proto, extra=extra)


OFFERS = {
    "RTP/AVP": offer("RTP/AVP"),
    "RTP/SAVP": offer("RTP/SAVP", CRYPTO),
    "RTP/SAVPF": offer("RTP/SAVPF", CRYPTO),
    "UDP/TLS/RTP/SAVP": offer("UDP/TLS/RTP/SAVP", FINGERPRINT),
    "UDP/TLS/RTP/SAVPF": offer("UDP/TLS/RTP/SAVPF", FINGERPRINT),
    "no audio": offer("RTP/SAVP", CRYPTO).split("m=audio", 1)[0]
    + f"m=video 40000 RTP/SAVP 96\na=rtpmap:96 H264/90000\n{CRYPTO}",
    "two audio streams": offer("RTP/SAVP", CRYPTO) + offer("RTP/SAVP", CRYPTO, 40002).split(
        "t=0 0\n", 1)[1],
    "malformed SDP": "v=0\nthis is not sdp\nm=audio forty RTP/SAVP 0\n",
}


@dataclass
class Outcome:
    code: int  # 180/183 (it rang) or the final status
    reason: str


class RawCaller:
    def __init__(self, host: str, port: int, ca: Path, user: str, password: str) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        ctx = ssl.create_default_context(cafile=str(ca))
        raw = socket.create_connection((host, port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        self.local_port = self.sock.getsockname()[1]
        self._buf = b""

    def close(self) -> None:
        self.sock.close()

    def _read(self, timeout: float) -> tuple[int, str, dict[str, str], str]:
        self.sock.settimeout(timeout)
        while True:
            head_end = self._buf.find(b"\r\n\r\n")
            if head_end >= 0:
                head = self._buf[:head_end].decode(errors="replace")
                m = re.search(r"^(?:content-length|l):\s*(\d+)", head, re.I | re.M)
                length = int(m.group(1)) if m else 0
                total = head_end + 4 + length
                if len(self._buf) >= total:
                    self._buf = self._buf[total:]
                    if not head.startswith("SIP/2.0"):
                        continue  # a request (none expected): ignore
                    first, *lines = head.split("\r\n")
                    headers: dict[str, str] = {}
                    for ln in lines:
                        name, _, value = ln.partition(":")
                        headers.setdefault(name.strip().lower(), value.strip())
                    parts = first.split(" ", 2)
                    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers, head
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the proxy closed the connection")
            self._buf += chunk

    def _send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def _request(self, method: str, uri: str, branch: str, call_id: str, tag: str, cseq: int,
                 to: str, body: str = "", extra: str = "") -> None:
        body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        self._send(
            f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/TLS 127.0.0.1:{self.local_port};branch=z9hG4bK{branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{self.user}@{self.host}:{self.port}>;tag={tag}\r\n"
            f"To: {to}\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{self.user}@127.0.0.1:{self.local_port};transport=tls>\r\n"
            f"{extra}{ctype}Content-Length: {len(body.encode())}\r\n\r\n{body}")

    def _auth(self, header: str, method: str, uri: str) -> str:
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        realm, nonce = fields["realm"], fields["nonce"]
        ha1 = hashlib.md5(f"{self.user}:{realm}:{self.password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
        if "qop" in fields:
            cnonce = secrets.token_hex(8)
            resp = hashlib.md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
            return (f'Proxy-Authorization: Digest username="{self.user}", realm="{realm}", '
                    f'nonce="{nonce}", uri="{uri}", response="{resp}", algorithm=MD5, '
                    f'qop=auth, nc=00000001, cnonce="{cnonce}"\r\n')
        resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        return (f'Proxy-Authorization: Digest username="{self.user}", realm="{realm}", '
                f'nonce="{nonce}", uri="{uri}", response="{resp}", algorithm=MD5\r\n')

    def invite(self, uri: str, sdp: str | None, timeout: float = 15.0) -> Outcome:
        """Send an INVITE; the first 180/183 or final response decides the outcome."""
        call_id, tag = secrets.token_hex(12), secrets.token_hex(4)
        to, cseq, auth = f"<{uri}>", 1, ""
        while True:
            branch = secrets.token_hex(8)
            self._request("INVITE", uri, branch, call_id, tag, cseq, to, sdp or "", auth)
            while True:
                code, reason, headers, _ = self._read(timeout)
                if code in (100, 181, 182):
                    continue
                break
            if code in (180, 183):
                self._cancel(uri, branch, call_id, tag, cseq, to, auth, timeout)
                return Outcome(code, reason)
            self._request("ACK", uri, branch, call_id, tag, cseq, headers.get("to", to))
            if code == 407 and not auth:
                auth = self._auth(headers["proxy-authenticate"], "INVITE", uri)
                cseq += 1
                continue
            return Outcome(code, reason)

    def _cancel(self, uri: str, branch: str, call_id: str, tag: str, cseq: int, to: str,
                auth: str, timeout: float) -> None:
        self._request("CANCEL", uri, branch, call_id, tag, cseq, to, extra=auth)
        while True:
            code, _, headers, _ = self._read(timeout)
            if code >= 200 and "INVITE" in headers.get("cseq", ""):
                self._request("ACK", uri, branch, call_id, tag, cseq, headers.get("to", to))
                return
