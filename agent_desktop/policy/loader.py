"""Effective settings: built-in defaults < IT's system policy < the user's own settings.

A key the policy locks (or that only the policy may set) is never overridden by the user.
A broken system policy is fatal, since IT must see it; a broken user file is set aside
(renamed) with a warning and the product carries on with policy and defaults.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import (
    AppPaths,
    create_private_file,
    ensure_private_dir,
    system_policy_path,
)
from agent_desktop.policy.schema import SETTINGS, Setting, Value

POLICY_TABLE = "policy"  # [policy] locked = ["sip.registrar", ...] or ["*"]


class PolicyError(AgentDesktopError):
    """A policy or settings file that cannot be used; names the file, the key and the problem."""

    def __init__(self, file: Path | str, problem: str, key: str | None = None, hint: str = "") -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        where = f"{file}: {key}: " if key else f"{file}: "
        super().__init__(where + problem, hint)


@dataclass(frozen=True)
class Resolved:
    value: Value
    source: str  # "default", "policy" or "user"
    locked: bool
    # The ceiling IT set for a user-lowerable setting, if any.
    ceiling: float | None = None


@dataclass
class Settings:
    values: dict[str, Resolved]
    policy_file: Path
    policy_present: bool
    user_file: Path
    warnings: list[str] = field(default_factory=list)

    def get(self, name: str) -> Any:
        try:
            return self.values[name].value
        except KeyError:
            raise KeyError(f"unknown setting {name!r}") from None

    __getitem__ = get

    def info(self, name: str) -> Resolved:
        return self.values[name]

    def locked(self, name: str) -> bool:
        return self.values[name].locked

    def locked_keys(self) -> list[str]:
        return sorted(n for n, r in self.values.items() if r.locked)

    def set_user(self, name: str, value: Value) -> Settings:
        """Validate and persist a user's choice; returns the new effective settings."""
        setting = _known(self.user_file, name)
        resolved = self.values[name]
        if resolved.locked:
            raise PolicyError(self.user_file, "is locked by your organisation's policy", name,
                              "Ask IT to change it.")
        problem = setting.check(value)
        if problem is None and resolved.ceiling is not None and value > resolved.ceiling:  # type: ignore[operator]
            problem = f"{value} is above the maximum of {resolved.ceiling:g} set by policy"
        if problem:
            raise PolicyError(self.user_file, problem, name)
        current = _read_toml(self.user_file, fatal=True) if self.user_file.exists() else {}
        section, key = setting.section, setting.key
        current.setdefault(section, {})[key] = value
        _write_private_toml(self.user_file, current)
        return load_settings(user_file=self.user_file, policy_file=self.policy_file)


def _known(file: Path, name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        raise PolicyError(file, "unknown setting", name, "Check the spelling against "
                          "`agent-desktop policy show`.") from None


def _read_toml(path: Path, fatal: bool) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, f"not valid TOML ({exc})") from None
    except OSError as exc:
        raise PolicyError(path, f"cannot be read ({exc.strerror})") from None


def _flatten(path: Path, data: Mapping[str, Any], allow_policy_table: bool) -> tuple[dict[str, Any], list[str]]:
    """Turn ``{section: {key: value}}`` into ``{"section.key": value}``, checking each key."""
    flat: dict[str, Any] = {}
    locked: list[str] = []
    for section, table in data.items():
        if section == POLICY_TABLE and allow_policy_table:
            locked = _policy_locks(path, table)
            continue
        if not isinstance(table, dict):
            raise PolicyError(path, f"expected a [{section}] table of settings, got a value",
                              section)
        for key, value in table.items():
            name = f"{section}.{key}"
            setting = _known(path, name)
            if isinstance(value, dict):
                raise PolicyError(path, "expected a value, got a table", name)
            problem = setting.check(value)
            if problem:
                raise PolicyError(path, problem, name)
            flat[name] = value
    return flat, locked


def _policy_locks(path: Path, table: Any) -> list[str]:
    if not isinstance(table, dict) or set(table) - {"locked"}:
        raise PolicyError(path, "the [policy] table takes only `locked = [\"section.key\", ...]`",
                          POLICY_TABLE)
    locked = table.get("locked", [])
    if not isinstance(locked, list) or not all(isinstance(x, str) for x in locked):
        raise PolicyError(path, "expected a list of setting names", "policy.locked")
    if locked == ["*"]:
        return [n for n, s in SETTINGS.items() if s.lockable]
    for name in locked:
        setting = _known(path, name)
        if not setting.lockable:
            raise PolicyError(path, "this setting cannot be locked by policy", name)
    return list(locked)


def _write_private_toml(path: Path, data: dict[str, Any]) -> None:
    import tomli_w  # only to save settings: not paid by every start (~3 ms before the first frame)

    ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    create_private_file(tmp)
    with open(tmp, "wb") as fh:
        tomli_w.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_policy(policy_file: Path) -> tuple[dict[str, Any], list[str], bool]:
    """Read IT's policy; raises :class:`PolicyError` on any problem (it is fatal)."""
    if not policy_file.exists():
        return {}, [], False
    data = _read_toml(policy_file, fatal=True)
    flat, locked = _flatten(policy_file, data, allow_policy_table=True)
    return flat, locked, True


def load_settings(
    paths: AppPaths | None = None,
    *,
    policy_file: Path | None = None,
    user_file: Path | None = None,
    now: float | None = None,
) -> Settings:
    """Resolve every setting. Raises :class:`PolicyError` only for a broken system policy."""
    policy_file = policy_file or system_policy_path()
    if user_file is None:
        user_file = (paths or AppPaths.from_env()).user_settings
    policy, locked, present = load_policy(policy_file)
    warnings: list[str] = []

    user: dict[str, Any] = {}
    if user_file.exists():
        try:
            user, _ = _flatten(user_file, _read_toml(user_file, fatal=False), allow_policy_table=False)
        except PolicyError as err:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
            aside = user_file.with_name(f"{user_file.name}.broken-{stamp}")
            os.replace(user_file, aside)
            warnings.append(f"{err}. Your settings file was set aside as {aside.name}; "
                            "defaults and policy apply until you choose again.")

    values: dict[str, Resolved] = {}
    locked_set = set(locked)
    for name, setting in SETTINGS.items():
        value: Value = setting.default
        source = "default"
        is_locked = name in locked_set or setting.policy_only
        ceiling: float | None = None
        if name in policy:
            value, source = policy[name], "policy"
            if setting.policy_caps_user:
                ceiling = float(value)  # type: ignore[arg-type]
        if name in user:
            if is_locked:
                warnings.append(f"{user_file}: {name}: is set by your organisation's policy; "
                                "your value is ignored.")
            elif ceiling is not None and user[name] > ceiling:
                warnings.append(f"{user_file}: {name}: {user[name]} is above the maximum of "
                                f"{ceiling:g} set by policy; {value} applies.")
            else:
                value, source = user[name], "user"
        values[name] = Resolved(value, source, is_locked, ceiling)
    return Settings(values, policy_file, present, user_file, warnings)
