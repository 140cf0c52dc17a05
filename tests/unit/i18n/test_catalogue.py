"""The translation sources are complete and the compiled .qm files match them (Qt's own
tools, as scripts/bootstrap and the packaged build run them)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent_desktop.errors import AgentDesktopError
from agent_desktop.vault.errors import UnlockThrottled, WrongPassword
from ui import errors, i18n

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE]


def test_every_language_but_the_source_has_a_ts_source() -> None:
    assert TRANSLATED == ["es"]
    for lang in TRANSLATED:
        assert i18n.ts_path(lang).is_file()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_qm_is_what_lrelease_makes_of_the_ts_source(lang: str, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(i18n.ts_path(lang)), "-qm", str(fresh)],
                   check=True)
    assert i18n.qm_path(lang).read_bytes() == fresh.read_bytes(), \
        "stale .qm: run scripts/translations release (scripts/bootstrap does)"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_ts_source_holds_every_string_of_the_code_each_translated(lang: str, tmp_path: Path) -> None:
    ts = tmp_path / f"agent_desktop_{lang}.ts"
    shutil.copy(i18n.ts_path(lang), ts)
    subprocess.run([str(BIN / "pyside6-lupdate"), "-silent", "-extensions", "py", "-no-obsolete",
                    "-locations", "none", "-target-language", lang, str(ROOT / "ui"), "-ts", str(ts)],
                   check=True)
    assert ts.read_text("utf-8") == i18n.ts_path(lang).read_text("utf-8"), \
        "strings changed in ui/: run scripts/translations update and translate the new entries"
    root = ET.parse(ts).getroot()
    untranslated = [m.findtext("source") for m in root.iter("message") if not translated(m)]
    assert untranslated == []


def translated(message: ET.Element) -> list[str]:
    """The translation's texts (every plural form), empty when unfinished."""
    translation = message.find("translation")
    if translation is None or translation.get("type"):
        return []
    forms = [f.text or "" for f in translation.iter("numerusform")] or [translation.text or ""]
    return forms if all(f.strip() for f in forms) else []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_template_keeps_its_placeholders(lang: str) -> None:
    root = ET.parse(i18n.ts_path(lang)).getroot()
    for m in root.iter("message"):
        source = m.findtext("source") or ""
        for text in translated(m):
            assert sorted(i18n.placeholders(source)) == sorted(i18n.placeholders(text)), source
            assert ("%n" in source) == ("%n" in text), source


def test_core_errors_reach_the_screen_by_code_in_the_language(qapp: object) -> None:
    translation = i18n.Translation(qapp)  # type: ignore[arg-type]
    translation.install("es")
    try:
        assert errors.error_text(WrongPassword(2, 0)).startswith("Contraseña incorrecta (intentos fallidos: 2).")
        assert "Espere 30 s" in errors.error_text(UnlockThrottled(29.6))
        # an error without a code shows its own message; an unknown code too
        assert errors.error_text(AgentDesktopError("Plain.", "Do this.")) == "Plain. Do this."
        assert errors.error_text(AgentDesktopError("Odd.", code="no.such")) == "Odd."
        assert errors.code_text("sip.registrar_refused").startswith("La centralita")
    finally:
        translation.install("en")
    assert errors.error_text(WrongPassword(2, 0)).startswith("Wrong password")


def test_every_coded_error_text_is_in_the_catalogue() -> None:
    sources = {source for context, source in i18n.catalogue() if context == errors.CONTEXT}
    assert {text for pair in errors.TEXTS.values() for text in pair if text} <= sources


def test_an_unknown_language_is_refused_with_what_to_choose(qapp: object) -> None:
    with pytest.raises(i18n.TranslationMissing, match="Choose one of en, es"):
        i18n.Translation(qapp).install("fr")  # type: ignore[arg-type]
