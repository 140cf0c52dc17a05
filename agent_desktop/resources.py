"""Access to the bundled ``resources/`` (works from a source tree, a wheel and PyInstaller)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from agent_desktop.errors import AgentDesktopError

if TYPE_CHECKING:
    from importlib.abc import Traversable

REQUIRED = ("policy.example.toml", "icons/app.svg")


def resource_root() -> Traversable:
    # The package's folder when it is one (a source tree, an installed wheel, PyInstaller's
    # bundle, where the data files sit next to its __init__): importlib.resources costs the
    # first frame ~5 ms of imports for the same answer.
    import resources

    folder = Path(resources.__file__).parent if resources.__file__ else None
    if folder is not None and folder.is_dir():
        return folder
    from importlib import resources as importlib_resources

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
