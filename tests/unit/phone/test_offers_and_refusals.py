"""Reading incoming offers and INVITEs: what the phone serves, refusal words, Contacts."""

from __future__ import annotations

import pytest

from agent_desktop.phone import events as ev
from agent_desktop.phone.config import PhoneConfig, route_source_address
from agent_desktop.phone.errors import PhoneConfigError
from agent_desktop.phone.offer import judge_offer
from agent_desktop.phone.refusals import caller_contact_is_sips, refusal_reason, sip_call_id
from agent_desktop.phone.sip_registration import registered_contact
from tests.support.raw_invite import OFFERS


def _invite(sdp: str, contact: str = "<sip:caller@10.0.0.5:5061;transport=tls>",
            ruri: str = "sip:agent@10.0.0.9:5061;transport=tls") -> str:
    body = sdp.replace("\n", "\r\n")
    return (f"INVITE {ruri} SIP/2.0\r\nCall-ID: abc123@host\r\nm: {contact}\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")


@pytest.mark.parametrize(("profile", "verdict"), [
    ("RTP/AVP", (488, "no_srtp")),
    ("RTP/SAVP", None),
    ("RTP/SAVPF", None),
    ("UDP/TLS/RTP/SAVP", (488, "dtls_srtp")),
    ("UDP/TLS/RTP/SAVPF", (488, "dtls_srtp")),
    ("no audio", (488, "no_audio")),
    ("two audio streams", None),
    ("malformed SDP", (400, "malformed_sdp")),
])
def test_only_sdes_srtp_audio_is_served(profile: str, verdict: tuple[int, str] | None) -> None:
    assert judge_offer(_invite(OFFERS[profile]), srtp_required=True) == verdict


def test_plain_rtp_is_served_only_where_policy_does_not_require_srtp() -> None:
    assert judge_offer(_invite(OFFERS["RTP/AVP"]), srtp_required=False) is None
    assert judge_offer(_invite(""), srtp_required=True) is None  # no offer: we offer SRTP


def test_savp_without_a_crypto_line_is_not_sdes() -> None:
    offer = OFFERS["RTP/SAVP"].replace("a=crypto", "a=x-nocrypto")
    assert judge_offer(_invite(offer), srtp_required=True) == (488, "no_srtp")


def test_an_invite_is_read_for_its_call_id_and_contact_scheme() -> None:
    assert sip_call_id(_invite(OFFERS["RTP/SAVP"])) == "abc123@host"
    assert not caller_contact_is_sips(_invite(""))
    assert caller_contact_is_sips(_invite("", contact='"Bob" <sips:bob@10.0.0.5>;+sip.instance'))


def test_pjsuas_own_refusals_get_a_reason_word_never_sip_text() -> None:
    sips_to_sip = _invite("", ruri="sips:agent@10.0.0.9:5061")
    assert refusal_reason(480, sips_to_sip, True) == "sips_required"
    assert refusal_reason(486, "", True) == "too_many_calls"
    assert refusal_reason(488, _invite(OFFERS["RTP/AVP"]), True) == "no_srtp"
    assert refusal_reason(400, _invite(OFFERS["malformed SDP"]), True) == "malformed_sdp"
    assert refusal_reason(500, "", True) == "not_acceptable"
    assert set(ev.REFUSAL_REASONS) >= {"sips_required", "too_many_calls", "no_srtp",
                                       "dtls_srtp", "no_audio", "malformed_sdp"}


def test_refusal_events_are_one_audit_worthy_family_and_keep_their_old_fields() -> None:
    rejected = ev.CallRejected("c1", "incoming", 486, "busy_not_ready")
    srtp = ev.SrtpRefused("c2", "outgoing", 488, "no_srtp", detail="answer without SRTP")
    for e in (rejected, srtp):
        assert isinstance(e, ev.CallRefused) and isinstance(e, ev.AuditWorthy)
    assert rejected.why == "busy_not_ready" and srtp.detail == "answer without SRTP"


def test_our_binding_is_found_in_a_register_200() -> None:
    response = ("SIP/2.0 200 OK\r\nContact: <sip:other@10.0.0.7:5061;transport=tls>;expires=30, "
                "<sip:agent@10.0.0.9:40312;transport=TLS;ob>;expires=300\r\n\r\n")
    assert registered_contact(response, "sips:agent@pbx.example.org") == \
        "sip:agent@10.0.0.9:40312;transport=TLS;ob"
    assert registered_contact("SIP/2.0 200 OK\r\n\r\n", "sip:agent@pbx") == ""


def test_an_empty_bind_address_becomes_the_one_that_routes_to_the_registrar() -> None:
    cfg = PhoneConfig("sips:127.0.0.1:5061", ca_bundle=__file__)
    assert cfg.bind_address == ""
    assert cfg.with_bind_address().bind_address == "127.0.0.1"
    fixed = PhoneConfig("sips:127.0.0.1:5061", ca_bundle=__file__, bind_address="10.1.2.3")
    assert fixed.with_bind_address() is fixed
    proxied = PhoneConfig("sips:pbx.invalid:5061", ca_bundle=__file__,
                          outbound_proxy="sips:127.0.0.2:5061")
    assert proxied.with_bind_address().bind_address == "127.0.0.1"  # routed via lo
    assert route_source_address("sips:127.0.0.1") == "127.0.0.1"


def test_a_registrar_no_route_reaches_fails_in_plain_words() -> None:
    with pytest.raises(PhoneConfigError) as err:
        route_source_address("sips:pbx.invalid:5061")
    assert "sip.bind_address" in err.value.hint


def test_only_offers_whose_audio_is_all_dtls_go_to_the_refusing_account() -> None:
    from agent_desktop.phone.offer import only_dtls_audio

    assert only_dtls_audio(_invite(OFFERS["UDP/TLS/RTP/SAVPF"]))
    mixed = OFFERS["UDP/TLS/RTP/SAVP"] + OFFERS["RTP/AVP"].split("t=0 0\n", 1)[1]
    assert not only_dtls_audio(_invite(mixed)), "a plain stream must never reach it"
    for profile in ("RTP/SAVP", "RTP/AVP", "no audio", "malformed SDP"):
        assert not only_dtls_audio(_invite(OFFERS[profile]))
