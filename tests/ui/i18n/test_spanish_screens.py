"""The call workspace in Spanish on a real workstation (Kamailio over TLS, a pjsua2 caller,
the reference server's FHIR store): every text on screen is Spanish but for names, numbers
and the directory's own text, the revealed patient data included, and switching language at
run time rewrites every window both ways."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from agent_desktop.app import Workstation
from agent_desktop.demo.kamailio import DEFAULT_USERS
from agent_desktop.directory.group_resources import GROUP_SEARCHES
from agent_desktop.resources import resource
from tests.support.workstation_env import (
    PASSWORD,
    WorkstationEnv,
    workstation_env,  # noqa: F401 - fixture
)
from tests.ui.i18n.accessible import INTERACTIVE, ancestors, focus_invisible, unlabelled
from ui import i18n
from ui.calls.workspace import CallWorkspace
from ui.ops import GuiOps

pytestmark = pytest.mark.usefixtures("secret_service")
TIMEOUT = 20_000
# words that are the same in every language: product, protocols, key names
NEUTRAL = {"agent", "desktop", "tls", "srtp", "sip", "ctrl", "enter", "return", "aes", "cm", "hmac",
           "sha", "gcm", "ms", "ssn", "id",
           "control", "mayúsculas", "alt", "shift"}  # key names (Qt's own Spanish once translated)
WORD = re.compile(r"[^\W\d_]{2,}")


def shown_texts(root: QWidget) -> list[str]:
    """Every text a person or a screen reader meets in the visible part of ``root``."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        for get, _put in i18n._properties(widget):
            text = re.sub(r"<[^>]+>", " ", get())  # rich text: the words, not the tags
            if text.strip():
                texts.append(text)
    return texts


