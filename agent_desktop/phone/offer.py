"""What the phone can serve in an incoming SDP offer, decided before anything rings.

pjsua matches media profiles loosely (``UDP/TLS/RTP/SAVP``, DTLS-SRTP, contains
``RTP/SAVP``) and a 180 sent on a call whose DTLS media failed to initialise crashes pjsua
2.15.1, so the engine reads the offer itself and refuses with 488 what it cannot serve:
SDES-SRTP audio (``RTP/SAVP`` or ``RTP/SAVPF`` with ``a=crypto``) is the only thing it speaks
when SRTP is required. The verdict is a code and a reason word (``events.REFUSAL_REASONS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SDES_PROFILES = ("RTP/SAVP", "RTP/SAVPF")
PLAIN_PROFILES = ("RTP/AVP", "RTP/AVPF")
NOT_ACCEPTABLE = 488


@dataclass
class MediaSection:
    media: str
    port: int
    proto: str
    attributes: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.port != 0

    @property
    def has_crypto(self) -> bool:
        return any(a.lower().startswith("crypto:") for a in self.attributes)


class MalformedSdp(ValueError):
    pass


def sdp_body(message: str) -> str:
    """The body of a whole SIP message ('' when it has none)."""
    for sep in ("\r\n\r\n", "\n\n"):
        if sep in message:
            return message.split(sep, 1)[1]
    return ""


def parse_media(sdp: str) -> list[MediaSection]:
    """The m= sections of an SDP body; raises MalformedSdp when it is not SDP."""
    lines = [ln.strip() for ln in sdp.replace("\r\n", "\n").split("\n") if ln.strip()]
    if not lines or lines[0] != "v=0":
        raise MalformedSdp("no v=0 line")
    sections: list[MediaSection] = []
    for line in lines:
        if len(line) < 2 or line[1] != "=":
            raise MalformedSdp("a line is not type=value")
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            if len(parts) < 4:
                raise MalformedSdp("short m= line")
            try:
                port = int(parts[1].split("/")[0])
            except ValueError:
                raise MalformedSdp("m= port is not a number") from None
            sections.append(MediaSection(parts[0].lower(), port, parts[2].upper()))
        elif kind == "a" and sections:
            sections[-1].attributes.append(value)
    return sections


def judge_offer(message: str, srtp_required: bool) -> tuple[int, str] | None:
    """None when the phone can serve this INVITE's offer, else (SIP code, reason word).

    An INVITE without a body is served (the phone makes the offer itself, with SRTP).
    Only the first active audio stream is used; other streams are declined in the answer.
    """
    body = sdp_body(message)
    if not body.strip():
        return None
    try:
        sections = parse_media(body)
    except MalformedSdp:
        return 400, "malformed_sdp"
    audio = [s for s in sections if s.media == "audio" and s.active]
    if not audio:
        return NOT_ACCEPTABLE, "no_audio"
    first = audio[0]
    if first.proto.startswith("UDP/TLS/"):
        return NOT_ACCEPTABLE, "dtls_srtp"
    if first.proto in SDES_PROFILES:
        return None if first.has_crypto else (NOT_ACCEPTABLE, "no_srtp")
    if first.proto in PLAIN_PROFILES:
        return (NOT_ACCEPTABLE, "no_srtp") if srtp_required else None
    return NOT_ACCEPTABLE, "not_acceptable"


def only_dtls_audio(message: str) -> bool:
    """Whether every active audio stream of this INVITE's offer is DTLS-SRTP."""
    try:
        sections = parse_media(sdp_body(message))
    except MalformedSdp:
        return False
    audio = [s for s in sections if s.media == "audio" and s.active]
    return bool(audio) and all(s.proto.startswith("UDP/TLS/") for s in audio)
