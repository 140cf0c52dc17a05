"""IT's packaged build: the PyInstaller bundle, the Debian package, their checks (docs/deploy.md)."""
