"""Verification scripts: TOML data that compliance edits, validated strictly at load.

A broken script is never run: :func:`load_script` raises :class:`ScriptError` listing every
problem as ``file:line: problem`` and the product refuses to reveal PHI until it is fixed.
The format is documented in docs/verification.md; ``resources/verification/default.toml``
is the shipped default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.verify.matchers import NAME_RULES
from agent_desktop.verify.record import IDENTIFIERS

FIELD_GROUPS = ("demographics", "appointments", "medications", "lab_results", "billing", "care_plan")
LANGUAGES = ("en", "es")
KINDS = ("patient", "representative", "third_party", "escalate")
PATIENT_AGES = ("adult", "minor", "any")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ScriptError(AgentDesktopError):
    """A verification script that must not run; ``problems`` holds each ``file:line: problem``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"verification script is invalid:\n{lines}",
                         "Fix the script (check it with `agent-desktop verify check FILE`); "
                         "no patient data is shown until it loads.")


@dataclass(frozen=True)
class Text:
    """A prompt or label in every supported language."""

    en: str
    es: str

    def get(self, language: str) -> str:
        return self.es if language == "es" else self.en


@dataclass(frozen=True)
class IdentifierSpec:
    name: str
    attempts: int
    prompt: Text  # asked of the caller about themselves
    patient_prompt: Text | None  # asked of a third party about the patient


@dataclass(frozen=True)
class Requirement:
    all: tuple[str, ...]
    any: tuple[str, ...] = ()
    any_count: int = 0

    @property
    def identifiers(self) -> tuple[str, ...]:
        return self.all + self.any


@dataclass(frozen=True)
class CallerType:
    name: str
    kind: str
    label: Text
    groups: frozenset[str]
    relationships: frozenset[str] = frozenset()
    patient_age: str = "any"
    age_mismatch: str = "fail"  # "fail" or "escalate"
    patient_identifiers: Requirement | None = None
    caller_identifiers: Requirement | None = None
    max_failures: int = 3
    may_record_consent: bool = False
    may_request_access: bool = False


@dataclass(frozen=True)
class Script:
    name: str
    version: int
    description: str
    minor_age: int
    name_rule: str
    identifiers: Mapping[str, IdentifierSpec]
    caller_types: Mapping[str, CallerType]
    roles: Mapping[str, frozenset[str]]
    source: str = field(default="", compare=False)


# --- where a key is: TOML line numbers ------------------------------------------------------

_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


class _Locator:
    """Maps a key path (("caller_types", "patient", "groups")) to the line that defines it."""

    def __init__(self, text: str) -> None:
        self.defined: list[tuple[tuple[str, ...], int]] = []
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER_RE.match(line)
            if header:
                table = _split_key(header.group(1))
                self.defined.append((table, number))
                continue
            key = _KEY_RE.match(line)
            if key:
                self.defined.append((table + _split_key(key.group(1)), number))

    def line(self, path: Sequence[str]) -> int:
        best, best_len = 1, -1
        target = tuple(path)
        for defined, number in self.defined:
            if len(defined) > best_len and target[: len(defined)] == defined:
                best, best_len = number, len(defined)
        return best


# --- validation -----------------------------------------------------------------------------

Path_ = tuple[str, ...]


