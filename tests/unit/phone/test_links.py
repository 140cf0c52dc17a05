"""Click-to-dial links from the desktop entry: tel:/sip: to what the dial pad shows."""

from __future__ import annotations

import pytest

from agent_desktop.cli.gui import desktop_args
from agent_desktop.cli.main import build_parser, main
from agent_desktop.phone.errors import InvalidDialTarget
from agent_desktop.phone.links import dial_target, is_link


@pytest.mark.parametrize("link, target", [
    ("tel:+1-201-555-0123", "+12015550123"),
    ("tel:+1 (201) 555.0123;ext=42;phone-context=example.org", "+12015550123"),
    ("TEL:%2B442075550100", "+442075550100"),
    ("tel:7042;phone-context=+1201555", "7042"),
    ("sip:bob@pbx.example.org;transport=tls?subject=x", "sip:bob@pbx.example.org"),
    ("sips:+15550100@pbx.example.org:5061", "sips:+15550100@pbx.example.org:5061"),
])
def test_links_become_dial_pad_entries(link: str, target: str) -> None:
    assert is_link(link)
    assert dial_target(link) == target


@pytest.mark.parametrize("link", ["tel:", "tel:555-CALL-NOW", "sip:pbx.example.org",
                                  "sip:bob@", "mailto:bob@example.org", "tel:+1<script>"])
def test_anything_else_is_refused_without_repeating_it(link: str) -> None:
    with pytest.raises(InvalidDialTarget) as info:
        dial_target(link)
    assert "555" not in str(info.value) and "bob" not in str(info.value)


def test_the_desktop_entry_argument_opens_the_gui(capsys: pytest.CaptureFixture[str]) -> None:
    assert not is_link("policy") and not is_link("self-test")
    assert build_parser().parse_args(["gui", "tel:+15550100"]).link == "tel:+15550100"
    assert main(["tel:not-a-number"]) == 1  # refused before any window opens
    assert "does not hold a phone number" in capsys.readouterr().err


def test_no_arguments_start_the_desktop_as_gui_would_without_a_parser() -> None:
    """`agent-desktop` alone skips argparse (~2 ms of its first frame): what it runs must be
    exactly what `agent-desktop gui` parses to, whatever options `gui` gains."""
    assert desktop_args() == build_parser(("gui",)).parse_args(["gui"])
    assert desktop_args() == build_parser().parse_args(["gui"])
