"""The sign-in view: brand, a card with the step the workstation is at, and why we are here.

Pages of the card: starting (painted before the core is imported), unlock (profile and
password), enrol (first run, step 1) and vault (first run, step 2). Only "starting" is
built with the view: the window paints with it while the workstation loads, and each other
page (with its widget classes, whose first use costs PySide time) is built on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ui.look import icon_label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox

    from ui.pages.enrol_step import EnrolStep
    from ui.pages.vault_step import VaultStep
    from ui.widgets.message_panel import MessagePanel
    from ui.widgets.unlock_form import UnlockForm

CARD_WIDTH = 460
P = TypeVar("P", bound=QWidget)


class SignInView(QWidget):
    unlock_requested = Signal(str)
    profile_chosen = Signal(str)

    def __init__(self, *, server_url: str, min_password_length: int, managed: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInView")
        scroll = QScrollArea(self)
        scroll.setObjectName("signInScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 0)
        frame.addWidget(scroll)
        content = QWidget(scroll)
        content.setObjectName("signInView")
        scroll.setWidget(content)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(16)
        column.addLayout(self._brand())
        self.card = QFrame(self)
        self.card.setObjectName("card")
        self.card.setFixedWidth(CARD_WIDTH)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(28, 24, 28, 24)
        card.setSpacing(12)
        self._card_layout = card
        self._notice: MessagePanel | None = None  # built by the first notice
        # pages shown one at a time; hidden pages take no room, so the card fits the page shown
        self.stack = QWidget(self.card)
        self._pages = QVBoxLayout(self.stack)
        self._pages.setContentsMargins(0, 0, 0, 0)
        card.addWidget(self.stack)
        column.addWidget(self.card)
        footer = QLabel(self.tr("Managed by your organisation. Every access to patient data is "
                                "recorded.") if managed else
                        self.tr("Every access to patient data is recorded."), self)
        footer.setObjectName("muted")
        # centred by the style sheet: PySide builds all of the Qt namespace's enums at the
        # first `Qt` import (~16 ms); the first frame does without it
        footer.setProperty("centred", True)
        footer.setWordWrap(True)
        footer.setFixedWidth(CARD_WIDTH)
        column.addWidget(footer)
        row.addLayout(column)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.starting = QLabel(self.tr("Starting Agent Desktop…"), self.stack)
        self.starting.setProperty("centred", True)
        self.starting.setObjectName("muted")
        self.starting.setMinimumHeight(120)
        self._server_url = server_url
        self._min_password_length = min_password_length
        self._unlock: QWidget | None = None
        self._form: UnlockForm | None = None
        self._profile: QComboBox | None = None
        self._enrol: EnrolStep | None = None
        self._vault: VaultStep | None = None
        self.pages: tuple[QWidget, ...] = (self.starting,)
        self._pages.addWidget(self.starting)
        self._current: QWidget = self.starting
        self._show_page(self.starting)

    @property
    def notice(self) -> MessagePanel:
        if self._notice is None:
            from ui.widgets.message_panel import MessagePanel

            self._notice = MessagePanel(self.card)
            self._notice.setObjectName("messagePanel")
            self._card_layout.insertWidget(0, self._notice)
        return self._notice

    @property
    def unlock_page(self) -> QWidget:
        if self._unlock is None:
            self._unlock = self._add_page(self._unlock_page())
        return self._unlock

    @property
    def form(self) -> UnlockForm:
        self.unlock_page  # noqa: B018 - builds the page that holds it
        assert self._form is not None
        return self._form

    @property
    def profile(self) -> QComboBox:
        self.unlock_page  # noqa: B018 - builds the page that holds it
        assert self._profile is not None
        return self._profile

    @property
    def enrol(self) -> EnrolStep:
        if self._enrol is None:
            from ui.pages.enrol_step import EnrolStep

            self._enrol = self._add_page(EnrolStep(self._server_url, self.stack))
        return self._enrol

    @property
    def vault(self) -> VaultStep:
        if self._vault is None:
            from ui.pages.vault_step import VaultStep

            self._vault = self._add_page(VaultStep(self._min_password_length, "", self.stack))
        return self._vault

    def _add_page(self, page: P) -> P:
        page.setVisible(False)
        self._pages.addWidget(page)
        self.pages = (*self.pages, page)
        return page

    def _show_page(self, page: QWidget) -> None:
        for other in self.pages:
            other.setVisible(other is page)
        self._current = page

    def current_page(self) -> QWidget:
        return self._current

    def _brand(self) -> QHBoxLayout:
        brand = QHBoxLayout()
        brand.setSpacing(14)
        brand.addStretch(1)
        brand.addWidget(icon_label("app", 52, self))
        words = QVBoxLayout()
        words.setSpacing(0)
        title = QLabel(self.tr("Agent Desktop"), self)
        title.setObjectName("brandTitle")
        subtitle = QLabel(self.tr("Secure calls, verified callers"), self)
        subtitle.setObjectName("brandSubtitle")
        words.addWidget(title)
        words.addWidget(subtitle)
        brand.addLayout(words)
        brand.addStretch(1)
        return brand

    def _unlock_page(self) -> QWidget:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QComboBox, QPushButton  # their first use costs PySide ~3 ms

        from ui.widgets.unlock_form import UnlockForm

        page = QWidget(self.stack)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        title = QLabel(self.tr("Sign in"), page)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        caption = QLabel(self.tr("Profile"), page)
        caption.setObjectName("fieldCaption")
        profile = self._profile = QComboBox(page)
        profile.setObjectName("profile")
        profile.setAccessibleName(self.tr("Profile"))
        caption.setBuddy(profile)
        profile.activated.connect(lambda i: self.profile_chosen.emit(profile.itemText(i)))
        layout.addWidget(caption)
        layout.addWidget(profile)
        form = self._form = UnlockForm(page)
        form.submitted.connect(self.unlock_requested)
        layout.addWidget(form)
        forgot = QPushButton(self.tr("Forgot your password?"), page)
        forgot.setObjectName("link")
        forgot.setAccessibleName(self.tr("Forgot your password?"))
        forgot.clicked.connect(self._forgot)
        layout.addWidget(forgot, 0, Qt.AlignmentFlag.AlignLeft)
        return page

    def _forgot(self) -> None:
        self.form.message.show_message(
            self.tr("A forgotten vault password cannot be recovered."),
            self.tr("Ask IT to wipe this profile's vault and give you a new enrolment token; "
                    "events not yet sent to the audit server are lost with the vault."), "info")

    # --- what the shell drives ----------------------------------------------------------
    def set_profiles(self, profiles: list[str], current: str) -> None:
        self.profile.clear()
        self.profile.addItems(profiles or [current])
        self.profile.setCurrentText(current)
        self.profile.setEnabled(len(profiles) > 1)

    def show_starting(self) -> None:
        self._show_page(self.starting)

    def show_unlock(self) -> None:
        self._show_page(self.unlock_page)
        self.form.password.setFocus()

    def show_enrol(self) -> None:
        self._show_page(self.enrol)
        self.enrol.token.setFocus()

    def show_vault(self, profile: str) -> None:
        self.vault.rules.profile = profile
        self._show_page(self.vault)
        self.vault.password.setFocus()

    def show_notice(self, message: str, hint: str = "", kind: str = "warning") -> None:
        self.notice.show_message(message, hint, kind)
