"""Managed policy (IT-locked) and user settings, declared once in :mod:`.schema`."""

from agent_desktop.policy.loader import PolicyError, Resolved, Settings, load_policy, load_settings
from agent_desktop.policy.schema import SETTINGS, Setting

__all__ = ["SETTINGS", "PolicyError", "Resolved", "Setting", "Settings", "load_policy", "load_settings"]
