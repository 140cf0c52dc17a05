"""Matchers for what an agent types while a caller answers verification questions.

Each matcher compares the typed text with the value on file and answers MATCH, NO_MATCH or
ASK_AGAIN. ASK_AGAIN means the text could not be read as the identifier (wrong shape, an
ambiguous day/month): it never depends on the value on file, so it leaks nothing, and it
carries a hint saying which format the engine expected. A near miss is a NO_MATCH: there is
no fuzzy acceptance anywhere.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class Result(enum.StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    ASK_AGAIN = "ask_again"


@dataclass(frozen=True)
class Match:
    result: Result
    # For ASK_AGAIN: a short code and the format the engine expected (both PHI-free).
    problem: str = ""
    expected: str = ""

    @property
    def ok(self) -> bool:
        return self.result is Result.MATCH


MATCH = Match(Result.MATCH)
NO_MATCH = Match(Result.NO_MATCH)


def ask_again(problem: str, expected: str) -> Match:
    return Match(Result.ASK_AGAIN, problem, expected)


# --- names ----------------------------------------------------------------------------------

NAME_RULES = ("full", "given_and_first_surname", "given_and_any_surname")
# Connectors callers say between or inside surnames ("García y López"); dropped on both sides.
_NAME_CONNECTORS = frozenset({"y", "e"})
_APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc"


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form: José -> jose, ÑANDÚ -> nandu."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013,.]+")
_APOSTROPHE_TABLE = str.maketrans("", "", _APOSTROPHES)


def name_tokens(text: str) -> list[str]:
    """Words of a name: accents and case folded, apostrophes removed, hyphens split."""
    words = _SEPARATORS.split(fold(text).translate(_APOSTROPHE_TABLE))
    return [w for w in words if w and w not in _NAME_CONNECTORS]


# Particles that belong to the surname after them: "de la Cruz", "van der Berg".
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "van",
                        "von", "der", "den", "le"})


def surnames(family: Sequence[str]) -> list[str]:
    """Surnames as folded words; one "García López" string (no fathers/mothers-family split
    on file) becomes two, keeping particles with the name after them ("de la Cruz")."""
    if len(family) != 1:
        return ["".join(name_tokens(part)) for part in family]
    out: list[str] = []
    pending = ""
    for word in re.split(r"\s+", fold(family[0]).translate(_APOSTROPHE_TABLE).strip()):
        if not word or word in _NAME_CONNECTORS:
            continue
        joined = "".join(_SEPARATORS.split(word))
        if joined in _PARTICLES:
            pending += joined
        else:
            out.append(pending + joined)
            pending = ""
    if pending:
        out.append(pending)
    return out


def name_forms(given: Sequence[str], family: Sequence[str], rule: str) -> set[str]:
    """Every spelling (separators removed) that the rule accepts for this person."""
    if rule not in NAME_RULES:
        raise ValueError(f"unknown name rule {rule!r}")
    g = ["".join(name_tokens(part)) for part in given]
    f = surnames(family)
    givens = [g]
    families = [f]
    if rule in ("given_and_first_surname", "given_and_any_surname") and g:
        givens.append(g[:1])
    if rule == "given_and_first_surname" and f:
        families.append(f[:1])
    if rule == "given_and_any_surname":
        families.extend([x] for x in f)
    return {"".join(gs) + "".join(fs) for gs in givens for fs in families if gs and fs}


def match_name(typed: str, given: Sequence[str], family: Sequence[str], rule: str = "full") -> Match:
    """A person's name as typed: "José García-López", "JOSE GARCIA LOPEZ", "García López, José".

    Accents, case, whitespace, hyphens and apostrophes do not matter; which parts are
    required is the script's ``name_rule``. Anything else (a letter off) is a miss.
    """
    text = typed.strip()
    if "," in text:  # "Family, Given" as agents often type from a form
        family_part, _, given_part = text.partition(",")
        text = f"{given_part} {family_part}"
    tokens = name_tokens(text)
    if len(tokens) < 2:
        return ask_again("name_incomplete", "given name and surname")
    if any(not t.isalpha() for t in tokens):
        return ask_again("name_not_letters", "letters only (given name and surname)")
    return MATCH if "".join(tokens) in name_forms(given, family, rule) else NO_MATCH


# --- dates ----------------------------------------------------------------------------------

_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "jan", "enero", "ene"),
        ("february", "feb", "febrero"),
        ("march", "mar", "marzo"),
        ("april", "apr", "abril", "abr"),
        ("may", "mayo"),
        ("june", "jun", "junio"),
        ("july", "jul", "julio"),
        ("august", "aug", "agosto", "ago"),
        ("september", "sep", "sept", "septiembre", "setiembre", "set"),
        ("october", "oct", "octubre"),
        ("november", "nov", "noviembre"),
        ("december", "dec", "diciembre", "dic"),
    ],
    start=1,
):
    for _name in _names:
        _MONTH_NAMES[_name] = _number

DATE_FORMATS = "MM/DD/YYYY with a day over 12, YYYY-MM-DD, March 4 1961 or 4 de marzo de 1961"
_NUMERIC = re.compile(r"^(\d{1,4})[/\-.\s](\d{1,2})[/\-.\s](\d{1,4})$")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th|º|°)\b")


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date | None
    problem: str = ""


def parse_date(typed: str) -> ParsedDate:
    """Read a date as agents type it; never guess between day and month."""
    text = fold(typed).strip()
    text = _ORDINAL.sub(r"\1", text)
    numeric = _NUMERIC.match(text)
    if numeric:
        a, b, c = numeric.groups()
        if len(a) == 4:
            return _build(int(a), int(b), int(c))
        if len(c) != 4:
            return ParsedDate(None, "year_not_four_digits")
        first, second, year = int(a), int(b), int(c)
        if first > 12 and second <= 12:
            return _build(year, second, first)  # 13/04/1961: only day-first reads
        if second > 12 and first <= 12:
            return _build(year, first, second)  # 04/13/1961: only month-first reads
        if first == second:
            return _build(year, first, second)
        if first > 12 and second > 12:
            return ParsedDate(None, "not_a_date")
        return ParsedDate(None, "day_month_ambiguous")
    words = [w for w in re.split(r"[\s,./\-]+", text) if w and w not in ("de", "del", "of", "the")]
    if len(words) == 3:
        month_word, day_word = "", ""
        if words[0] in _MONTH_NAMES and words[1].isdigit():
            month_word, day_word = words[0], words[1]
        elif words[1] in _MONTH_NAMES and words[0].isdigit():
            month_word, day_word = words[1], words[0]
        if month_word:
            year_word = words[2]
            if not (year_word.isdigit() and len(year_word) == 4):
                return ParsedDate(None, "year_not_four_digits")
            return _build(int(year_word), _MONTH_NAMES[month_word], int(day_word))
    return ParsedDate(None, "unreadable_date")


def _build(year: int, month: int, day: int) -> ParsedDate:
    try:
        return ParsedDate(dt.date(year, month, day))
    except ValueError:
        return ParsedDate(None, "not_a_date")


def match_date(typed: str, on_file: dt.date) -> Match:
    parsed = parse_date(typed)
    if parsed.value is None:
        return ask_again(parsed.problem, DATE_FORMATS)
    return MATCH if parsed.value == on_file else NO_MATCH


# --- numbers and codes ----------------------------------------------------------------------

_ZIP = re.compile(r"^(\d{5})(?:[\s\-]?(\d{4}))?$")


def match_zip(typed: str, on_file: str) -> Match:
    """ZIP or ZIP+4; the +4 part is compared only when both sides have one."""
    got = _ZIP.match(typed.strip())
    if not got:
        return ask_again("zip_format", "5 digits or ZIP+4 (12345-6789)")
    want = _ZIP.match(on_file.strip())
    if not want:
        return NO_MATCH
    if got.group(1) != want.group(1):
        return NO_MATCH
    if got.group(2) and want.group(2) and got.group(2) != want.group(2):
        return NO_MATCH
    return MATCH


_ID_SEPARATORS = re.compile(r"[\s\-_./#]+")


def normalize_member_id(value: str) -> str:
    return _ID_SEPARATORS.sub("", value).upper()


def match_member_id(typed: str, on_file: str) -> Match:
    """Member IDs ignoring spaces, hyphens, dots and case: ``xjh 123-456`` = ``XJH123456``."""
    got = normalize_member_id(typed)
    if not got or not got.isalnum() or not got.isascii():
        return ask_again("member_id_format", "letters and digits of the member ID")
    return MATCH if got == normalize_member_id(on_file) else NO_MATCH


def match_ssn_last4(typed: str, on_file: str) -> Match:
    got = re.sub(r"\s+", "", typed)
    if not re.fullmatch(r"\d{4}", got):
        return ask_again("ssn_last4_format", "exactly four digits")
    return MATCH if got == on_file.strip() else NO_MATCH


def normalize_passcode(value: str) -> str:
    # spacing is ignored entirely: "girasolazul" is "girasol azul" said without a pause
    return "".join(fold(value).split())


def match_passcode(typed: str, on_file: str) -> Match:
    """A spoken passcode: case, accents and spacing do not matter, every letter does."""
    got = normalize_passcode(typed)
    if not got:
        return ask_again("passcode_empty", "the passcode as the caller says it")
    return MATCH if got == normalize_passcode(on_file) else NO_MATCH


def match_phone(typed: str, on_file: str) -> Match:
    """A phone number ignoring formatting; a leading US country code 1 is optional."""
    got = re.sub(r"\D", "", typed)
    if len(got) < 7 or len(got) > 15:
        return ask_again("phone_format", "the full phone number with area code")

    def core(digits: str) -> str:
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits

    return MATCH if core(got) == core(re.sub(r"\D", "", on_file)) else NO_MATCH


# Matchers of single-valued identifiers, by the record field they compare with.
TextMatcher = Callable[[str, str], Match]
TEXT_MATCHERS: dict[str, TextMatcher] = {
    "zip": match_zip,
    "member_id": match_member_id,
    "ssn_last4": match_ssn_last4,
    "passcode": match_passcode,
    "phone": match_phone,
}
