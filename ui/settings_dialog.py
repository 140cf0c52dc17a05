"""Settings: audio devices, language, idle lock within the policy's ceiling, shortcuts.

Every change applies at once (the shell runs ``Workstation.set_setting`` off the GUI
thread); a setting the organisation's policy locks is greyed with "Set by your
organisation" and cannot be edited. Device changes reach the phone for the next call.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.errors import AgentDesktopError
from agent_desktop.policy import SETTINGS, Settings
from ui.widgets.message_panel import MessagePanel

DEVICES = ("sip.capture_device", "sip.playback_device", "sip.ring_device")
SHORTCUTS = ("ui.shortcut_lock", "ui.shortcut_available", "ui.shortcut_not_ready",
             "ui.shortcut_settings")
LANGUAGES = {"en": "English", "es": "Español"}


class SettingsDialog(QDialog):
    change_requested = Signal(str, object)  # setting name, new value
    test_tone_toggled = Signal(bool)

    def __init__(self, settings: Settings, devices: list[tuple[str, bool, bool]] | None,
                 parent: QWidget | None = None) -> None:
        """``devices``: (name, has_input, has_output) of each audio device; None when the
        phone is not running (only the system default is offered then)."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self.setMinimumWidth(560)
        self.settings = settings
        self.controls: dict[str, QWidget] = {}
        self.captions: dict[str, QLabel] = {}
        self._labels = {
            "sip.capture_device": self.tr("Microphone"),
            "sip.playback_device": self.tr("Headset or speaker"),
            "sip.ring_device": self.tr("Ringer"),
            "ui.language": self.tr("Language"),
            "vault.idle_lock_minutes": self.tr("Lock after inactivity"),
            "ui.shortcut_lock": self.tr("Lock the workstation"),
            "ui.shortcut_available": self.tr("Become available"),
            "ui.shortcut_not_ready": self.tr("Not ready"),
            "ui.shortcut_settings": self.tr("Open settings"),
        }
        # what a screen reader says about each control (the schema's own words are English, for IT)
        self._descriptions = {
            "sip.capture_device": self.tr("The microphone for calls; System default follows the computer."),
            "sip.playback_device": self.tr("Where you hear the caller; System default follows the computer."),
            "sip.ring_device": self.tr("Where the ringtone plays; empty: the headset or speaker."),
            "ui.language": self.tr("The language of every window; it changes at once."),
            "vault.idle_lock_minutes": self.tr("The workstation locks after this many minutes without input."),
            "ui.shortcut_lock": self.tr("The keys that lock the workstation."),
            "ui.shortcut_available": self.tr("The keys that make you available."),
            "ui.shortcut_not_ready": self.tr("The keys that make you not ready (first reason)."),
            "ui.shortcut_settings": self.tr("The keys that open these settings."),
        }
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        tabs = QTabWidget(self)
        tabs.setAccessibleName(self.tr("Settings sections"))
        tabs.addTab(self._audio_tab(devices), self.tr("Audio"))
        tabs.addTab(self._general_tab(), self.tr("General"))
        tabs.addTab(self._shortcuts_tab(), self.tr("Shortcuts"))
        layout.addWidget(tabs)
        self.message = MessagePanel(self)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Close"))
        close.setAccessibleName(self.tr("Close settings"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh(settings)

    # --- tabs ------------------------------------------------------------------------------
    def _form(self) -> tuple[QWidget, QFormLayout]:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setContentsMargins(18, 18, 18, 18)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(10)
        return page, form

    def _row(self, form: QFormLayout, name: str, control: QWidget) -> None:
        control.setObjectName(f"setting:{name}")
        control.setAccessibleName(self._labels[name])
        control.setAccessibleDescription(self._descriptions.get(name, SETTINGS[name].description))
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 8)
        column.setSpacing(2)
        column.addWidget(control)
        caption = QLabel(box)
        caption.setObjectName("lockedCaption")
        caption.hide()
        column.addWidget(caption)
        label = QLabel(self._labels[name], self)
        label.setBuddy(control)
        form.addRow(label, box)
        self.controls[name] = control
        self.captions[name] = caption

    def _audio_tab(self, devices: list[tuple[str, bool, bool]] | None) -> QWidget:
        page, form = self._form()
        for name in DEVICES:
            combo = QComboBox(page)
            combo.addItem(self.tr("System default"), "")
            wants_input = name == "sip.capture_device"
            for dev, has_in, has_out in devices or []:
                if (has_in if wants_input else has_out):
                    combo.addItem(dev, dev)
            current = str(self.settings.get(name))
            if current and combo.findData(current) < 0:
                combo.addItem(self.tr("%1 (not connected)").replace("%1", current), current)
            combo.activated.connect(lambda _i, n=name, c=combo: self._changed(n, c.currentData()))
            self._row(form, name, combo)
        self.tone_button = QPushButton(self.tr("Play test tone"), page)
        self.tone_button.setCheckable(True)
        self.tone_button.setAccessibleName(self.tr("Play a test tone on the headset"))
        self.tone_button.toggled.connect(self._tone_toggled)
        form.addRow(self.tr("Headset test"), self.tone_button)
        self.mic_level = self._meter(page, self.tr("Microphone level"))
        self.speaker_level = self._meter(page, self.tr("Headset level"))
        form.addRow(self.tr("Microphone level"), self.mic_level)
        form.addRow(self.tr("Headset level"), self.speaker_level)
        for widget in (self.tone_button, self.mic_level, self.speaker_level):
            widget.setEnabled(devices is not None)
        note = QLabel(self.tr("A new device is used from the next call on.") if devices is not None
                      else self.tr("Devices, the test tone and the level meters are available "
                                   "once you are signed in."), page)
        note.setObjectName("fieldCaption")
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def _meter(self, parent: QWidget, name: str) -> QProgressBar:
        meter = QProgressBar(parent)
        meter.setRange(0, 255)
        meter.setValue(0)
        meter.setTextVisible(False)
        meter.setFixedHeight(10)
        meter.setAccessibleName(name)
        return meter

    def _tone_toggled(self, on: bool) -> None:
        self.tone_button.setText(self.tr("Stop test tone") if on else self.tr("Play test tone"))
        self.test_tone_toggled.emit(on)

    def show_levels(self, levels: tuple[int, int]) -> None:
        self.mic_level.setValue(levels[0])
        self.speaker_level.setValue(levels[1])

    def _general_tab(self) -> QWidget:
        page, form = self._form()
        language = QComboBox(page)
        for code in SETTINGS["ui.language"].choices or ():
            language.addItem(LANGUAGES.get(code, code), code)
        language.activated.connect(lambda _i: self._changed("ui.language", language.currentData()))
        self._row(form, "ui.language", language)
        idle = QSpinBox(page)
        idle.setSuffix(self.tr(" min"))
        idle.editingFinished.connect(lambda: self._changed("vault.idle_lock_minutes", idle.value()))
        self._row(form, "vault.idle_lock_minutes", idle)
        return page

    def _shortcuts_tab(self) -> QWidget:
        page, form = self._form()
        for name in SHORTCUTS:
            edit = QKeySequenceEdit(page)
            edit.setMaximumSequenceLength(1)
            edit.editingFinished.connect(
                lambda n=name, e=edit: self._changed(n, e.keySequence().toString(
                    QKeySequence.SequenceFormat.PortableText)))
            self._row(form, name, edit)
        return page

    # --- values -----------------------------------------------------------------------------
    def _changed(self, name: str, value: Any) -> None:
        if self.settings.locked(name) or value == self.settings.get(name):
            return
        self.message.clear()
        self.change_requested.emit(name, value)

    def refresh(self, settings: Settings) -> None:
        """Show ``settings`` (after a change applied, or was refused)."""
        self.settings = settings
        for name, control in self.controls.items():
            info = settings.info(name)
            control.blockSignals(True)
            if isinstance(control, QComboBox):
                index = control.findData(info.value)
                control.setCurrentIndex(max(0, index))
            elif isinstance(control, QSpinBox):
                spec = SETTINGS[name]
                top = info.ceiling if info.ceiling is not None else spec.maximum
                control.setRange(int(spec.minimum or 0), int(top or 999))
                control.setValue(int(str(info.value)))
            elif isinstance(control, QKeySequenceEdit):
                control.setKeySequence(QKeySequence(str(info.value)))
            control.blockSignals(False)
            control.setEnabled(not info.locked)
            caption = self.captions[name]
            if info.locked:
                caption.setText(self.tr("Set by your organisation"))
                control.setToolTip(self.tr("Set by your organisation"))
            elif info.ceiling is not None:
                caption.setText(self.tr("Your organisation allows up to %1.").replace(
                    "%1", f"{info.ceiling:g}"))
            caption.setVisible(info.locked or info.ceiling is not None)

    def show_error(self, err: AgentDesktopError) -> None:
        self.message.show_error(err)
        self.refresh(self.settings)