def english_words(texts: list[str], translation: i18n.Translation, allowed: set[str],
                  data: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """Words left once every Spanish catalogue text and the Spanish texts of data (the
    verification script's labels) are taken out: untranslated English, each with its text."""
    plural = {translation.text(c, s, n).replace("%n", "{n}") for c, s in i18n.catalogue(numerus=True)
              for n in (1, 2)}
    spanish = {translation.text(c, s) for c, s in i18n.catalogue()} | plural | data
    # a wordless template ("{label}: {values}", "{action} ({keys})") would eat anything
    spanish = {t for t in spanish if WORD.search(i18n.PLACEHOLDER.sub("", t))}
    # Two orders of removal: longest first (a template whose placeholder holds a catalogue
    # text, "Pone ... Atajo: {keys}."), and plain texts before templates (a catalogue text a
    # template's placeholder would cut in half, "No disponible · {0}" over "Problema técnico").
    # A word is untranslated when neither order explains it.
    orders = [sorted(spanish, key=lambda t: (-len(t), t)),
              sorted(spanish, key=lambda t: (bool(i18n.PLACEHOLDER.search(t)), -len(t), t))]
    compiled = [[re.compile(r"(?<!\w)" + i18n.PLACEHOLDER.sub(
        "\x00", re.escape(t).replace(r"\{", "{").replace(r"\}", "}")).replace("\x00", ".+?") + r"(?!\w)")
        for t in order] for order in orders]
    left: dict[str, str] = {}
    for shown in texts:
        found: list[set[str]] = []
        for patterns in compiled:
            text = re.sub(r"(?<!\w)/\S+", " ", shown)  # file paths are names
            for pattern in patterns:
                text = pattern.sub(" ", text)
            found.append({w for w in WORD.findall(text) if w.lower() not in allowed})
        left.update({w: shown for w in set.intersection(*found)})
    return left


def script_spanish(name: str) -> set[str]:
    """Every Spanish text of a verification script (labels and prompts are data, in the script)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("es"), str):
                found.add(node["es"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tomllib.loads(resource(f"verification/{name}.toml").read_text("utf-8")))
    return found


# the FHIR elements whose text the directory wrote (the rest are codes the screen translates)
DATA_KEYS = {"text", "display", "description", "value", "line", "city", "state", "postalCode", "title",
             "unit", "name", "subscriberId"}


def patient_text(env: WorkstationEnv) -> set[str]:
    """Every text the directory holds about the call's patient: data, shown as it came."""
    found: set[str] = set()

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in DATA_KEYS:
            found.add(node)

    pid = env.patient.id
    for rtype in {rtype for searches in GROUP_SEARCHES.values() for rtype, _ in searches}:
        walk(env.directory.of_patient(rtype, pid))
    return found


def assert_spanish(texts: list[str], translation: i18n.Translation, allowed: set[str],
                   data: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    left = english_words(texts, translation, allowed, data)
    assert not left, "untranslated: " + "; ".join(f"{w!r} in {t!r}" for w, t in left.items())


@pytest.fixture
def desk(workstation_env: WorkstationEnv, spanish: i18n.Translation,  # noqa: F811
         qtbot: QtBot) -> Iterator[tuple[Workstation, CallWorkspace]]:
    ws = workstation_env.workstation(**{"ui.language": "es"})
    ws.enroll(workstation_env.enrolment_token(agent="agent-es"))
    assert ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"]).registered
    ws.guard.mark()
    workspace = CallWorkspace(ws, GuiOps(ws))
    qtbot.addWidget(workspace)
    workspace.resize(1200, 760)
    workspace.show()
    yield ws, workspace
    workspace.close_bridge()
    ws.guard.clear()
    ws.shutdown()


def test_a_call_in_spanish_shows_no_english_and_the_language_switches_at_run_time(
        desk: tuple[Workstation, CallWorkspace], spanish: i18n.Translation,
        workstation_env: WorkstationEnv, qtbot: QtBot) -> None:  # noqa: F811
    ws, w = desk
    person = workstation_env.patient.person
    allowed = NEUTRAL | {n.lower() for n in [*person.given, *person.family]}
    assert ws.desk is not None
    script = script_spanish(str(ws.settings.get("verification.script")))  # the script's own Spanish
    assert_spanish(shown_texts(w), spanish, allowed, script)  # idle

    caller = workstation_env.caller()
    caller.cmd("call", uri=workstation_env.agent_uri())
    qtbot.waitUntil(w.ring.isVisible, timeout=TIMEOUT)
    assert w.ring.answer_button.text().startswith("Contestar")
    assert_spanish(shown_texts(w), spanish, allowed, script)  # ringing

    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.patient.candidates.count() == 1, timeout=TIMEOUT)
    w.patient.candidates.setFocus()
    qtbot.keyClick(w.patient.candidates, Qt.Key.Key_Return)
    qtbot.waitUntil(w.verification.start_button.isEnabled, timeout=TIMEOUT)
    w.verification.start_button.setFocus()
    qtbot.keyClick(w.verification.start_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "full_name" in w.verification.inputs, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "SRTP" in w.phone.security.text(), timeout=TIMEOUT)
    spanish_on_screen = shown_texts(w)
    assert unlabelled(w) == []  # a screen reader names and describes every control, in Spanish
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    tabbable = [x for x in w.findChildren(QWidget) if isinstance(x, INTERACTIVE)
                and x.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
                and not any(isinstance(a, QComboBox) for a in ancestors(x))]
    assert len(tabbable) > 15 and focus_invisible(w, tabbable) == []  # in call, more is enabled
    assert_spanish(spanish_on_screen, spanish, allowed, script)  # verifying

    # to English at run time: the texts set from the catalogue become their English sources
    spanish_on_screen = shown_texts(w)  # no event is processed from here to the comparison
    assert spanish.switch("en") > 20
    english = shown_texts(w)
    assert "Start verification" in english and "Iniciar verificación" not in english
    catalogue_es = {spanish_text for c, s in i18n.catalogue()
                    if (spanish_text := i18n._text(i18n._load("es"), c, s)) != s}
    assert not catalogue_es & set(english)
    assert any(t.startswith("✔ Encrypted: TLS signalling") for t in english)  # a template after a symbol
    # and back: the same screen as before the switch
    assert spanish.switch("es") > 20
    back = shown_texts(w)
    assert sorted(back) == sorted(spanish_on_screen), set(back) ^ set(spanish_on_screen)

    # verified, then every group the caller may hear revealed: labels, words, dates in Spanish
    assert person.birth_date is not None
    for identifier, answer in (("full_name", " ".join(person.given + person.family)),
                               ("date_of_birth", person.birth_date.isoformat()),
                               ("member_id", person.member_id or "")):
        # the fields are rebuilt as the verification moves on: looked up each time
        qtbot.waitUntil(lambda i=identifier: i in w.verification.inputs and w.verification.inputs[i].isEnabled(),
                        timeout=TIMEOUT)
        w.verification.inputs[identifier].setText(answer)
        qtbot.keyClick(w.verification.inputs[identifier], Qt.Key.Key_Return)
        qtbot.waitUntil(lambda i=identifier: i not in w.verification.inputs
                        or not w.verification.inputs[i].isEnabled(), timeout=TIMEOUT)  # it matched
    qtbot.waitUntil(lambda: w.verification.status.text().startswith("✔"), timeout=TIMEOUT)
    boxes = [b for b in w.phi.boxes.values() if b.show_button.isVisible()]
    assert {b.group for b in boxes} >= {"demographics", "appointments", "medications", "lab_results"}
    for box in boxes:
        qtbot.mouseClick(box.show_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=box: bool(b.content.text()), timeout=TIMEOUT)
    shown = {b.group: b.content.text() for b in boxes}
    assert shown["appointments"].startswith("Próxima cita: ")
    assert "Medicamento: " in shown["medications"] and "Resultado de laboratorio: " in shown["lab_results"]
    assert re.search(r"Sexo: (femenino|masculino)", shown["demographics"]), shown["demographics"]
    data = script | patient_text(workstation_env)
    assert_spanish(shown_texts(w), spanish, allowed, data)  # revealed
    spanish.switch("en")  # the revealed lines are written again in the new language
    QApplication.sendPostedEvents(None, QEvent.Type.LanguageChange.value)
    assert w.phi.boxes["appointments"].content.text().startswith("Next appointment: ")
    spanish.switch("es")
    QApplication.sendPostedEvents(None, QEvent.Type.LanguageChange.value)
    assert {b.group: b.content.text() for b in boxes} == shown

    w.phone.hangup()  # after-call work: the disposition codes are words in Spanish too
    qtbot.waitUntil(w.after.isVisible, timeout=TIMEOUT)
    assert w.after.disposition.itemText(0) == "Resuelta"
    assert_spanish(shown_texts(w), spanish, allowed, script)


def test_every_control_the_tab_key_reaches_shows_its_focus(
        desk: tuple[Workstation, CallWorkspace], qtbot: QtBot) -> None:
    _ws, w = desk
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    reached: list[QWidget] = []
    start = w.phone.number
    start.setFocus()
    widget = start
    for _ in range(80):  # Tab walks the chain until it comes round
        reached.append(widget)
        widget = widget.nextInFocusChain()
        while widget.focusPolicy() & Qt.FocusPolicy.TabFocus != Qt.FocusPolicy.TabFocus or not (
                widget.isVisible() and widget.isEnabled()):
            widget = widget.nextInFocusChain()
        if widget is start:
            break
    assert len(reached) >= 6  # number, call, transfer, recent calls, ... (the rest waits for a call)
    assert focus_invisible(w, reached) == []
