"""Screenshots of the call workspace in its main states, on real components.

    dbus-run-session -- bash scripts/with-keyring xvfb-run -a -s "-screen 0 1400x900x24" \
        .venv/bin/python scripts/shot_calls.py docs/screenshots [es]

Starts Kamailio over TLS, the reference server with synthetic patients and a pjsua2
caller registered as a patient's number; enrols a workstation, rings it, answers,
verifies, reveals, ends the call. Writes calls-ringing.png, calls-verifying.png,
calls-verified.png and calls-after-call.png (calls-*-es.png with the language ``es``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(out: Path, language: str = "en") -> int:
    from PySide6.QtWidgets import QApplication

    from agent_desktop.demo.certs import make_pki
    from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
    from agent_desktop.demo.sip_peer import write_tone
    from agent_desktop.resources import resource
    from tests.support.directory_env import start_directory_server
    from tests.support.workstation_env import (
        PASSWORD,
        PATIENT_SIP_PASSWORD,
        WorkstationEnv,
        adult_with_phone,
        digits,
    )
    from ui import i18n
    from ui.calls.workspace import CallWorkspace
    from ui.ops import GuiOps

    app = QApplication.instance() or QApplication(sys.argv[:1])
    style = Path(resource("..")).parent / "ui" / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text())
    translation = i18n.install(app, language)
    suffix = "" if language == i18n.SOURCE_LANGUAGE else f"-{language}"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shots-") as tmp:
        root = Path(tmp)
        pki = make_pki(root / "pki")
        directory = start_directory_server(root / "directory", pki)
        patient = directory.record(adult_with_phone)
        users = dict(DEFAULT_USERS)
        users[digits(patient.person.phone or "")] = PATIENT_SIP_PASSWORD
        kam = Kamailio(root / "kamailio", pki, users=users).start()
        env = WorkstationEnv(root, pki, kam, directory, patient, write_tone(root / "t.wav", 600.0), root)
        ws = env.workstation(**{"ui.language": language})
        try:
            ws.enroll(env.enrolment_token("agent-shots"))
            ws.create_vault(PASSWORD, "agent", DEFAULT_USERS["agent"])
            ws.guard.mark()
            w = CallWorkspace(ws, GuiOps(ws))
            w.resize(1320, 820)
            w.show()

            def until(pred: Callable[[], bool], what: str) -> None:
                deadline = time.monotonic() + 30
                while not pred():
                    app.processEvents()
                    if time.monotonic() > deadline:
                        raise SystemExit(f"screenshot run stuck waiting for {what}")
                    time.sleep(0.02)

            def shot(name: str) -> None:
                for _ in range(20):
                    app.processEvents()
                path = out / name.replace(".png", f"{suffix}.png")
                w.grab().save(str(path))
                print(path)

            caller = env.caller()
            caller.cmd("call", uri=env.agent_uri())
            until(w.ring.isVisible, "ringing")
            shot("calls-ringing.png")
            w.phone.answer()
            until(lambda: w.patient.candidates.count() > 0, "screen pop")
            w.patient.candidates.setCurrentRow(0)
            w.patient.pick.click()
            until(w.verification.start_button.isEnabled, "verification set-up")
            w.verification.start_button.click()
            until(lambda: "full_name" in w.verification.inputs, "the first prompt")
            p = patient.person
            w.verification.inputs["full_name"].setText(" ".join(p.given + p.family))
            w.verification.inputs["full_name"].returnPressed.emit()
            until(lambda: w.verification.feedback.text().startswith("✔"), "a match")
            shot("calls-verifying.png")
            assert p.birth_date is not None
            w.verification.inputs["date_of_birth"].setText(p.birth_date.isoformat())
            w.verification.inputs["date_of_birth"].returnPressed.emit()
            until(lambda: "member_id" in w.verification.inputs, "the second stage")
            w.verification.inputs["member_id"].setText(p.member_id or "")
            w.verification.inputs["member_id"].returnPressed.emit()
            until(lambda: w.verification.status.text().startswith("✔"), "verified")
            for group in ("demographics", "appointments", "medications"):
                box = w.phi.boxes[group]
                if box.show_button.isVisible():
                    box.show_button.click()
            until(lambda: any(w.phi.texts()) or w.problem.isVisible(), "a reveal")
            shot("calls-verified.png")
            w.phone.hangup()
            until(lambda: w.pages.currentIndex() == 2, "after-call work")
            shot("calls-after-call.png")
            w.close_bridge()
            ws.guard.clear()
        finally:
            ws.shutdown()
            env.cleanup()
            kam.stop()
            directory.server.stop()
    del translation
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"),
                          sys.argv[2] if len(sys.argv) > 2 else "en"))
