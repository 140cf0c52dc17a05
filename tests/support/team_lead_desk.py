"""A team lead's desk in its own process (pjsua2 allows one endpoint per process), driven
by a test: the demo's team-lead sign-in (its own profile and home, enrolled as
``team_lead``), then the real team-lead window (offscreen) whose buttons the test clicks.

Run as ``python -m tests.support.team_lead_desk``; it speaks the SIP peer's line protocol,
so :class:`~agent_desktop.demo.sip_peer.PeerProcess` (``module=MODULE``) drives it. The
one-time enrolment token and the passwords arrive on stdin, never on a command line.

Commands (``{"id": n, "cmd": name, ...}``):
  start {spec}            the demo's spec (home, policy, profile, token, password, sip_user,
                          sip_password) plus ``microphone``: a WAV looped as the microphone
                          -> {device_id}
  state                   -> {rows: {agent: state}, bar, status, buttons: {mode: enabled}}, as the
                          window showed them at most 0.1 s ago
  select {agent}          selects the agent's row in the roster -> {selected}
  click {button}          a mouse click on listen, whisper, barge or hangup
  record {path}           what the lead hears goes into a WAV (the phone's speaker tap)
  stop_record             back to the speaker; the WAV is complete on return
  sync                    the audit outbox is sent to the server now
  quit                    the window closes and the workstation shuts down
Events: ``{"event": "supervision", agent, mode, state, cause}`` as the session changes.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULE = "tests.support.team_lead_desk"
_out = threading.Lock()


class TeamLeadDesk:
    """The test's side: the process, its commands and events, and its clean-up (the window
    and workstation close, then the lead profile's keyring entries go)."""

    def __init__(self, log_dir: Path) -> None:
        from agent_desktop.demo.sip_peer import PeerProcess

        self.peer = PeerProcess("team-lead", log_dir, module=MODULE)
        self.profile = ""

    def sign_in(self, spec: dict[str, Any]) -> str:
        """Enrolled, vault created, signed in, window open: the lead's device id."""
        self.profile = str(spec["profile"])
        return str(self.peer.cmd("start", timeout=240, spec=spec)["device_id"])

    def cmd(self, name: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
        return self.peer.cmd(name, timeout=timeout, **args)

    def saw(self, pred: Callable[[dict[str, Any]], bool]) -> bool:
        return any(pred(e) for e in list(self.peer.events))

    def close(self) -> None:
        import keyring
        import keyring.errors

        from agent_desktop.demo.keyring_sweep import KNOWN
        from agent_desktop.demo.sip_peer import PeerError
        from agent_desktop.vault.keyring_backend import secure_backend

        if self.peer.proc.poll() is None:
            try:
                self.peer.cmd("quit", timeout=120)
            except (PeerError, OSError) as err:
                print(f"team lead desk: {err}")  # close() below ends it all the same
        self.peer.close()
        for service, user in KNOWN if self.profile else ():
            try:
                secure_backend().delete_password(service.format(p=self.profile), user.format(p=self.profile))
            except keyring.errors.PasswordDeleteError:
                continue  # never made (or wiped already)


def emit(obj: dict[str, Any]) -> None:
    with _out:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def main() -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from agent_desktop.app.monitoring import SupervisionChanged
    from agent_desktop.demo.team_lead import sign_in
    from tests.support.vault_env import FAST_KDF
    from ui.ops import GuiOps, QtDeliver
    from ui.teamlead.model import AGENT, STATE
    from ui.teamlead.window import TeamLeadWindow

    app = QApplication(sys.argv[:1])
    gui = QtDeliver()  # hands commands from the reader thread to the GUI thread
    desk: dict[str, Any] = {}

    def on_gui(handler: Callable[[dict[str, Any]], dict[str, Any]], cmd: dict[str, Any]) -> None:
        gui.submit(answer, handler, cmd)

    def answer(handler: Callable[[dict[str, Any]], dict[str, Any]], cmd: dict[str, Any]) -> None:
        try:
            emit({"reply": cmd["id"], "ok": True, **handler(cmd)})
        except Exception as exc:  # noqa: BLE001 - reported to the test, the desk keeps running
            emit({"reply": cmd["id"], "ok": False, "error": f"{type(exc).__name__}: {exc}"})

    def start(cmd: dict[str, Any]) -> dict[str, Any]:
        spec = cmd["spec"]
        temp = Path(spec["home"]) / "tmp"  # its temporary files stay where the test searches
        temp.mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = str(temp)
        ws = sign_in(spec, kdf=FAST_KDF, phone_options={"capture_file": Path(spec["microphone"])})
        desk["ws"] = ws
        ws.bus.subscribe(SupervisionChanged, lambda e: emit(
            {"event": "supervision", "agent": e.agent, "mode": e.mode, "state": e.state, "cause": e.cause}))
        opened = threading.Event()

        def open_window() -> None:
            window = TeamLeadWindow(ws, GuiOps(ws))
            desk["window"] = window
            ws.guard.mark()  # from here a blocking call on this thread raises, as in the app
            window.show()
            snapshots = QTimer(window)
            snapshots.timeout.connect(take_snapshot)
            snapshots.start(100)
            opened.set()

        gui.submit(open_window)
        if not opened.wait(60):
            raise RuntimeError("the team-lead window did not open within 60 s")
        assert ws.credentials is not None
        return {"device_id": ws.credentials.device_id}

    def view() -> Any:
        return desk["window"].roster

    snapshot: dict[str, Any] = {"rows": {}, "bar": "", "buttons": {}}

    def take_snapshot() -> None:
        v = view()
        rows = {str(v.proxy.index(r, AGENT).data()): str(v.proxy.index(r, STATE).data())
                for r in range(v.proxy.rowCount())}
        snapshot.update(rows=rows, bar=v.monitor_reason.text(), status=v.status.text(),
                        buttons={m: b.isEnabled() for m, b in v.monitor_buttons.items()})

    def state(cmd: dict[str, Any]) -> dict[str, Any]:
        # read off the GUI thread from a snapshot the GUI thread keeps: a test polls this
        # often, and PySide6 6.12's Signal.emit drops a reference to True on each call
        # (Python 3.11 aborts once True's count runs out), so polls never emit
        return dict(snapshot)

    def select(cmd: dict[str, Any]) -> dict[str, Any]:
        v = view()
        rows = [r for r in range(v.proxy.rowCount()) if v.proxy.index(r, AGENT).data() == cmd["agent"]]
        if rows:
            v.table.selectRow(rows[0])
        return {"selected": bool(rows)}

    def click(cmd: dict[str, Any]) -> dict[str, Any]:
        button = view().monitor_buttons[cmd["button"]]
        if not button.isEnabled():
            raise RuntimeError(f"the {cmd['button']} button is not enabled")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        return {}

    def record(cmd: dict[str, Any]) -> dict[str, Any]:
        desk["ws"].phone.record_speaker(Path(cmd["path"])).result(30)
        return {}

    def stop_record(cmd: dict[str, Any]) -> dict[str, Any]:
        desk["ws"].phone.stop_speaker_recording().result(30)
        return {}

    def sync(cmd: dict[str, Any]) -> dict[str, Any]:
        desk["ws"].sync_now()
        return {}

    def quit_(cmd: dict[str, Any]) -> dict[str, Any]:
        window, ws = desk.pop("window", None), desk.pop("ws", None)
        if window is not None:
            window.close()  # the roster's timers stop before the workstation goes
        if ws is not None:
            ws.guard.clear()
            ws.shutdown()
        app.quit()
        return {}

    off_gui = {"start": start, "state": state, "record": record, "stop_record": stop_record, "sync": sync}
    on_gui_thread = {"select": select, "click": click, "quit": quit_}

    def read() -> None:
        for raw in sys.stdin:
            cmd = json.loads(raw)
            name = cmd["cmd"]
            if name in off_gui:
                answer(off_gui[name], cmd)
            elif name in on_gui_thread:
                on_gui(on_gui_thread[name], cmd)
            else:
                emit({"reply": cmd["id"], "ok": False, "error": f"unknown command {name!r}"})
            if name == "quit":
                return
        on_gui(quit_, {"id": -1})  # the test went away: close down all the same

    threading.Thread(target=read, name="team-lead-desk-commands", daemon=True).start()
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
