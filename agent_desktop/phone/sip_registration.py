"""Registration on the SIP thread: REGISTER, TLS transport state, plain-words failures,
and the engine's own re-registration with backoff (pjsua's retry is switched off).

A mixin of SipThread: every method runs on the SIP thread only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

from agent_desktop.phone import events as ev
from agent_desktop.phone.backoff import Backoff
from agent_desktop.phone.credentials import SipCredentials
from agent_desktop.phone.errors import NotRegistered, PhoneConfigError
from agent_desktop.phone.pj_config import pj_error_text
from agent_desktop.phone.reasons import registration_reason, tls_verify_problem
from agent_desktop.phone.sip_objects import SipAccount

log = logging.getLogger(__name__)


def registered_contact(response: str, identity: str) -> str:
    """Our binding's URI in a REGISTER 200 (``sip:user@host:port;...``), '' when absent."""
    user = identity.split(":", 1)[1].split("@", 1)[0]
    head = re.split(r"\r?\n\r?\n", response, maxsplit=1)[0]
    for m in re.finditer(r"^(?:contact|m)[ \t]*:(.*)$", head, re.I | re.M):
        for uri in re.findall(r"<(sips?:[^>]+)>", m.group(1)):
            if uri.lower().startswith(f"sip:{user.lower()}@"):
                return str(uri)
    return ""


def _tls_protocol(proto: int) -> str:
    names = {getattr(pj, f"PJ_SSL_SOCK_PROTO_{n}", -1): n.replace("_", ".").replace("TLS1", "TLS 1")
             for n in ("TLS1", "TLS1_1", "TLS1_2", "TLS1_3")}
    return names.get(int(proto), f"0x{int(proto):x}")


