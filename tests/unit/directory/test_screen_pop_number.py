"""Which incoming-call addresses carry a number to look up."""

from __future__ import annotations

import pytest

from agent_desktop.directory.screen_pop import caller_number


@pytest.mark.parametrize("remote,number", [
    ('"Rosa" <sip:+12105550147@pbx.example.org;user=phone>', "+12105550147"),
    ("sips:2105550147@pbx.example.org", "2105550147"),
    ("<sip:(210) 555-0147@pbx>", "2105550147"),
    ("tel:+1-210-555-0147", "+12105550147"),
    ("sip:alice@pbx.example.org", None),
    ("sip:1001@pbx.example.org", None),  # an internal extension
    ("anonymous", None),
])
def test_caller_number_from_sip_and_tel_uris(remote: str, number: str | None) -> None:
    assert caller_number(remote) == number
