"""Guided verification: caller type, representative, then the script's prompts one stage
at a time, an input per identifier with its expected format, match / no-match feedback,
the misses counted, escalate, and the outcome.

The panel never compares anything itself: answers go to the call desk (off the GUI
thread) and the engine decides; every step is audited there before the result comes back.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agent_desktop.app.calls import CallerChoice, CallView, RepresentativeChoice
from agent_desktop.verify.engine import AnswerResult, Prompt
from ui.calls.format import tr_format, tr_identifier

STATUS_WORDS = {
    "verified": QT_TRANSLATE_NOOP("VerificationPanel", "✔ Verified"),
    "failed": QT_TRANSLATE_NOOP("VerificationPanel", "✖ Not verified: nothing may be disclosed on this call"),
    "escalated": QT_TRANSLATE_NOOP("VerificationPanel", "⇪ Escalated: a team lead must handle this caller"),
    "asking": QT_TRANSLATE_NOOP("VerificationPanel", "Verifying…"),
}


class VerificationPanel(QGroupBox):
    start = Signal(str, str)       # caller type, representative id ("" when none)
    answered = Signal(str, str)    # identifier, typed
    escalate = Signal()
    caller_type_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Identity verification"), parent)
        self.setObjectName("verificationPanel")
        self.language = "en"
        layout = QVBoxLayout(self)
        setup = QFormLayout()
        self.caller_type = QComboBox()
        self.caller_type.setAccessibleName(self.tr("Who is calling"))
        self.caller_type.currentIndexChanged.connect(self._type_changed)
        self.representative = QComboBox()
        self.representative.setAccessibleName(self.tr("Representative on file"))
        setup.addRow(self.tr("Who is calling"), self.caller_type)
        setup.addRow(self.tr("Representative"), self.representative)
        layout.addLayout(setup)
        self.start_button = QPushButton(self.tr("Start verification"))
        self.start_button.setObjectName("startVerification")
        self.start_button.setAccessibleName(self.tr("Start verification"))
        self.start_button.clicked.connect(self._start)
        layout.addWidget(self.start_button)

        self.status = QLabel("")
        self.status.setObjectName("verificationStatus")
        self.status.setAccessibleName(self.tr("Verification status"))
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.ask = QLabel("")
        self.ask.setObjectName("verificationPrompt")
        self.ask.setWordWrap(True)
        self.ask.setAccessibleName(self.tr("What to ask"))
        layout.addWidget(self.ask)
        self.fields_box = QWidget()
        self.fields = QFormLayout(self.fields_box)
        layout.addWidget(self.fields_box)
        self.inputs: dict[str, QLineEdit] = {}
        self.feedback = QLabel("")
        self.feedback.setObjectName("verificationFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName(self.tr("Last answer"))
        layout.addWidget(self.feedback)
        layout.addStretch(1)
        row = QHBoxLayout()
        self.escalate_button = QPushButton(self.tr("Escalate to team lead"))
        self.escalate_button.setAccessibleName(self.tr("Escalate to a team lead"))
        self.escalate_button.clicked.connect(self.escalate.emit)
        row.addStretch(1)
        row.addWidget(self.escalate_button)
        layout.addLayout(row)
        self._kinds: dict[str, str] = {}
        self._prompt_key: tuple[str, ...] = ()
        self.reset()

    # --- set-up -------------------------------------------------------------------------
    def set_caller_types(self, choices: list[CallerChoice]) -> None:
        self.caller_type.blockSignals(True)
        self.caller_type.clear()
        for c in choices:
            self.caller_type.addItem(c.label, c.name)
            self._kinds[c.name] = c.kind
        self.caller_type.blockSignals(False)
        self._type_changed()

    def set_representatives(self, reps: list[RepresentativeChoice]) -> None:
        self.representative.clear()
        consent_words = {"active": self.tr("consent on file"), "expired": self.tr("consent expired"),
                         "inactive": self.tr("consent revoked"), "proposed": self.tr("consent pending"),
                         "missing": self.tr("no consent on file")}
        for r in reps:
            self.representative.addItem(f"{r.initials} · {r.relationship} · {consent_words.get(r.consent, r.consent)}",
                                        r.id)

    def _type_changed(self) -> None:
        name = str(self.caller_type.currentData() or "")
        is_rep = self._kinds.get(name) == "representative"
        self.representative.setEnabled(is_rep)
        if is_rep:
            self.caller_type_changed.emit(name)

    def _start(self) -> None:
        rep = str(self.representative.currentData() or "") if self.representative.isEnabled() else ""
        self.start.emit(str(self.caller_type.currentData() or ""), rep)

    # --- progress -----------------------------------------------------------------------
    def reset(self, enabled: bool = False) -> None:
        self._clear_fields()
        self.status.setText("" if enabled else self.tr("Pick the caller's record first."))
        self.ask.setText("")
        self.feedback.setText("")
        for w in (self.caller_type, self.start_button):
            w.setEnabled(enabled)
        self.representative.setEnabled(enabled and self._kinds.get(str(self.caller_type.currentData())) ==
                                       "representative")
        self.escalate_button.setEnabled(enabled)

    def show_view(self, view: CallView) -> None:
        if view.verification is None:
            self.reset(enabled=bool(view.patient))
            if view.patient:
                self.status.setText(self.tr("Choose who is calling, then start verification."))
            return
        for w in (self.caller_type, self.representative, self.start_button):
            w.setEnabled(False)
        words = self.tr(str(STATUS_WORDS.get(view.verification, view.verification)))
        misses = self.tr("{n} miss(es) so far").format(n=view.failures) if view.failures else ""
        self.status.setText(" · ".join(x for x in (words, misses) if x))
        self.escalate_button.setEnabled(view.verification == "asking")
        prompt = view.prompt
        if prompt is None:
            self._clear_fields()
            self.ask.setText("")
            return
        key = (prompt.stage, *prompt.identifiers)
        if key == self._prompt_key:
            return
        if self._prompt_key[:1] == (prompt.stage,) and set(prompt.identifiers) <= set(self.inputs):
            # The same stage with an answer matched: keep the fields, so what the agent is
            # already typing into the next one stays where it is.
            self._prompt_key = key
            for identifier, field in self.inputs.items():
                field.setEnabled(identifier in prompt.identifiers)
            self._ask(prompt)
            return
        self._clear_fields()
        self._prompt_key = key
        self._ask(prompt)
        first: QLineEdit | None = None
        for identifier in prompt.identifiers:
            field = QLineEdit()
            field.setObjectName(f"answer_{identifier}")
            field.setPlaceholderText(tr_format(identifier))
            field.setAccessibleName(tr_identifier(identifier))
            field.setAccessibleDescription(prompt.text(identifier, self.language))
            field.setToolTip(prompt.text(identifier, self.language))
            field.returnPressed.connect(lambda f=field, i=identifier: self._answer(i, f))
            label = QLabel(f"<b>{tr_identifier(identifier)}</b><br><i>“{prompt.text(identifier, self.language)}”</i>")
            label.setWordWrap(True)
            label.setBuddy(field)
            self.fields.addRow(label, field)
            self.inputs[identifier] = field
            first = first or field
        order = [self.start_button, *self.inputs.values(), self.escalate_button]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        if first is not None:
            first.setFocus()

    def _ask(self, prompt: Prompt) -> None:
        about = self.tr("about the patient") if prompt.stage == "patient" else self.tr("about the caller")
        if prompt.needed < len(prompt.identifiers):
            self.ask.setText(self.tr("Ask {n} of these, {about}:").format(n=prompt.needed, about=about))
        else:
            self.ask.setText(self.tr("Ask each of these, {about}:").format(about=about))

    def show_result(self, identifier: str, result: AnswerResult) -> None:
        name = tr_identifier(identifier)
        value = str(result.result)
        if value == "match":
            self.feedback.setText(self.tr("✔ {name} matches.").format(name=name))
            field = self.inputs.get(identifier)
            if field is not None:
                field.clear()
                field.setEnabled(False)
                self._focus_next()
        elif value == "ask_again":
            hint = f" {self.tr('Expected')}: {result.expected}" if result.expected else ""
            self.feedback.setText(self.tr("? {name}: please ask again.").format(name=name) + hint)
        else:
            self.feedback.setText(self.tr("✖ {name} does not match the record.").format(name=name))
            field = self.inputs.get(identifier)
            if field is not None:
                field.clear()

    def _answer(self, identifier: str, field: QLineEdit) -> None:
        typed = field.text()
        if typed.strip():
            self.answered.emit(identifier, typed)

    def _focus_next(self) -> None:
        for field in self.inputs.values():
            if field.isEnabled():
                field.setFocus()
                return

    def _clear_fields(self) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.inputs = {}
        self._prompt_key = ()

    def clear_phi(self) -> None:
        """Typed answers are PHI: gone on lock and at call end."""
        for field in self.inputs.values():
            field.clear()
        self.feedback.setText("")
