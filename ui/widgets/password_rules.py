"""The policy's vault password rules as a checklist that updates while the agent types."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from agent_desktop.vault.password_rules import RULES, evaluate
from ui.look import icon_label, set_icon


class PasswordRules(QWidget):
    def __init__(self, min_length: int, profile: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self.profile = profile
        self.setAccessibleName(self.tr("Password rules"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(5)
        texts = {
            "length": self.tr("At least %n characters", "", min_length),
            "not_agent_id": self.tr("Not your agent id"),
            "variety": self.tr("5 or more different characters"),
            "not_common": self.tr("Not a common password"),
            "not_sequence": self.tr("No keyboard sequence"),
            "match": self.tr("Both entries match"),
        }
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        for i, code in enumerate((*RULES, "match")):
            mark = icon_label("cross", 16, self)
            text = QLabel(texts[code], self)
            text.setObjectName("fieldCaption")
            row, column = divmod(i, 2)
            grid.addWidget(mark, row, column * 2)
            grid.addWidget(text, row, column * 2 + 1)
            self.rows[code] = (mark, text)
        self.passed: dict[str, bool] = {}
        self.update_for("", "")

    def update_for(self, password: str, confirm: str) -> bool:
        """Re-check; True when every rule passes and both entries match."""
        results = {r.code: r.passed for r in evaluate(password, self.min_length, self.profile)}
        results = {code: ok and bool(password) for code, ok in results.items()}
        results["match"] = bool(password) and password == confirm
        for code, ok in results.items():
            mark, text = self.rows[code]
            set_icon(mark, "check" if ok else "cross", 16)
            # not by colour alone: the icon differs and the accessible text says it
            state = self.tr("met") if ok else self.tr("not met")
            mark.setAccessibleName(f"{text.text()}: {state}")
        self.passed = results
        return all(results.values())
