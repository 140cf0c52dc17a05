"""The demo's team lead: a second process (one pjsua2 endpoint per process) with its own
profile, ``<demo profile>-lead``, and home inside the demo's folder, so the demo's clean-up
removes it too. The demo hands it a JSON spec on stdin (the one-time enrolment token and
the passwords never appear on a command line).

:class:`TeamLeadProcess` is the demo's side; :func:`sign_in` is the process's own start:
enrolled with a ``team_lead`` token, vault created, signed in, then the team-lead window
(``ui.demo.team_lead``) opens.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

READY = "team lead: signed in, window open"


class TeamLeadProcess:
    def __init__(self, spec: dict[str, Any], log: Path, say: Callable[[str], None]) -> None:
        self.say = say
        self.ready = threading.Event()
        self._log = log
        self.proc = subprocess.Popen([sys.executable, "-m", "agent_desktop", "demo-team-lead"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(spec))
        self.proc.stdin.close()
        self._reader = threading.Thread(target=self._read, name="demo-team-lead", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self._log.open("a", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                if line.startswith("team lead:"):
                    self.say(line.rstrip())
                if line.startswith(READY):
                    self.ready.set()

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # its window closes and its workstation shuts down
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(timeout=10)


def sign_in(spec: dict[str, Any], **workstation_options: Any) -> Any:
    """In the team lead's process: the enrolled, signed-in Workstation. ``workstation_options``
    go to the Workstation as they are (a test's fast key derivation, a tone as the microphone)."""
    from agent_desktop.app import Workstation
    from agent_desktop.logs import configure_logging
    from agent_desktop.paths import AppPaths, ensure_private_dir
    from agent_desktop.policy import load_settings

    home = ensure_private_dir(Path(spec["home"]))
    paths = AppPaths(data=home / "data", config=home / "config", log=home / "logs")
    paths.ensure()
    configure_logging(paths.log)
    settings = load_settings(paths, policy_file=Path(spec["policy"]))
    ws = Workstation(paths, settings, profile=spec["profile"], **workstation_options)
    try:
        ws.enroll(spec["token"])
        report = ws.create_vault(spec["password"], spec["sip_user"], spec["sip_password"])
    except BaseException:
        ws.shutdown()
        raise
    for problem in report.problems:
        print(f"team lead: {problem}", flush=True)
    return ws
