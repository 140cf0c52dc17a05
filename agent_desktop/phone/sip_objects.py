"""pjsua2 subclasses whose callbacks only forward to the engine (on the SIP thread).

Every callback goes through ``Engine.guard``: an exception is logged (redacted) and turned
into a ``CallbackFailed`` event; it never unwinds into pjlib or kills the SIP thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pjsua2 as pj

if TYPE_CHECKING:
    from agent_desktop.phone.sip_thread import SipThread


class SipEndpoint(pj.Endpoint):
    def __init__(self, engine: SipThread) -> None:
        super().__init__()
        self._engine = engine

    def onTransportState(self, prm: Any) -> None:
        self._engine.guard("transport_state", self._engine.on_transport_state, prm)

    def onSelectAccount(self, prm: Any) -> None:
        self._engine.guard("select_account", self._engine.on_select_account, prm)

    def onRejectedIncomingCall(self, prm: Any) -> None:
        self._engine.guard("rejected_incoming_call", self._engine.on_rejected_incoming_call, prm)


class SipAccount(pj.Account):
    def __init__(self, engine: SipThread) -> None:
        super().__init__()
        self._engine = engine

    def onRegState(self, prm: Any) -> None:
        self._engine.guard("reg_state", self._engine.on_reg_state, self, prm)

    def onIncomingCall(self, prm: Any) -> None:
        self._engine.guard("incoming_call", self._engine.on_incoming_call, self, prm)


class SipCall(pj.Call):
    """One pjsua2 call; ``call_id`` is the engine's opaque id (pjsua ids are reused)."""

    def __init__(self, engine: SipThread, account: Any, call_id: str,
                 pj_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, pj_id)
        self._engine = engine
        self.call_id = call_id

    def onCallState(self, prm: Any) -> None:
        self._engine.guard("call_state", self._engine.on_call_state, self)

    def onCallMediaState(self, prm: Any) -> None:
        self._engine.guard("call_media_state", self._engine.on_call_media_state, self)

    def onDtmfDigit(self, prm: Any) -> None:
        self._engine.guard("dtmf", self._engine.on_dtmf, self, str(prm.digit))

    def onCallTransferStatus(self, prm: Any) -> None:
        self._engine.guard("transfer_status", self._engine.on_transfer_status, self, prm)

    def onCallRxReinvite(self, prm: Any) -> None:
        self._engine.guard("rx_reinvite", self._engine.on_rx_reinvite, self, prm)

    def onCallSdpCreated(self, prm: Any) -> None:
        self._engine.guard("sdp_created", self._engine.on_sdp_created, self, prm)
