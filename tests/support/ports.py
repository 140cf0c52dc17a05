"""Free loopback ports for services started by tests (the product's helpers, shared with the demo)."""

from agent_desktop.demo.ports import free_port, wait_for_port

__all__ = ["free_port", "wait_for_port"]
