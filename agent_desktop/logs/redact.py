"""Masks PHI-looking values in text before it reaches any log, crash report or stderr.

Patterns are deliberately broad: a masked port number costs IT a moment, a leaked date of
birth costs a breach notice. Values the product knows are sensitive (names of patients
loaded on screen) can be registered too, as a second line of defence.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre"
)

_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _keep_ip(repl: str) -> Callable[[re.Match[str]], str]:
    """Addresses of our own servers help IT and are not a patient's; keep dotted quads."""

    def sub(m: re.Match[str]) -> str:
        return m.group(0) if _IPV4.fullmatch(m.group(0)) else repl

    return sub


Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


@functools.cache
def _rules() -> list[Rule]:
    """Compiled at the first redaction, not at import: compiling these takes ~25 ms, which
    the desktop's first frame would otherwise wait for (nothing is logged before it)."""
    # Order matters: URIs and e-mails first (they contain digits the later patterns would split).
    return [
        # display names in SIP headers: "Maria Lopez" <sip:...>
        (re.compile(r'"[^"\n]*"(\s*<(?:sips?|tel):)', re.I), r'"[name]"\1'),
        # user part of sip:/sips:/tel: URIs
        (re.compile(r"\b(sips?:)([^@\s;>\"',]+)@", re.I), r"\1[user]@"),
        (re.compile(r"\btel:\+?[\d\-.() ]{3,}", re.I), "tel:[number]"),
        (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[email]"),
        # SSN 123-45-6789 / 123 45 6789
        (re.compile(r"(?<![\w-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w-])"), "[ssn]"),
        # dates: 1961-03-04, 03/04/1961, 3-4-61, March 4 1961, 4 March 1961, 4 de marzo de 1961
        (re.compile(r"(?<![\w-])\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?![\w-])"), "[date]"),
        (re.compile(r"(?<![\w/.-])\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?![\w/.-])"), "[date]"),
        (re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.I), "[date]"),
        (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+|del\s+)?\d{{2,4}}\b", re.I), "[date]"),
        # phone numbers: at least 7 digits with the usual separators, optional +country
        (re.compile(r"(?<![\w.:/-])\+?\(?\d[\d\s().-]{5,}\d(?![\w])"), _keep_ip("[number]")),
        # member / account ids: letters then 4+ digits (MBR-4839201, XJH12345678)
        (re.compile(r"\b[A-Za-z]{1,6}[-_]?\d{4,}[A-Za-z0-9]*\b"), "[id]"),
        # any remaining run of 5+ digits (ZIP codes, MRNs); ports after ':' are kept
        (re.compile(r"(?<![\w.:-])\d{5,}(?![\w])"), "[number]"),
    ]


class Redactor:
    """Thread-safe text masker with an optional bounded set of known-sensitive literals."""

    def __init__(self, max_literals: int = 2048) -> None:
        self._lock = threading.Lock()
        # value -> how many holders registered it (two open records may share a surname)
        self._literals: OrderedDict[str, int] = OrderedDict()
        self._max = max_literals
        self._literal_re: re.Pattern[str] | None = None

    def add_literal(self, value: str) -> None:
        """Always mask ``value`` (e.g. a patient's name while their record is open) until
        as many :meth:`remove_literal` calls as adds."""
        value = value.strip()
        if len(value) < 3:
            return
        with self._lock:
            self._literals[value] = self._literals.get(value, 0) + 1
            self._literals.move_to_end(value)
            while len(self._literals) > self._max:
                self._literals.popitem(last=False)
            self._compile()

    def remove_literal(self, value: str) -> None:
        value = value.strip()
        with self._lock:
            count = self._literals.get(value)
            if count is None:
                return
            if count > 1:
                self._literals[value] = count - 1
                return
            del self._literals[value]
            self._compile()

    @contextmanager
    def literals(self, values: Iterable[str]) -> Iterator[None]:
        """Mask ``values`` for the duration of the ``with`` block."""
        held = [v for v in values if v]
        for value in held:
            self.add_literal(value)
        try:
            yield
        finally:
            for value in held:
                self.remove_literal(value)

    def literal_count(self) -> int:
        with self._lock:
            return len(self._literals)

    def _compile(self) -> None:
        if not self._literals:
            self._literal_re = None
            return
        # whole words only: "Ana" masks the name, not the middle of "banana"
        alternatives = "|".join(re.escape(v) for v in sorted(self._literals, key=len, reverse=True))
        self._literal_re = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)

    def clear_literals(self) -> None:
        with self._lock:
            self._literals.clear()
            self._literal_re = None

    def redact(self, text: str) -> str:
        if not text:
            return text
        literal_re = self._literal_re
        if literal_re is not None:
            text = literal_re.sub("[redacted]", text)
        for pattern, repl in _rules():
            text = pattern.sub(repl, text)
        return text


# The process-wide redactor used by logging and the pjsua2 log writer.
REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR.redact(text)
