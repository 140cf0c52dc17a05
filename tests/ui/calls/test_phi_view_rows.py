"""The PHI view paints a revealed group's labelled rows in the interface language, and says
when they are the vault's copy."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from agent_desktop.directory.group_rows import Bounds, Money, Quantity, Refills, Row, Term, When
from agent_desktop.directory.groups import GroupData
from ui import i18n
from ui.calls import phi_format
from ui.calls.phi_view import PhiView

ROWS = (Row("Next appointment", (("When", "2027-01-14 09:30"), ("Service", "Cardiology"),
                                 ("With", "Dr. Amelia Hartwell"))),
        Row("Past appointment", (("When", "2026-10-01 08:00"), ("Service", "Primary care"))))


def test_a_revealed_group_shows_one_labelled_line_per_row(qtbot: QtBot) -> None:
    view = PhiView()
    qtbot.addWidget(view)
    view.show_group("appointments", GroupData("appointments", "pat-1", ROWS, cached=False, fetched_at=0.0))
    assert view.boxes["appointments"].content.text() == (
        "Next appointment: 2027-01-14 09:30, Cardiology, Dr. Amelia Hartwell\n"
        "Past appointment: 2026-10-01 08:00, Primary care")
    view.show_group("medications", GroupData("medications", "pat-1", (), cached=True, fetched_at=0.0))
    assert view.boxes["medications"].content.text().splitlines() == [
        "Saved copy (the directory is offline):", "Nothing on file."]
    view.clear_phi()
    assert not any(view.texts())


def test_revealed_rows_in_spanish_have_spanish_labels_words_dates_and_amounts_and_the_directorys_text(
        qtbot: QtBot, qapp: QApplication) -> None:
    translation = i18n.Translation(qapp)
    translation.install("es")
    try:
        view = PhiView()
        qtbot.addWidget(view)
        rows = (Row("Next appointment", (("When", When(dt.datetime(2027, 1, 14, 9, 30, tzinfo=dt.UTC))),
                                         ("Service", "Cardiology"), ("Status", Term("appointment", "booked")))),
                Row("Medication", (("Drug", "Metformina 500 mg tableta oral"), ("Refills", Refills(3)))),
                Row("Lab result", (("Result", Quantity(5.6, "%")), ("Flag", Term("flag", "H")),
                                   ("Reference range", Bounds(None, 5.6, "%")),
                                   ("Status", Term("observation", "an-unknown-code")))),
                Row("Claim", (("Date", When(dt.date(2026, 3, 9))), ("Billed", Money(1234.5, "USD")))),
                Row("Coverage", (("Payer", "Cedar Mutual Health"), ("Status", Term("coverage", "active")))))
        view.show_group("appointments", GroupData("appointments", "pat-1", rows, cached=False, fetched_at=0.0))
        assert view.boxes["appointments"].content.text().splitlines() == [
            "Próxima cita: 14/1/2027 9:30, Cardiology, reservada",  # the directory's words as they came
            "Medicamento: Metformina 500 mg tableta oral, 3 repeticiones",
            "Resultado de laboratorio: 5,6 %, alto, por debajo de 5,6 %, an-unknown-code",
            "Reclamación: 9/3/2026, 1234,50\xa0$",
            "Cobertura: Cedar Mutual Health, activa"]  # the word agrees with its noun
        assert phi_format.value_text(Refills(1)) == "1 repetición"
        translation.switch("en")  # the shown lines follow the language
        QApplication.sendPostedEvents(None, QEvent.Type.LanguageChange.value)
        assert view.boxes["appointments"].content.text().splitlines()[0] == \
            "Next appointment: 1/14/2027 9:30\u202fAM, Cardiology, booked"
        view.clear_phi()
        translation.switch("es")
        QApplication.sendPostedEvents(None, QEvent.Type.LanguageChange.value)
        assert not any(view.texts())  # cleared data is not written again by a language change
    finally:
        translation.install("en")
