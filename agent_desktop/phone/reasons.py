"""Registration and TLS failures in plain words (never with a SIP user part)."""

from __future__ import annotations

# pj_ssl_cert_verify_flag_t bits (pj/ssl_sock.h); kept here so unit tests need no pjsua2.
CERT_EISSUER_NOT_FOUND = 1 << 0
CERT_EUNTRUSTED = 1 << 1
CERT_EVALIDITY_PERIOD = 1 << 2
CERT_EINVALID_FORMAT = 1 << 3
CERT_EINVALID_PURPOSE = 1 << 4
CERT_EISSUER_MISMATCH = 1 << 5
CERT_ECRL_FAILURE = 1 << 6
CERT_EREVOKED = 1 << 7
CERT_ECHAIN_TOO_LONG = 1 << 8
CERT_EWEAK_SIGNATURE = 1 << 9
CERT_EIDENTITY_NOT_MATCH = 1 << 30

UNTRUSTED = "certificate untrusted: the registrar's certificate is not signed by the configured CA"
CLOSED_IN_HANDSHAKE = ("the registrar closed the TLS connection: it may require a client "
                       "certificate (sip.client_cert) or refuse this TLS version")
HOSTNAME_MISMATCH = "hostname mismatch: the registrar's certificate is for a different name"


def tls_verify_problem(status: int) -> str:
    """Plain words for a pj_ssl_cert_verify_flag_t bit set ('' when it verified)."""
    if not status:
        return ""
    if status & CERT_EIDENTITY_NOT_MATCH:
        return HOSTNAME_MISMATCH
    if status & (CERT_EUNTRUSTED | CERT_EISSUER_NOT_FOUND | CERT_EISSUER_MISMATCH):
        return UNTRUSTED
    if status & CERT_EVALIDITY_PERIOD:
        return "certificate expired or not yet valid: check the registrar's certificate dates and this computer's clock"
    if status & CERT_EREVOKED:
        return "certificate revoked: the registrar's certificate was revoked"
    if status & CERT_EWEAK_SIGNATURE:
        return "certificate uses a weak signature algorithm"
    return "certificate could not be verified"


def registration_reason(code: int, reason: str, tls_problem: str = "") -> str:
    """Plain words for the outcome of a REGISTER; ``tls_problem`` wins when set."""
    if code // 100 == 2:
        return "registered"
    if tls_problem:
        return tls_problem
    low = reason.lower()
    if "certificate" in low or "ssl" in low:
        return UNTRUSTED if "verif" in low else "TLS handshake failed: " + _scrub(reason)
    if "end of file" in low or "eof" in low or "reset by peer" in low:
        return CLOSED_IN_HANDSHAKE
    if code in (401, 407):
        return "wrong SIP user name or password (401/407 from the registrar)"
    if code == 403:
        return "the registrar refused this account (403 Forbidden)"
    if code == 404:
        return "the registrar does not know this account (404)"
    if code == 408 or "timeout" in low or "timed out" in low:
        return "timeout: the registrar did not answer"
    if code in (502, 503) or "refused" in low or "unreachable" in low:
        return "cannot reach the registrar (connection failed)"
    return f"registration failed ({code} {_scrub(reason)})"


def _scrub(text: str) -> str:
    # pjsua reasons are fixed phrases; keep them short and strip anything URI-like anyway.
    from agent_desktop.logs import redact

    return redact(text)[:80]
