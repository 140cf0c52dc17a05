"""A revealed group's rows in the interface language: labels and vocabulary words from the
catalogue, dates, amounts and numbers in the UI locale's form (``QLocale()``, which
``ui.i18n`` sets with the language). The directory's own text (a drug, a doctor, the
instructions in the patient's language) is shown as it came.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    QObject,
    QTime,
)

from agent_desktop.directory.group_rows import (
    Bounds,
    FieldValue,
    Money,
    Quantity,
    Refills,
    Row,
    Term,
    When,
)

CONTEXT = "PhiView"

LABELS = {  # the core's fixed row vocabulary
    "Address": QT_TRANSLATE_NOOP("PhiView", "Address"),
    "Phone": QT_TRANSLATE_NOOP("PhiView", "Phone"),
    "Email": QT_TRANSLATE_NOOP("PhiView", "Email"),
    "Contact": QT_TRANSLATE_NOOP("PhiView", "Contact"),
    "Preferred language": QT_TRANSLATE_NOOP("PhiView", "Preferred language"),
    "Gender": QT_TRANSLATE_NOOP("PhiView", "Gender"),
    "Next appointment": QT_TRANSLATE_NOOP("PhiView", "Next appointment"),
    "Upcoming appointment": QT_TRANSLATE_NOOP("PhiView", "Upcoming appointment"),
    "Cancelled appointment": QT_TRANSLATE_NOOP("PhiView", "Cancelled appointment"),
    "Missed appointment": QT_TRANSLATE_NOOP("PhiView", "Missed appointment"),
    "Past appointment": QT_TRANSLATE_NOOP("PhiView", "Past appointment"),
    "Medication": QT_TRANSLATE_NOOP("PhiView", "Medication"),
    "Lab result": QT_TRANSLATE_NOOP("PhiView", "Lab result"),
    "Care plan": QT_TRANSLATE_NOOP("PhiView", "Care plan"),
    "Goal": QT_TRANSLATE_NOOP("PhiView", "Goal"),
    "Activity": QT_TRANSLATE_NOOP("PhiView", "Activity"),
    "Condition": QT_TRANSLATE_NOOP("PhiView", "Condition"),
    "Coverage": QT_TRANSLATE_NOOP("PhiView", "Coverage"),
    "Claim": QT_TRANSLATE_NOOP("PhiView", "Claim"),
}

# (vocabulary, code) -> words; a code not listed is shown as the directory wrote it
TERMS = {
    ("appointment", "booked"): QT_TRANSLATE_NOOP("PhiView", "booked"),
    ("appointment", "fulfilled"): QT_TRANSLATE_NOOP("PhiView", "attended"),
    ("appointment", "noshow"): QT_TRANSLATE_NOOP("PhiView", "no-show"),
    ("appointment", "cancelled"): QT_TRANSLATE_NOOP("PhiView", "cancelled"),
    ("appointment", "arrived"): QT_TRANSLATE_NOOP("PhiView", "arrived"),
    ("appointment", "checked-in"): QT_TRANSLATE_NOOP("PhiView", "checked in"),
    ("appointment", "pending"): QT_TRANSLATE_NOOP("PhiView", "pending"),
    ("appointment", "proposed"): QT_TRANSLATE_NOOP("PhiView", "proposed"),
    ("flag", "H"): QT_TRANSLATE_NOOP("PhiView", "high"),
    ("flag", "HH"): QT_TRANSLATE_NOOP("PhiView", "critical high"),
    ("flag", "L"): QT_TRANSLATE_NOOP("PhiView", "low"),
    ("flag", "LL"): QT_TRANSLATE_NOOP("PhiView", "critical low"),
    ("flag", "N"): QT_TRANSLATE_NOOP("PhiView", "normal"),
    ("flag", "A"): QT_TRANSLATE_NOOP("PhiView", "abnormal"),
    ("language", "en"): QT_TRANSLATE_NOOP("PhiView", "English"),
    ("language", "es"): QT_TRANSLATE_NOOP("PhiView", "Spanish"),
    ("gender", "female"): QT_TRANSLATE_NOOP("PhiView", "female"),
    ("gender", "male"): QT_TRANSLATE_NOOP("PhiView", "male"),
    ("gender", "other"): QT_TRANSLATE_NOOP("PhiView", "other"),
    ("gender", "unknown"): QT_TRANSLATE_NOOP("PhiView", "unknown"),
    ("use", "home"): QT_TRANSLATE_NOOP("PhiView", "home"),
    ("use", "work"): QT_TRANSLATE_NOOP("PhiView", "work"),
    ("use", "mobile"): QT_TRANSLATE_NOOP("PhiView", "mobile"),
    ("use", "temp"): QT_TRANSLATE_NOOP("PhiView", "temporary"),
    ("use", "old"): QT_TRANSLATE_NOOP("PhiView", "old"),
}
# FHIR status codes (medication, observation, care plan and its activities, condition,
# coverage, claim outcome): the same word whatever the resource
STATUSES = {
    "active": QT_TRANSLATE_NOOP("PhiView", "active"),
    "inactive": QT_TRANSLATE_NOOP("PhiView", "inactive"),
    "stopped": QT_TRANSLATE_NOOP("PhiView", "stopped"),
    "completed": QT_TRANSLATE_NOOP("PhiView", "completed"),
    "complete": QT_TRANSLATE_NOOP("PhiView", "complete"),
    "on-hold": QT_TRANSLATE_NOOP("PhiView", "on hold"),
    "cancelled": QT_TRANSLATE_NOOP("PhiView", "cancelled"),
    "draft": QT_TRANSLATE_NOOP("PhiView", "draft"),
    "revoked": QT_TRANSLATE_NOOP("PhiView", "revoked"),
    "entered-in-error": QT_TRANSLATE_NOOP("PhiView", "entered in error"),
    "final": QT_TRANSLATE_NOOP("PhiView", "final"),
    "preliminary": QT_TRANSLATE_NOOP("PhiView", "preliminary"),
    "amended": QT_TRANSLATE_NOOP("PhiView", "amended"),
    "corrected": QT_TRANSLATE_NOOP("PhiView", "corrected"),
    "registered": QT_TRANSLATE_NOOP("PhiView", "registered"),
    "in-progress": QT_TRANSLATE_NOOP("PhiView", "in progress"),
    "scheduled": QT_TRANSLATE_NOOP("PhiView", "scheduled"),
    "not-started": QT_TRANSLATE_NOOP("PhiView", "not started"),
    "recurrence": QT_TRANSLATE_NOOP("PhiView", "recurrence"),
    "relapse": QT_TRANSLATE_NOOP("PhiView", "relapse"),
    "remission": QT_TRANSLATE_NOOP("PhiView", "remission"),
    "resolved": QT_TRANSLATE_NOOP("PhiView", "resolved"),
    "queued": QT_TRANSLATE_NOOP("PhiView", "queued"),
    "partial": QT_TRANSLATE_NOOP("PhiView", "partial"),
    "error": QT_TRANSLATE_NOOP("PhiView", "error"),
}


# the same codes for a coverage, a claim or a care plan's activity: languages that agree a
# word with its noun (Spanish: "cobertura activa", "plan activo") translate them apart
FEMININE = {"coverage", "claim", "activity"}
STATUSES_FEMININE = {
    "active": QT_TRANSLATE_NOOP("PhiView/feminine", "active"),
    "inactive": QT_TRANSLATE_NOOP("PhiView/feminine", "inactive"),
    "stopped": QT_TRANSLATE_NOOP("PhiView/feminine", "stopped"),
    "completed": QT_TRANSLATE_NOOP("PhiView/feminine", "completed"),
    "complete": QT_TRANSLATE_NOOP("PhiView/feminine", "complete"),
    "on-hold": QT_TRANSLATE_NOOP("PhiView/feminine", "on hold"),
    "cancelled": QT_TRANSLATE_NOOP("PhiView/feminine", "cancelled"),
    "draft": QT_TRANSLATE_NOOP("PhiView/feminine", "draft"),
    "revoked": QT_TRANSLATE_NOOP("PhiView/feminine", "revoked"),
    "entered-in-error": QT_TRANSLATE_NOOP("PhiView/feminine", "entered in error"),
    "in-progress": QT_TRANSLATE_NOOP("PhiView/feminine", "in progress"),
    "scheduled": QT_TRANSLATE_NOOP("PhiView/feminine", "scheduled"),
    "not-started": QT_TRANSLATE_NOOP("PhiView/feminine", "not started"),
    "queued": QT_TRANSLATE_NOOP("PhiView/feminine", "queued"),
    "partial": QT_TRANSLATE_NOOP("PhiView/feminine", "partial"),
    "error": QT_TRANSLATE_NOOP("PhiView/feminine", "error"),
}


class PhiWords(QObject):
    """The plural texts (lupdate marks a text plural only in ``self.tr(text, "", n)``)."""

    def refills(self, count: int) -> str:
        if count == 1:  # English has no %n form for one
            return self.tr("1 refill")
        return self.tr("%n refills", "", count)


def _words(source: object) -> str:
    """A text of this module's tables in the installed language."""
    return QCoreApplication.translate(CONTEXT, str(source))


