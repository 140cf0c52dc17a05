"""Screen pop: an incoming call's number becomes directory candidates, off the SIP thread.

The phone publishes an incoming-call event on the bus (listeners run on the SIP thread and
must be quick), so :class:`ScreenPopper` only extracts the number and hands the lookup to
its own worker; the result arrives on the bus as a
:class:`~agent_desktop.directory.service.ScreenPop` (candidate references, no PHI).
Subscribe it with ``bus.subscribe(IncomingCall, popper.on_incoming_call)``; any event with
``.call.call_id`` and ``.call.remote`` will do.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from agent_desktop.directory.client import DirectoryError
from agent_desktop.directory.service import Directory, Lookup, Recorder, ScreenPop

log = logging.getLogger(__name__)

_URI_USER = re.compile(r"(?:sips?|tel):([^@;>?]+)", re.I)


def caller_number(remote: str) -> str | None:
    """The caller's number from a SIP/tel URI ("Name" <sip:+12105550147@pbx>), or None
    when the user part is not a phone number (an extension, a name)."""
    found = _URI_USER.search(remote)
    user = found.group(1) if found else remote
    compact = re.sub(r"[\s\-().]", "", user)
    return compact if re.fullmatch(r"\+?\d{7,15}", compact) else None


class ScreenPopper:
    def __init__(self, directory: Directory, recorder: Recorder | None = None) -> None:
        self.directory = directory
        self.recorder = recorder
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen-pop")

    def on_incoming_call(self, event: Any) -> Future[Lookup | None]:
        """Bus listener (SIP thread): never blocks; the lookup runs on the popper's thread."""
        return self._executor.submit(self._pop, str(event.call.call_id), str(event.call.remote))

    def _pop(self, call_id: str, remote: str) -> Lookup | None:
        number = caller_number(remote)
        if number is None:
            if self.directory.bus is not None:
                self.directory.bus.publish(ScreenPop(call_id, (), cached=False))
            return None
        try:
            return self.directory.screen_pop(call_id, number, self.recorder)
        except DirectoryError as err:  # e.g. not configured or refused: the agent searches by name
            log.warning("screen pop failed: %s", err.message)
            if self.directory.bus is not None:
                self.directory.bus.publish(ScreenPop(call_id, (), cached=False, offline=True))
            return None

    def close(self) -> None:
        self._executor.shutdown(wait=True)  # queued pops finish (each bounded by the timeout)
