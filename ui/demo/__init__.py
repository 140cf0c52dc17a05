"""The demo banner and window (Qt): what `agent-desktop demo` shows over the desktop."""