class RegistrationMixin:
    _acc: Any
    _reg_waiters: list[Future[ev.RegistrationChanged]]
    _unreg_waiters: list[Future[ev.RegistrationChanged]]
    _tls_problem: str
    _tls_up: bool
    _want_registered: bool
    _retry_at: float | None
    _backoff: Backoff
    _snap_lock: threading.Lock
    _registration: ev.RegistrationChanged
    clock: Callable[[], float]

    _acc_sips: Any
    _acc_refuse: Any
    _twin_cfg: Any
    _twin_contact: str

    if TYPE_CHECKING:
        def _publish(self, event: object) -> None: ...
        def _account_config(self, creds: SipCredentials, sips: bool = False) -> Any: ...
        @property
        def _tls(self) -> bool: ...

    def register(self, creds: SipCredentials) -> Future[ev.RegistrationChanged]:
        acfg = self._account_config(creds)
        twin = self._account_config(creds, sips=True) if self._tls else None
        self._twin_cfg, self._twin_contact = twin, ""
        waiter: Future[ev.RegistrationChanged] = Future()
        self._reg_waiters.append(waiter)
        if self._acc is None:
            if twin is not None:  # created first: the registered account stays the default
                sips_acc = SipAccount(self)  # type: ignore[arg-type] # always a SipThread
                sips_acc.create(twin, False)
                self._acc_sips = sips_acc
                self._acc_refuse = self._refusing_account(creds)
            acc = SipAccount(self)  # type: ignore[arg-type] # the mixin is always a SipThread
            acc.create(acfg, True)
            self._acc = acc
        else:
            if twin is not None and self._acc_sips is not None:
                self._acc_sips.modify(twin)
            self._acc.modify(acfg)
            self._acc.setRegistration(True)
        self._want_registered = True
        self._retry_at = None
        self._backoff.reset()
        self._set_registration(ev.RegistrationChanged("registering", 0, "registering"))
        return waiter

    def _refusing_account(self, creds: SipCredentials) -> Any:
        """An account that pjsua makes answer 488 to a DTLS-SRTP offer before it creates
        any media transport: with SRTP disabled, pjsua scores every ``.../RTP/SAVP[F]``
        stream unusable and refuses an offer that has no other audio. Offers whose audio is
        all DTLS-SRTP are handed to it (``on_select_account``); on the other accounts pjsua
        would try their media, fail, and answer 480 itself. A call it somehow lets through
        is refused by ``on_incoming_call`` like any offer the phone cannot serve."""
        cfg = self._account_config(creds, sips=True)
        cfg.mediaConfig.srtpUse = pj.PJMEDIA_SRTP_DISABLED
        cfg.mediaConfig.srtpSecureSignaling = 0
        if cfg.mediaConfig.srtpUse != pj.PJMEDIA_SRTP_DISABLED:
            raise PhoneConfigError("The refusing account's SRTP setting did not take effect.",
                                   "Report this: the pjsua2 binding does not match the phone.")
        acc = SipAccount(self)  # type: ignore[arg-type] # the mixin is always a SipThread
        acc.create(cfg, False)
        return acc

    def unregister(self) -> Future[ev.RegistrationChanged]:
        if self._acc is None:
            raise NotRegistered()
        waiter: Future[ev.RegistrationChanged] = Future()
        self._unreg_waiters.append(waiter)
        self._want_registered = False
        self._retry_at = None
        self._acc.setRegistration(False)
        return waiter

    def on_transport_state(self, prm: Any) -> None:
        info = prm.tlsInfo
        problem = tls_verify_problem(int(info.verifyStatus)) if not info.isEmpty() else ""
        if prm.state == pj.PJSIP_TP_STATE_CONNECTED:
            self._tls_problem = ""
            self._tls_up = True
            self._publish(ev.TransportSecurity(True, _tls_protocol(info.protocol), str(info.cipherName)))
        elif prm.state == pj.PJSIP_TP_STATE_DISCONNECTED:
            self._tls_up = False
            if problem:
                self._tls_problem = problem
            self._publish(ev.TransportSecurity(False, verify_problem=problem))
            if self._want_registered and self._registration.state == "registered":
                # the registrar went away under a good registration: pjsua will not notice
                # until the next refresh, so re-register now (with backoff while it is down)
                self._schedule_retry()

    def on_reg_state(self, acc: Any, prm: Any) -> None:
        info = acc.getInfo()
        code = int(prm.code)
        if code // 100 == 2 and info.regIsActive:
            event = ev.RegistrationChanged("registered", code, "registered", int(info.regExpiresSec))
            self._sync_twin_contact(str(prm.rdata.wholeMsg))
            self._tls_problem = ""
            self._backoff.reset()
            self._retry_at = None
        elif code // 100 == 2:
            event = ev.RegistrationChanged("unregistered", code, "unregistered")
        else:
            reason = registration_reason(code, str(prm.reason), self._tls_problem)
            event = ev.RegistrationChanged("failed", code, reason)
            log.warning("registration failed: %s", reason)
            if self._want_registered:
                self._schedule_retry()
        self._set_registration(event)
        waiters = self._unreg_waiters if event.state == "unregistered" else self._reg_waiters
        if event.state == "failed":
            waiters = self._reg_waiters + self._unreg_waiters
            self._unreg_waiters = []
        for w in waiters:
            if not w.done():
                w.set_result(event)
        waiters.clear()

    def _sync_twin_contact(self, response: str) -> None:
        """Give the sips: twin the Contact the registrar just bound for us, as sips:.

        The registrar reaches this phone only over the TLS connection the phone opened (it
        has no server certificate), and only the registered Contact names that connection;
        the twin's own would name the listening port. The connection, and so the Contact,
        changes when the registrar is reconnected, hence on every successful REGISTER."""
        if self._acc_sips is None or self._twin_cfg is None:
            return
        ours = registered_contact(response, self._twin_cfg.idUri)
        if not ours or ours == self._twin_contact:
            return
        self._twin_contact = ours
        self._twin_cfg.sipConfig.contactForced = "<sips:" + ours.split(":", 1)[1] + ">"
        self._acc_sips.modify(self._twin_cfg)

    def _schedule_retry(self) -> None:
        if self._retry_at is None:
            delay = self._backoff.next_delay()
            self._retry_at = self.clock() + delay
            log.info("re-registering in %.1f s", delay)

    def _retry_registration(self, now: float) -> None:
        if self._retry_at is None or now < self._retry_at or self._acc is None:
            return
        self._retry_at = None
        try:
            self._acc.setRegistration(True)
        except pj.Error as exc:  # e.g. a REGISTER still in flight: try again later
            log.info("re-registration deferred (%s)", pj_error_text(exc))
            self._schedule_retry()
            return
        self._set_registration(ev.RegistrationChanged("registering", 0, "registering again"))

    def _set_registration(self, event: ev.RegistrationChanged) -> None:
        with self._snap_lock:
            self._registration = event
        self._publish(event)
