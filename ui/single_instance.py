"""One running desktop per user and profile home: a second launch (click-to-dial from a browser
or a CRM) hands its number to the running instance instead of opening a second window.

The channel is a Unix socket in the user's runtime directory (``$XDG_RUNTIME_DIR``, private
to the user; else the app's private data folder), named after the data folder so that
separate homes (tests, kiosks) never meet. Only the user may connect (the socket is created
0600 in a private folder and moved into place). The running instance accepts only what
``dial_target`` accepts; the number is never logged.

On Linux and macOS both ends are plain Unix sockets (what QLocalSocket is there), the
listener watched by a QSocketNotifier: QtNetwork, and the Kerberos libraries it links, are
~4.7 MB of the running desktop's resident set for one socket. On Windows (a named pipe)
both ends are Qt's QLocalSocket / QLocalServer.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCryptographicHash, QObject, QSocketNotifier, Signal

from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths
from agent_desktop.phone.links import dial_target

if TYPE_CHECKING:
    import socket

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
        self.server: Any = None  # Windows: the QLocalServer
        self._listener: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier, bytearray]] = {}
        self._retired: list[QSocketNotifier] = []  # done, deleted outside their own signal
        self._name, self._inode = name, (0, 0)
        if sys.platform == "win32":
            self.listening = self._listen_qt(name)
        else:
            self.listening = self._listen_unix(name)

    # --- Linux and macOS: a Unix socket and QSocketNotifiers ------------------------------
    def _listen_unix(self, name: str) -> bool:
        import socket  # here, not at the top: the listener starts after the first frame

        try:
            os.unlink(name)  # a stale socket left by a crash (hand_over found no one)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # bound in a private folder, made 0600, then moved: never connectable by others
            with tempfile.TemporaryDirectory(dir=os.path.dirname(name) or None) as private:
                staged = os.path.join(private, "s")
                sock.bind(staged)
                os.chmod(staged, 0o600)
                os.replace(staged, name)
            sock.listen(8)
            sock.setblocking(False)
        except OSError:
            sock.close()
            return False
        self._listener = sock
        self._notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept_unix)
        stat = os.stat(name)
        inode = self._inode = (stat.st_dev, stat.st_ino)
        self.destroyed.connect(lambda *_: _remove_socket(name, inode))  # not self: it is going
        return True

    def _accept_unix(self) -> None:
        self._retire()
        while self._listener is not None:
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            conn.setblocking(False)
            fd = conn.fileno()
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._clients[fd] = (conn, notifier, bytearray())
            notifier.activated.connect(lambda *_, fd=fd: self._read_unix(fd))

    def _read_unix(self, fd: int) -> None:
        conn, notifier, buffer = self._clients[fd]
        try:
            chunk = conn.recv(_MAX)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        buffer += chunk
        end = buffer.find(b"\n")
        if chunk and end < 0 and len(buffer) <= _MAX:
            return  # more to come
        self._drop(fd)
        if end < 0 or end >= _MAX:
            return  # closed before a whole line, or longer than a link: not one
        self._handle(bytes(buffer[:end]).decode(errors="replace").strip())

    def _drop(self, fd: int) -> None:
        conn, notifier, _ = self._clients.pop(fd)
        notifier.setEnabled(False)
        self._retired.append(notifier)
        conn.close()

    def _retire(self) -> None:
        for notifier in self._retired:
            notifier.setParent(None)  # Python's now: deleted with the list's reference
        self._retired.clear()

    # --- Windows: Qt's named pipe ---------------------------------------------------------
    def _listen_qt(self, name: str) -> bool:
        from PySide6.QtNetwork import QLocalServer

        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(name)  # a stale socket left by a crash (hand_over found no one)
        listening = bool(self.server.listen(name))
        self.server.newConnection.connect(self._accept)
        return listening

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
        self._handle(line)

    # --- both -----------------------------------------------------------------------------
    def _handle(self, line: str) -> None:
        if not line:
            self.dial.emit("")  # a plain second launch: the running window comes forward
            return
        try:
            target = dial_target(line if ":" in line else f"tel:{line}")
        except AgentDesktopError:
            return  # not a link: ignored, like a link the CLI refuses
        self.dial.emit(target)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self._listener is None:
            return
        for fd in list(self._clients):
            self._drop(fd)
        self._retire()
        assert self._notifier is not None
        self._notifier.setEnabled(False)
        self._listener.close()
        self._listener = None
        _remove_socket(self._name, self._inode)


def _remove_socket(name: str, inode: tuple[int, int]) -> None:
    """Remove the listener's socket file (as QLocalServer does), unless another instance
    has put its own there since."""
    try:
        stat = os.stat(name)
        if (stat.st_dev, stat.st_ino) == inode:
            os.unlink(name)
    except OSError:
        pass
