"""One running desktop per user and profile home: a second launch (click-to-dial from a browser
or a CRM) hands its number to the running instance instead of opening a second window.

The channel is a QLocalServer socket in the user's runtime directory (``$XDG_RUNTIME_DIR``,
private to the user; else the app's private data folder), named after the data folder so that
separate homes (tests, kiosks) never meet. Only the user may connect (UserAccessOption). The
running instance accepts only what ``dial_target`` accepts; the number is never logged.

A launch asks before its window paints, through a plain Unix socket (what QLocalSocket
is on Linux and macOS), so that QtNetwork loads only for the listener, after the paint.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCryptographicHash, QObject, Signal

from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths
from agent_desktop.phone.links import dial_target

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

_MAX = 1024  # a link is short; anything longer is not one


def socket_path(paths: AppPaths) -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) if runtime and Path(runtime).is_dir() else paths.data
    # Qt's SHA-256, not hashlib's: importing hashlib loads OpenSSL (~4 ms before the first frame)
    sha = QCryptographicHash.hash(str(paths.data.resolve()).encode(), QCryptographicHash.Algorithm.Sha256)
    digest = bytes(sha.toHex().data()).decode()[:16]
    return str(folder / f"agent-desktop-{digest}.sock")


def hand_over(name: str, link: str, timeout_ms: int = 2000) -> bool:
    """Give `link` to a running instance; False when none answers (then this one starts).
    Called before the event loop runs, so waiting here blocks no window."""
    if sys.platform == "win32":  # a named pipe there: Qt's own client
        return _hand_over_qt(name, link, timeout_ms)
    if not os.path.exists(name):
        return False  # no instance has listened since the last clean exit (the listener removes it)
    import socket  # only then: its import costs the first frame ~5 ms

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_ms / 1000)
    try:
        sock.connect(name)
        sock.sendall((link + "\n").encode())
        return True
    except OSError:  # no socket, a stale one left by a crash, or no answer in time
        return False
    finally:
        sock.close()


def _hand_over_qt(name: str, link: str, timeout_ms: int) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    try:
        sock.connectToServer(name)
        if not sock.waitForConnected(timeout_ms):
            return False
        sock.write((link + "\n").encode())
        return sock.waitForBytesWritten(timeout_ms) or sock.bytesToWrite() == 0
    finally:
        sock.abort()  # closed here, not left to Python's collector mid-signal
        sock.deleteLater()


class InstanceServer(QObject):
    """Listens for later launches; `dial` carries each valid number they hand over."""

    dial = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(name)  # a stale socket left by a crash (hand_over found no one)
        self.listening = self.server.listen(name)
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while (sock := self.server.nextPendingConnection()) is not None:
            sock.readyRead.connect(self._ready_read)

    def _ready_read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            if sock.bytesAvailable() > _MAX:
                sock.abort()
            return
        line = bytes(sock.readLine(_MAX).data()).decode(errors="replace").strip()
        sock.abort()
        sock.deleteLater()
        if not line:
            self.dial.emit("")  # a plain second launch: the running window comes forward
            return
        try:
            target = dial_target(line if ":" in line else f"tel:{line}")
        except AgentDesktopError:
            return  # not a link: ignored, like a link the CLI refuses
        self.dial.emit(target)

    def close(self) -> None:
        self.server.close()
