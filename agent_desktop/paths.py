"""Where the product keeps its files.

Each platform's conventions through platformdirs; ``AGENT_DESKTOP_HOME`` relocates all of
them at once (tests, kiosks, roaming profiles).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "agent-desktop"
APP_AUTHOR = "AgentDesktop"
HOME_ENV = "AGENT_DESKTOP_HOME"
POLICY_ENV = "AGENT_DESKTOP_POLICY"


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    log: Path

    @property
    def user_settings(self) -> Path:
        return self.config / "settings.toml"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AppPaths:
        env = os.environ if environ is None else environ
        home = env.get(HOME_ENV)
        if home:
            root = Path(home).expanduser()
            return cls(data=root / "data", config=root / "config", log=root / "logs")
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
            log=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        )

    def ensure(self) -> None:
        for d in (self.data, self.config, self.log):
            ensure_private_dir(d)


def system_policy_path(environ: dict[str, str] | None = None) -> Path:
    """The IT-managed policy file for this OS (DESIGN.md), or the test override."""
    env = os.environ if environ is None else environ
    if env.get(POLICY_ENV):
        return Path(env[POLICY_ENV])
    if sys.platform == "win32":
        base = env.get("ProgramData", r"C:\ProgramData")
        return Path(base) / "AgentDesktop" / "policy.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/AgentDesktop/policy.toml")
    return Path("/etc/agent-desktop/policy.toml")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` readable only by this user; so is every parent it has to create
    (``mkdir(parents=True)`` would give those the umask's 0755)."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True, mode=0o700)
        if sys.platform != "win32":
            os.chmod(directory, 0o700)
    if sys.platform != "win32" and path.stat().st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)  # tightens one an older build left 0755
    return path


def create_private_file(path: Path) -> None:
    """Create ``path`` as an empty 0600 file if it does not exist (never widens access)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
    os.close(fd)
    if sys.platform != "win32":
        os.chmod(path, 0o600)