def date_format(locale: QLocale) -> str:
    """The locale's short date with the year in full (``M/d/yyyy``, ``d/M/yyyy``): a birth
    year or a claim's year must never be two digits."""
    return re.sub(r"(?<!y)yy(?!y)", "yyyy", locale.dateFormat(QLocale.FormatType.ShortFormat))


def when_text(value: dt.date | dt.datetime, locale: QLocale) -> str:
    """The directory's wall-clock date and time (never moved to this workstation's zone)."""
    date = QDate(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        return locale.toString(date, date_format(locale))
    moment = QDateTime(date, QTime(value.hour, value.minute))
    return locale.toString(moment, f"{date_format(locale)} {locale.timeFormat(QLocale.FormatType.ShortFormat)}")


def number_text(number: float, locale: QLocale) -> str:
    return locale.toString(number, "g", 12)


def term_text(term: Term) -> str:
    if term.vocabulary in FEMININE and term.code in STATUSES_FEMININE:
        return QCoreApplication.translate("PhiView/feminine", str(STATUSES_FEMININE[term.code]))
    source = TERMS.get((term.vocabulary, term.code))
    if source is None and term.vocabulary not in ("appointment", "flag", "language", "gender", "use"):
        source = STATUSES.get(term.code)
    return _words(source) if source is not None else term.code


def value_text(value: FieldValue, locale: QLocale | None = None) -> str:
    """One field in the interface language; the directory's text as it came."""
    locale = locale or QLocale()
    if isinstance(value, str):
        return value
    if isinstance(value, When):
        return when_text(value.value, locale)
    if isinstance(value, Term):
        return term_text(value)
    if isinstance(value, Money):
        symbol = "$" if value.currency == "USD" else value.currency
        return locale.toCurrencyString(value.amount, symbol, 2)
    if isinstance(value, Quantity):
        return f"{number_text(value.number, locale)} {value.unit}".strip()
    if isinstance(value, Bounds):
        unit = value.unit
        if value.low is not None and value.high is not None:
            text = QCoreApplication.translate("PhiView", "{low}–{high}").format(
                low=number_text(value.low, locale), high=number_text(value.high, locale))
        elif value.high is not None:
            text = QCoreApplication.translate("PhiView", "below {high}").format(high=number_text(value.high, locale))
        else:
            text = QCoreApplication.translate("PhiView", "above {low}").format(
                low=number_text(value.low or 0.0, locale))
        return f"{text} {unit}".strip()
    if isinstance(value, Refills):
        return PhiWords().refills(value.count)
    return value.text


def row_text(row: Row, locale: QLocale | None = None) -> str:
    """``Próxima cita: 14/1/2027 9:30, Cardiología, Dr. ...`` in the interface language."""
    label = _words(LABELS[row.label]) if row.label in LABELS else row.label
    values = [t for _, v in row.fields if (t := value_text(v, locale))]
    return QCoreApplication.translate("PhiView", "{label}: {values}").format(label=label, values=", ".join(values))
