"""The interface language: Qt translators for ``ui.language`` and the switch at run time.

Sources are ``resources/translations/agent_desktop_<lang>.ts`` (``pyside6-lupdate`` over
``ui/``), compiled to ``.qm`` by ``pyside6-lrelease`` in ``scripts/bootstrap`` and the
packaged build. English is the source language: it needs no catalogue.

Switching at run time installs the new translators (Qt then sends ``LanguageChange`` to
every widget, and every later ``tr()`` speaks the new language) and rewrites the texts
already on screen: each shown text that is a catalogue entry in the old language,
including ``{placeholder}`` templates, becomes the same entry in the new one. Widgets
therefore need no hand-written retranslate method for texts they set from ``tr()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

from agent_desktop.errors import AgentDesktopError
from agent_desktop.policy.schema import SETTINGS
from agent_desktop.resources import resource

SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = tuple(SETTINGS["ui.language"].choices or (SOURCE_LANGUAGE,))
# str.format fields ("{time}", "{loss:.0f}") and Qt's "%1" arguments
PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}|%(\d)")


def placeholders(text: str) -> list[str]:
    """The placeholder names of a template: ``time`` for ``{time}``, ``p1`` for ``%1``."""
    return [name or f"p{number}" for name, number in PLACEHOLDER.findall(text)]
SYMBOLS = " ⚠🔒🔓✔✖☎⇪•·"
JOINER = " · "


class TranslationMissing(AgentDesktopError):
    code = "i18n.missing"


def translations_dir() -> Path:
    return Path(str(resource("translations")))


def ts_path(language: str) -> Path:
    return translations_dir() / f"agent_desktop_{language}.ts"


def qm_path(language: str) -> Path:
    return translations_dir() / f"agent_desktop_{language}.qm"


def catalogue(numerus: bool = False) -> list[tuple[str, str]]:
    """Every (context, source) of the application's strings, from a ``.ts`` source (they all
    hold the same sources: lupdate writes them from the same code); the plural ones
    (``%n``) when ``numerus``."""
    import xml.etree.ElementTree as ET  # only for the switch at run time, never at start

    sources = [ts_path(lang) for lang in LANGUAGES if ts_path(lang).is_file()]
    if not sources:
        return []
    root = ET.parse(sources[0]).getroot()
    return [(ctx.findtext("name") or "", msg.findtext("source") or "")
            for ctx in root.iter("context") for msg in ctx.iter("message")
            if (msg.get("numerus") == "yes") == numerus]


def _load(language: str) -> list[QTranslator]:
    if language == SOURCE_LANGUAGE:
        return []
    if language not in LANGUAGES:
        raise TranslationMissing(f"{language!r} is not a language of Agent Desktop.",
                                 f"Choose one of {', '.join(LANGUAGES)}.")
    ours = QTranslator()
    if not ours.load(str(qm_path(language))):
        raise TranslationMissing(f"The {language} translation is missing ({qm_path(language).name}).",
                                 "Reinstall Agent Desktop (developers: run scripts/bootstrap).")
    qt = QTranslator()  # Qt's own dialogs and context menus; optional
    found = qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    return [ours, qt] if found else [ours]


def _text(translators: list[QTranslator], context: str, source: str, n: int = -1) -> str:
    for translator in translators:
        text = translator.translate(context, source, None, n)
        if text:
            return text
    return source


@dataclass
class _Rewrite:
    plain: dict[str, str] = field(default_factory=dict)
    templates: list[tuple[re.Pattern[str], str | Callable[[int], str]]] = field(default_factory=list)
    # templates the same in both languages ("{action} ({keys})"): only their parts change, so
    # they are tried after every other template, which they would otherwise shadow
    same: list[tuple[re.Pattern[str], str | Callable[[int], str]]] = field(default_factory=list)

    def add(self, old: str, new: str | Callable[[int], str]) -> None:
        """``new`` is a text, or for a plural one the text for a count (from ``{n}``)."""
        names = placeholders(old)
        if old == new and not names:
            return
        if not names and isinstance(new, str):
            self.plain.setdefault(old, new)
        elif len(set(names)) == len(names) and (callable(new) or sorted(names) == sorted(placeholders(new))):
            pattern, pos = "", 0
            for match, name in zip(PLACEHOLDER.finditer(old), names, strict=True):
                # "g_" keeps positional names ({0}) valid as regex group names
                pattern += re.escape(old[pos:match.start()]) + f"(?P<g_{name}>.+?)"
                pos = match.end()
            pattern += re.escape(old[pos:])
            (self.same if old == new else self.templates).append((re.compile(pattern, re.S), new))

    def __call__(self, text: str) -> str | None:
        """``text`` in the new language, or None when it is no catalogue text. A prefix of
        symbols a widget puts before a catalogue text ("🔒 ", "⚠ ") is kept, and so are
        catalogue texts joined by " · " (a status line of two parts)."""
        if JOINER in text:
            parts = text.split(JOINER)
            new = [self(part) for part in parts]
            return JOINER.join(n or p for n, p in zip(new, parts, strict=True)) if any(new) else None
        found = self._lookup(text)
        if found is None:
            body = text.lstrip(SYMBOLS)
            if body and body != text:
                found = self._lookup(body)
                if found is not None:
                    return text[:len(text) - len(body)] + found
        return found

    def _lookup(self, text: str) -> str | None:
        if not text:
            return None
        if text in self.plain:
            return self.plain[text]
        for pattern, new in self.templates:
            match = pattern.fullmatch(text)
            if match and callable(new):
                return new(int(match.group("g_n"))) if match.group("g_n").isdigit() else None
            if match and isinstance(new, str):
                values = {k[2:]: self._lookup(v) or v for k, v in match.groupdict().items()}  # nested texts
                return PLACEHOLDER.sub(partial(_fill, values), new)
        for pattern, new in self.same:
            match = pattern.fullmatch(text)
            if match and isinstance(new, str):
                values = {k[2:]: self._lookup(v) or v for k, v in match.groupdict().items()}
                found = PLACEHOLDER.sub(partial(_fill, values), new)
                if found != text:  # a part of it is a catalogue text
                    return found
        return None


def _plural(translators: list[QTranslator], context: str, source: str, n: int) -> str:
    return _text(translators, context, source, n).replace("%n", str(n))


def _fill(values: dict[str, str], field: re.Match[str]) -> str:
    return values[field.group(1) or f"p{field.group(2)}"]


def _properties(widget: QWidget) -> Iterator[tuple[Callable[[], str], Callable[[str], None]]]:
    # imported here: these classes' first use costs PySide ~5 ms, which the start need not pay
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
    )

    yield widget.windowTitle, widget.setWindowTitle
    yield widget.toolTip, widget.setToolTip
    yield widget.accessibleName, widget.setAccessibleName
    yield widget.accessibleDescription, widget.setAccessibleDescription
    if isinstance(widget, (QLabel, QAbstractButton)):
        yield widget.text, widget.setText
    if isinstance(widget, QGroupBox):
        yield widget.title, widget.setTitle
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        yield widget.placeholderText, widget.setPlaceholderText
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield partial(widget.itemText, i), partial(widget.setItemText, i)


class Translation:
    """The application's installed translators; one per QApplication."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.language = SOURCE_LANGUAGE
        self._translators: list[QTranslator] = []

    def install(self, language: str) -> None:
        """Use ``language`` from now on (before windows exist, or through ``switch``)."""
        translators = _load(language)
        # the locale first: widgets answering LanguageChange format dates and numbers anew
        QLocale.setDefault(QLocale(language))
        for old in self._translators:
            self.app.removeTranslator(old)
        for new in translators:
            self.app.installTranslator(new)
        self._translators = translators
        self.language = language

    def text(self, context: str, source: str, n: int = -1) -> str:
        """``source`` in the installed language (the form for ``n`` of a plural one)."""
        return _text(self._translators, context, source, n)

    def switch(self, language: str) -> int:
        """Change the language of every window now; returns how many texts were rewritten."""
        if language == self.language:
            return 0
        before = self._translators
        self.install(language)
        rewrite = _Rewrite()
        for context, source in catalogue():
            rewrite.add(_text(before, context, source), _text(self._translators, context, source))
        for context, source in catalogue(numerus=True):  # each plural form, retranslated for its count
            for n in (1, 2):
                rewrite.add(_text(before, context, source, n).replace("%n", "{n}"),
                            partial(_plural, self._translators, context, source))
        changed = 0
        for widget in QApplication.allWidgets():
            for get, put in _properties(widget):
                new = rewrite(get())
                if new is not None:
                    put(new)
                    changed += 1
        return changed


_active: list[Translation] = []  # the application's, once installed


def install(app: QCoreApplication, language: str) -> Translation:
    """Install the translators of ``language`` (the ``ui.language`` setting) on ``app``."""
    translation = Translation(app)
    translation.install(language)
    _active[:] = [translation]
    return translation


def switch_language(language: str) -> int:
    """Switch the running application to ``language`` (after ``ui.language`` changed); returns
    how many texts on screen were rewritten (0 when nothing changed or nothing is installed)."""
    return _active[0].switch(language) if _active else 0