class _Checker:
    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.locator = _Locator(text)
        self.problems: list[Problem] = []

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append(Problem(self.source, self.locator.line(path), message))

    def table(self, raw: Any, path: Path_, allowed: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            self.problem(path, f"{'.'.join(path)} must be a table")
            return {}
        for key in raw:
            if key not in allowed:
                self.problem(path + (key,), f"unknown key {'.'.join(path + (key,))!r} "
                             f"(expected one of: {', '.join(allowed)})")
        for key in required:
            if key not in raw:
                self.problem(path, f"{'.'.join(path)}: missing required key {key!r}")
        return dict(raw)

    def integer(self, raw: Mapping[str, Any], key: str, path: Path_, default: int, lo: int, hi: int) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path + (key,), f"{'.'.join(path + (key,))} must be a whole number")
            return default
        if not lo <= value <= hi:
            self.problem(path + (key,), f"{'.'.join(path + (key,))} = {value} is impossible "
                         f"(allowed {lo} to {hi})")
            return default
        return value

    def string(self, raw: Mapping[str, Any], key: str, path: Path_, default: str = "",
               choices: Sequence[str] | None = None) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str):
            self.problem(path + (key,), f"{'.'.join(path + (key,))} must be a string")
            return default
        if choices is not None and value not in choices:
            self.problem(path + (key,), f"{'.'.join(path + (key,))} = {value!r} is not one of "
                         f"{', '.join(choices)}")
            return default
        return value

    def text(self, raw: Any, path: Path_) -> Text | None:
        table = self.table(raw, path, LANGUAGES, LANGUAGES)
        values = {}
        for lang in LANGUAGES:
            value = table.get(lang)
            if lang in table and (not isinstance(value, str) or not value.strip()):
                self.problem(path + (lang,), f"{'.'.join(path + (lang,))} must be non-empty text")
                value = None
            values[lang] = value
        if not all(values.values()):
            return None
        return Text(en=str(values["en"]), es=str(values["es"]))

    def names(self, raw: Any, path: Path_, known: Sequence[str], what: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.problem(path, f"{'.'.join(path)} must be a list of {what} names")
            return ()
        out = []
        for item in raw:
            if item not in known:
                self.problem(path, f"{'.'.join(path)}: unknown {what} {item!r} (known: {', '.join(known)})")
            elif item in out:
                self.problem(path, f"{'.'.join(path)}: {item!r} listed twice")
            else:
                out.append(item)
        return tuple(out)


def _identifiers(c: _Checker, raw: Any) -> dict[str, IdentifierSpec]:
    table = c.table(raw, ("identifiers",), IDENTIFIERS)
    specs: dict[str, IdentifierSpec] = {}
    for name, body in table.items():
        if name not in IDENTIFIERS:
            continue
        path = ("identifiers", name)
        entry = c.table(body, path, ("attempts", "prompt", "patient_prompt"), ("prompt",))
        attempts = c.integer(entry, "attempts", path, 2, 1, 10)
        prompt = c.text(entry["prompt"], path + ("prompt",)) if "prompt" in entry else None
        patient_prompt = (c.text(entry["patient_prompt"], path + ("patient_prompt",))
                          if "patient_prompt" in entry else None)
        # a declared identifier counts as known even when broken: one problem, one report
        specs[name] = IdentifierSpec(name, attempts, prompt or Text("", ""), patient_prompt)
    return specs


def _requirement(c: _Checker, raw: Any, path: Path_, identifiers: Mapping[str, IdentifierSpec],
                 about_patient: bool) -> Requirement | None:
    entry = c.table(raw, path, ("all", "any", "any_count"))
    known = tuple(identifiers)
    all_ = c.names(entry.get("all", []), path + ("all",), known, "identifier")
    any_ = c.names(entry.get("any", []), path + ("any",), known, "identifier")
    any_count = c.integer(entry, "any_count", path, 1 if any_ else 0, 0, 10)
    ok = True
    for name in set(all_) & set(any_):
        c.problem(path + ("any",), f"{'.'.join(path)}: {name!r} is in both all and any")
        ok = False
    if any_count > len(any_):
        c.problem(path + ("any_count",), f"{'.'.join(path)}.any_count = {any_count} is impossible: "
                  f"only {len(any_)} identifier(s) in any")
        ok = False
    if any_ and any_count == 0:
        c.problem(path + ("any_count",), f"{'.'.join(path)}.any_count = 0 makes the any list pointless")
        ok = False
    if not all_ and any_count == 0:
        c.problem(path, f"{'.'.join(path)} asks for nothing: a caller would be verified without a question")
        ok = False
    if about_patient:
        for name in all_ + any_:
            spec = identifiers.get(name)
            if spec is not None and spec.patient_prompt is None:
                c.problem(("identifiers", name), f"identifiers.{name} needs a patient_prompt: "
                          f"{'.'.join(path)} asks a third party about the patient")
                ok = False
    return Requirement(all_, any_, any_count) if ok else None


_CALLER_KEYS = ("kind", "label", "groups", "relationships", "patient_age", "age_mismatch",
                "patient_identifiers", "caller_identifiers", "max_failures", "may_record_consent",
                "may_request_access")


def _caller_type(c: _Checker, name: str, raw: Any, identifiers: Mapping[str, IdentifierSpec],
                 default_failures: int) -> CallerType | None:
    path = ("caller_types", name)
    if not _NAME_RE.match(name):
        c.problem(path, f"caller type name {name!r} must be a short lowercase identifier")
    entry = c.table(raw, path, _CALLER_KEYS, ("kind", "label"))
    kind = c.string(entry, "kind", path, "escalate", KINDS)
    label = c.text(entry["label"], path + ("label",)) if "label" in entry else None
    groups = frozenset(c.names(entry.get("groups", []), path + ("groups",), FIELD_GROUPS, "field group"))
    rels_raw = entry.get("relationships", [])
    relationships: frozenset[str] = frozenset()
    if not isinstance(rels_raw, list) or not all(isinstance(r, str) and _NAME_RE.match(r) for r in rels_raw):
        c.problem(path + ("relationships",), f"{'.'.join(path)}.relationships must be a list of "
                  "lowercase relationship codes")
    else:
        relationships = frozenset(rels_raw)
    patient_age = c.string(entry, "patient_age", path, "any", PATIENT_AGES)
    age_mismatch = c.string(entry, "age_mismatch", path, "fail", ("fail", "escalate"))
    max_failures = c.integer(entry, "max_failures", path, default_failures, 1, 20)
    flags = {}
    for flag in ("may_record_consent", "may_request_access"):
        value = entry.get(flag, False)
        if not isinstance(value, bool):
            c.problem(path + (flag,), f"{'.'.join(path)}.{flag} must be true or false")
            value = False
        flags[flag] = value

    def needs(key: str, present: bool) -> None:
        if present and key not in entry:
            c.problem(path, f"{'.'.join(path)}: kind {kind!r} needs {key}")
        if not present and key in entry:
            c.problem(path + (key,), f"{'.'.join(path)}.{key} is not allowed for kind {kind!r}")

    needs("relationships", kind == "representative")
    needs("patient_identifiers", kind in ("representative", "third_party"))
    needs("caller_identifiers", kind in ("patient", "representative"))
    if kind == "escalate" and groups:
        c.problem(path + ("groups",), f"{'.'.join(path)}: kind 'escalate' verifies nobody, so it cannot have groups")
    if kind != "escalate" and not groups:
        c.problem(path + ("groups",), f"{'.'.join(path)}: no field groups, nothing could ever be shown "
                  "(use kind = \"escalate\")")
    if kind == "representative" and not relationships and "relationships" in entry:
        c.problem(path + ("relationships",), f"{'.'.join(path)}.relationships is empty: no representative could qualify")
    if kind != "patient" and flags["may_record_consent"]:
        c.problem(path + ("may_record_consent",), f"{'.'.join(path)}: only the patient may give consent")
    patient_req = caller_req = None
    if "patient_identifiers" in entry:
        patient_req = _requirement(c, entry["patient_identifiers"], path + ("patient_identifiers",),
                                   identifiers, about_patient=True)
    if "caller_identifiers" in entry:
        caller_req = _requirement(c, entry["caller_identifiers"], path + ("caller_identifiers",),
                                  identifiers, about_patient=False)
    if label is None:
        return None
    return CallerType(name, kind, label, groups, relationships, patient_age, age_mismatch,
                      patient_req, caller_req, max_failures, flags["may_record_consent"],
                      flags["may_request_access"])


def loads_script(text: str, source: str = "<script>") -> Script:
    """Parse and validate a script; raise :class:`ScriptError` with every problem found."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"line (\d+)", str(err))
        line = int(found.group(1)) if found else 1
        raise ScriptError([Problem(source, line, f"not valid TOML: {err}")]) from None
    c = _Checker(source, text)
    top = c.table(raw, (), ("script", "identifiers", "roles", "caller_types"),
                  ("script", "identifiers", "roles", "caller_types"))
    head = c.table(top.get("script", {}), ("script",),
                   ("name", "version", "description", "minor_age", "max_failures", "name_rule"),
                   ("name", "version"))
    name = c.string(head, "name", ("script",))
    version = c.integer(head, "version", ("script",), 1, 1, 1_000_000)
    description = c.string(head, "description", ("script",))
    minor_age = c.integer(head, "minor_age", ("script",), 18, 1, 21)
    max_failures = c.integer(head, "max_failures", ("script",), 3, 1, 20)
    name_rule = c.string(head, "name_rule", ("script",), "full", NAME_RULES)
    identifiers = _identifiers(c, top.get("identifiers", {}))
    roles: dict[str, frozenset[str]] = {}
    for role, groups in c.table(top.get("roles", {}), ("roles",), _any_key(top.get("roles"))).items():
        if not _NAME_RE.match(role):
            c.problem(("roles", role), f"role name {role!r} must be a short lowercase identifier")
        roles[role] = frozenset(c.names(groups, ("roles", role), FIELD_GROUPS, "field group"))
    if "roles" in top and not roles:
        c.problem(("roles",), "roles is empty: no agent could ever be shown anything")
    caller_types: dict[str, CallerType] = {}
    for ct_name, body in c.table(top.get("caller_types", {}), ("caller_types",),
                                 _any_key(top.get("caller_types"))).items():
        ct = _caller_type(c, ct_name, body, identifiers, max_failures)
        if ct is not None:
            caller_types[ct_name] = ct
    if "caller_types" in top and not top["caller_types"]:
        c.problem(("caller_types",), "caller_types is empty")
    if c.problems:
        raise ScriptError(c.problems)
    return Script(name, version, description, minor_age, name_rule, identifiers, caller_types,
                  roles, source)


def _any_key(raw: Any) -> tuple[str, ...]:
    return tuple(raw) if isinstance(raw, Mapping) else ()


def load_script(path: Path) -> Script:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError([Problem(str(path), 0, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScriptError([Problem(str(path), 0, f"cannot read: {type(err).__name__}")]) from None
    return loads_script(text, str(path))


def script_path(setting: str) -> Path:
    """The file a ``verification.script`` value names: a bundled script name or a path."""
    if re.fullmatch(r"[a-z0-9_\-]+", setting):
        from agent_desktop.resources import resource

        return Path(str(resource(f"verification/{setting}.toml")))
    return Path(setting).expanduser()


def load_configured_script(setting: str) -> Script:
    return load_script(script_path(setting))
