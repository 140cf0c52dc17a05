"""pjsua2 configuration objects built from PhoneConfig, each field read back after setting.

The SWIG proxy accepts any attribute name silently (``caListFile`` instead of
``CaListFile``, ``SockOpt.optVal`` which does not exist): every value the engine depends on
is read back and a mismatch raises PhoneConfigError instead of running insecurely.
"""

from __future__ import annotations

import logging
from typing import Any

import pjsua2 as pj

from agent_desktop.phone.config import PhoneConfig
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.errors import PhoneConfigError

log = logging.getLogger(__name__)

TCP_NODELAY = (6, 1)  # IPPROTO_TCP, TCP_NODELAY


def pj_error_text(exc: Exception) -> str:
    """The pjsua2 error title without the arguments (which may hold a URI)."""
    if isinstance(exc, pj.Error):
        return f"{exc.title or 'pjsua2'}: {exc.reason}".split(" [")[0][:160]
    return type(exc).__name__


def expect_applied(values: dict[str, tuple[Any, Any]]) -> None:
    """Fail loudly when a pjsua2 setting did not take effect (SWIG ignores misspellings)."""
    wrong = [name for name, (got, want) in values.items() if got != want]
    if wrong:
        raise PhoneConfigError(
            "These pjsua2 settings did not take effect: " + ", ".join(sorted(wrong)) + ".",
            "Report this: the pjsua2 binding does not match what the phone expects.")


def transport_config(cfg: PhoneConfig) -> tuple[int, Any]:
    """The SIP transport: TLS 1.2+, server verification, CA bundle, client cert, NODELAY."""
    tcfg = pj.TransportConfig()
    tcfg.port = cfg.port
    tcfg.boundAddress = cfg.bind_address
    tcfg.publicAddress = cfg.advertised_address
    expected: dict[str, tuple[Any, Any]] = {
        "port": (tcfg.port, cfg.port), "boundAddress": (tcfg.boundAddress, cfg.bind_address),
        "publicAddress": (tcfg.publicAddress, cfg.advertised_address),
    }
    if cfg.transport != "tls":
        log.warning("policy allows a %s transport: signalling is NOT encrypted (lab use only)",
                    cfg.transport)
        kind = pj.PJSIP_TRANSPORT_UDP if cfg.transport == "udp" else pj.PJSIP_TRANSPORT_TCP
        expect_applied(expected)
        return kind, tcfg
    tls = tcfg.tlsConfig
    tls.CaListFile = cfg.ca_file
    tls.verifyServer = True
    tls.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
    if cfg.client_cert:
        tls.certFile = cfg.client_cert
        tls.privKeyFile = cfg.client_key
    opts = pj.SockOptParams()
    opt = pj.SockOpt()
    opt.level, opt.optName = TCP_NODELAY
    # SockOpt has no optVal attribute in this binding (assigning one is silently ignored,
    # and pjlib then calls setsockopt with a NULL value): setOptValInt is the only way
    opt.setOptValInt(1)
    opts.sockOpts.append(opt)
    tls.sockOptParams = opts
    tls = tcfg.tlsConfig  # read back through a fresh proxy, as pjsua2 will
    expected.update({
        "tlsConfig.CaListFile": (tls.CaListFile, cfg.ca_file),
        "tlsConfig.verifyServer": (bool(tls.verifyServer), True),
        "tlsConfig.proto": (tls.proto, pj.PJ_SSL_SOCK_PROTO_TLS1_2),
        "tlsConfig.certFile": (tls.certFile, cfg.client_cert),
        "tlsConfig.privKeyFile": (tls.privKeyFile, cfg.client_key),
        "tlsConfig.sockOptParams(TCP_NODELAY)": (
            [(o.level, o.optName) for o in tls.sockOptParams.sockOpts], [TCP_NODELAY]),
    })
    expect_applied(expected)
    return pj.PJSIP_TRANSPORT_TLS, tcfg


def account_config(cfg: PhoneConfig, creds: SipCredentials, transport_id: int,
                   sips: bool = False) -> Any:
    """The account: registrar, digest credentials, mandatory SRTP, explicit media address.

    pjsua makes every Contact ``sips:`` when the identity is ``sips:``, and a ``sips:``
    Contact registered at the registrar turns every call to it into a ``sips:`` request that
    pjsip answers 480 "SIPS Required" unless the caller's Contact is ``sips:`` too. So the
    registered identity is ``sip:`` (its Contact ``sip:...;transport=tls``), and ``sips=True``
    builds a twin that never registers, used for the dialogs that are ``sips:`` end to end.
    """
    acfg = pj.AccountConfig()
    scheme = "sips" if sips and cfg.transport == "tls" else "sip"
    acfg.idUri = f"{scheme}:{creds.user}@{cfg.sip_domain}"
    reg = acfg.regConfig
    reg.registrarUri = "" if sips else cfg.registrar
    reg.registerOnAdd = not sips
    reg.timeoutSec = cfg.register_expires_seconds
    reg.retryIntervalSec = 0  # the engine retries itself, with backoff (see RegistrationMixin)
    reg.dropCallsOnFail = False  # calls keep their media while the registrar is away
    if cfg.outbound_proxy:
        acfg.sipConfig.proxies.append(cfg.outbound_proxy)
    acfg.sipConfig.transportId = transport_id
    acfg.sipConfig.authCreds.append(
        pj.AuthCredInfo("digest", "*", creds.auth_user or creds.user, 0, creds.password))
    med = acfg.mediaConfig
    if cfg.srtp_required:
        med.srtpUse = pj.PJMEDIA_SRTP_MANDATORY
        med.srtpSecureSignaling = 1 if cfg.transport == "tls" else 0
    else:
        log.warning("policy does not require SRTP: calls may carry unencrypted audio")
        med.srtpUse = pj.PJMEDIA_SRTP_OPTIONAL
        med.srtpSecureSignaling = 0
    med.transportConfig.boundAddress = cfg.bind_address
    med.transportConfig.publicAddress = cfg.advertised_address
    expected = {
        "idUri": (acfg.idUri, f"{scheme}:{creds.user}@{cfg.sip_domain}"),
        "regConfig.registrarUri": (reg.registrarUri, "" if sips else cfg.registrar),
        "regConfig.registerOnAdd": (bool(reg.registerOnAdd), not sips),
        "regConfig.retryIntervalSec": (reg.retryIntervalSec, 0),
        "regConfig.dropCallsOnFail": (bool(reg.dropCallsOnFail), False),
        "sipConfig.transportId": (acfg.sipConfig.transportId, transport_id),
        "mediaConfig.srtpUse": (med.srtpUse, pj.PJMEDIA_SRTP_MANDATORY if cfg.srtp_required
                                else pj.PJMEDIA_SRTP_OPTIONAL),
        "mediaConfig.srtpSecureSignaling": (
            med.srtpSecureSignaling, 1 if cfg.srtp_required and cfg.transport == "tls" else 0),
        "mediaConfig.transportConfig.boundAddress": (med.transportConfig.boundAddress,
                                                     cfg.bind_address),
        "sipConfig.authCreds": (len(acfg.sipConfig.authCreds), 1),
    }
    expect_applied(expected)
    return acfg
