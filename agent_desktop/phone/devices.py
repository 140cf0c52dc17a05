"""Audio devices: enumerate, choose by name, fall back to the default when one vanishes.

The engine talks to a :class:`DeviceLayer` (always on the SIP thread). The pjsua2 layer is
the real one; ``NullDeviceLayer`` is the clocked null device for tests and headless runs.
A test may inject its own layer to simulate hot-plug (pjsua2 has no portable event).
Choices are stored by device name: indices shift when devices come and go.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from agent_desktop.phone.probe import AudioDevice

log = logging.getLogger(__name__)
DEFAULT = -1  # "the system default" for capture and playback alike at this layer


class DeviceLayer(Protocol):
    def devices(self) -> list[AudioDevice]:
        """Currently present devices (refreshing the platform's list where possible)."""
        ...

    def apply(self, capture: int, playback: int) -> None:
        """Use these device indices (DEFAULT for the system default)."""
        ...

    def open_ring(self, playback: int) -> Any:
        """A conference-bridge sink that plays on device ``playback`` (for the ringtone),
        or None to ring on the main playback device."""
        ...


class PjDeviceLayer:
    """The sound devices pjsua2 sees (refreshDevs picks up hot-plug where the OS allows)."""

    def __init__(self, endpoint: Any) -> None:
        self._adm = endpoint.audDevManager()

    def devices(self) -> list[AudioDevice]:
        try:
            self._adm.refreshDevs()
        except Exception:  # noqa: BLE001 - some backends cannot refresh; the old list stands
            log.debug("audio device refresh is not supported here")
        return [AudioDevice(i, d.name, d.driver, d.inputCount, d.outputCount)
                for i, d in enumerate(self._adm.enumDev2())]

    def apply(self, capture: int, playback: int) -> None:
        import pjsua2 as pj

        cap = pj.PJMEDIA_AUD_DEFAULT_CAPTURE_DEV if capture == DEFAULT else capture
        play = pj.PJMEDIA_AUD_DEFAULT_PLAYBACK_DEV if playback == DEFAULT else playback
        self._adm.setCaptureDev(cap)
        self._adm.setPlaybackDev(play)

    def open_ring(self, playback: int) -> Any:
        import pjsua2 as pj

        # a second sound port on the bridge; capture stays on the default device
        dev = pj.ExtraAudioDevice(playback, pj.PJMEDIA_AUD_DEFAULT_CAPTURE_DEV)
        dev.open()
        return dev if dev.isOpened() else None


class NullDeviceLayer:
    """No sound card: pjsua2's null device keeps the conference bridge clocked."""

    def __init__(self, endpoint: Any) -> None:
        self._adm = endpoint.audDevManager()

    def devices(self) -> list[AudioDevice]:
        return []

    def apply(self, capture: int, playback: int) -> None:
        self._adm.setNullDev()

    def open_ring(self, playback: int) -> Any:
        return None


@dataclass(frozen=True)
class Resolution:
    capture: int
    playback: int
    ring: int
    missing: tuple[tuple[str, str], ...]  # (role, name) of chosen devices not present


def resolve(devices: list[AudioDevice], capture: str, playback: str, ring: str) -> Resolution:
    """Map chosen names to indices; a name not present falls back to DEFAULT."""
    missing: list[tuple[str, str]] = []

    def find(role: str, name: str, need_input: bool) -> int:
        if not name:
            return DEFAULT
        for d in devices:
            if d.name == name and (d.inputs if need_input else d.outputs) > 0:
                return d.index
        missing.append((role, name))
        return DEFAULT

    cap = find("capture", capture, True)
    play = find("playback", playback, False)
    rng = find("ring", ring, False) if ring else play
    return Resolution(cap, play, rng, tuple(missing))
