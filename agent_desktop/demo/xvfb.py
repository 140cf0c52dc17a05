"""A virtual screen (Xvfb) for the demo's window on a machine without a display.

Started in its own session so that Ctrl-C reaches only the demo, which then stops in
order; Qt would otherwise exit at once when the X server dies with the same signal, and
leave the demo's folder behind.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from agent_desktop.errors import AgentDesktopError

START_TIMEOUT = 15.0


@contextmanager
def virtual_screen(size: str = "1600x1000x24") -> Iterator[str]:
    """Run Xvfb on a free display; ``DISPLAY`` points at it inside the block."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise AgentDesktopError("Xvfb, the virtual screen, is not installed",
                                "Install it with: sudo apt-get install xvfb xauth")
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen([binary, "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
                                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    finally:
        os.close(write_fd)
    try:
        display = _read_display(read_fd)
    except BaseException:
        _stop(proc)
        raise
    finally:
        os.close(read_fd)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        yield display
    finally:
        _stop(proc)
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous


def _read_display(fd: int) -> str:
    """Xvfb writes the display number it chose, then a newline, once it accepts clients."""
    text = b""
    while not text.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], START_TIMEOUT)
        chunk = os.read(fd, 16) if ready else b""
        if not chunk:
            raise AgentDesktopError("the virtual screen (Xvfb) did not start",
                                    "Check that Xvfb runs: Xvfb :99 -screen 0 1280x800x24")
        text += chunk
    return ":" + text.decode().strip()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
