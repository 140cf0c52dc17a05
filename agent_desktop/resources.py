"""Access to the bundled ``resources/`` (works from a source tree, a wheel and PyInstaller)."""

from __future__ import annotations

import tomllib
from importlib import resources as importlib_resources
from importlib.abc import Traversable
from pathlib import Path

from agent_desktop.errors import AgentDesktopError

REQUIRED = ("policy.example.toml", "icons/app.svg")


def resource_root() -> Traversable:
    return importlib_resources.files("resources")


def resource(path: str) -> Traversable:
    node = resource_root()
    for part in path.split("/"):
        node = node / part
    return node


def check_bundled_resources() -> str:
    """Load every bundled resource that the product needs; raise with the missing one."""
    from agent_desktop.policy.loader import PolicyError, _flatten

    missing = [p for p in REQUIRED if not resource(p).is_file()]
    if missing:
        raise AgentDesktopError(f"bundled resources missing: {', '.join(missing)}",
                                "Reinstall Agent Desktop.")
    example = resource("policy.example.toml")
    try:
        _flatten(Path(example.name), tomllib.loads(example.read_text("utf-8")), allow_policy_table=True)
    except (tomllib.TOMLDecodeError, PolicyError) as err:
        raise AgentDesktopError(f"bundled example policy is invalid: {err}") from None
    return f"{len(REQUIRED)} bundled resources load"
