"""Configuration from policy settings and device choice, without pjsua2 running."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_desktop.paths import AppPaths
from agent_desktop.phone.config import PhoneConfig, registrar_hostport
from agent_desktop.phone.devices import DEFAULT, resolve
from agent_desktop.phone.engine import save_device_choice
from agent_desktop.phone.errors import PhoneConfigError
from agent_desktop.phone.pj_config import expect_applied
from agent_desktop.phone.probe import AudioDevice
from agent_desktop.policy import load_settings


def test_config_is_built_from_every_sip_setting_in_the_policy(agent_home: Path, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "policy.toml").write_text(
        f'[sip]\nregistrar = "sips:pbx.example.org:5061"\nca_bundle = "{ca}"\n'
        'dial_prefix = "9"\nafter_call_work_seconds = 45\n')
    cfg = PhoneConfig.from_settings(load_settings(AppPaths.from_env()))
    assert cfg.registrar == "sips:pbx.example.org:5061"
    assert cfg.sip_domain == "pbx.example.org:5061"
    assert cfg.ca_file == str(ca) and cfg.dial_prefix == "9"
    assert cfg.after_call_work_seconds == 45 and cfg.srtp_required and cfg.transport == "tls"


@pytest.mark.parametrize(("changes", "words"), [
    ({"registrar": ""}, "No SIP registrar"),
    ({"registrar": "sip:pbx.example.org"}, "not a sips: URI"),
    ({"ca_bundle": "/nonexistent/ca.pem"}, "does not exist"),
    ({"tls_min_version": "1.0"}, "not supported"),
])
def test_unusable_configuration_is_refused_with_what_to_do(changes: dict[str, str], words: str) -> None:
    base = {"registrar": "sips:pbx.example.org:5061", "ca_bundle": __file__}
    with pytest.raises(PhoneConfigError) as err:
        PhoneConfig(**{**base, **changes}).validated()  # type: ignore[arg-type]
    assert words in str(err.value) and err.value.hint


def test_client_certificate_needs_its_key(tmp_path: Path) -> None:
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    with pytest.raises(PhoneConfigError, match="both"):
        PhoneConfig("sips:pbx:5061", ca_bundle=__file__, client_cert=str(cert)).validated()


def test_registrar_host_and_port_are_read_from_the_uri() -> None:
    assert registrar_hostport("sips:127.0.0.1:5061;transport=tls") == "127.0.0.1:5061"
    assert registrar_hostport("sips:pbx.example.org") == "pbx.example.org"


def test_a_setting_that_did_not_take_effect_fails_loudly() -> None:
    expect_applied({"tlsConfig.verifyServer": (True, True)})
    with pytest.raises(PhoneConfigError, match="tlsConfig.CaListFile"):
        expect_applied({"tlsConfig.CaListFile": ("", "/etc/ca.pem"), "port": (0, 0)})


DEVICES = [AudioDevice(0, "Built-in", "alsa", 1, 1), AudioDevice(1, "USB Headset", "alsa", 1, 1),
           AudioDevice(2, "HDMI", "alsa", 0, 2)]


def test_devices_are_chosen_by_name_and_missing_ones_fall_back_to_default() -> None:
    res = resolve(DEVICES, "USB Headset", "USB Headset", "HDMI")
    assert (res.capture, res.playback, res.ring, res.missing) == (1, 1, 2, ())
    gone = resolve(DEVICES[:1], "USB Headset", "", "")
    assert (gone.capture, gone.playback, gone.ring) == (DEFAULT, DEFAULT, DEFAULT)
    assert gone.missing == (("capture", "USB Headset"),)


def test_an_output_only_device_cannot_be_the_microphone() -> None:
    assert resolve(DEVICES, "HDMI", "", "").missing == (("capture", "HDMI"),)


def test_device_choice_is_persisted_in_the_users_settings(agent_home: Path) -> None:
    settings = load_settings(AppPaths.from_env())
    settings = save_device_choice(settings, capture="USB Headset", ring="HDMI")
    again = load_settings(AppPaths.from_env())
    assert again.get("sip.capture_device") == "USB Headset"
    assert again.get("sip.ring_device") == "HDMI"
    assert again.get("sip.playback_device") == ""
