"""The agent's call screens: phone panel, ringing call, patient context, guided
verification, PHI view and after-call work (embedded by the main window)."""
