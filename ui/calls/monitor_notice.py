"""The agent's "being monitored" notice: shown while a team lead listens in (during listen
only when policy's ``monitoring.notify_agent`` says so), coaches or barges in. The state is
said in words, never by colour alone."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from agent_desktop.app.monitoring import MonitoringNotice


class MonitorNotice(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("monitorNotice")
        self.setWordWrap(True)
        self.setAccessibleName(self.tr("Monitoring notice"))
        self.hide()

    def on_notice(self, notice: MonitoringNotice) -> None:
        if not notice.shown:
            self.setText("")
            self.hide()
            return
        texts = {
            "listen": self.tr("Your team lead {0} is listening to this call.").format(notice.sup),
            "whisper": self.tr("Your team lead {0} is coaching you: only you hear them.").format(notice.sup),
            "barge": self.tr("Your team lead {0} has joined the call: the caller hears them too.")
            .format(notice.sup),
        }
        self.setText(texts.get(notice.mode, ""))
        self.setVisible(bool(self.text()))
