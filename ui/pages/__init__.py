"""The shell's pages: sign-in (with first run), lock screen, workspace frame."""
