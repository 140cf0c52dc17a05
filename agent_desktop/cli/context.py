"""What every subcommand needs: paths, effective settings, logging, exit codes."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cached_property

from agent_desktop.logs import configure_logging
from agent_desktop.paths import AppPaths
from agent_desktop.policy import Settings, load_settings

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_CONFIG = 2  # invalid policy/settings/input file


@dataclass
class CliContext:
    paths: AppPaths

    @classmethod
    def create(cls, log_to_file: bool = True) -> CliContext:
        paths = AppPaths.from_env()
        if log_to_file:
            paths.ensure()
            configure_logging(paths.log, level=logging.INFO)
        return cls(paths)

    @cached_property
    def settings(self) -> Settings:
        """Effective settings; a broken system policy raises PolicyError (exit 2)."""
        settings = load_settings(self.paths)
        for warning in settings.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return settings


def self_argv() -> list[str]:
    """How to start this program again (a frozen build is its own interpreter)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "agent_desktop"]


def qt_environment(offscreen: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env
