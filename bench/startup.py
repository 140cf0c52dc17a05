"""Start-up and footprint of ``agent-desktop``, each against a floor measured in the same run.

    dbus-run-session -- bash scripts/with-keyring \\
      xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m bench.startup [--rounds 5]

Lines (one JSON object each; medians over ``--rounds``):

- ``startup.signin_window`` (ms; baseline: the floor). Each round spawns a fresh interpreter
  that runs the ``agent-desktop`` command's entry (``agent_desktop.cli.main``, no arguments:
  the desktop) and times, from just before the spawn, until the sign-in window's first frame
  is painted (the first paint event of the window has been handled and the event loop has
  come round once, ``ui.app.PAINTED``). The floor: a minimal PySide6 script that shows one
  small ``QLabel``, timed the same way. Interpreter start and imports count, as a person
  clicking the icon waits for them. Floor and app rounds alternate.
- ``startup.main_window`` (ms): from the vault's key derived and the vault open (the unlock's
  ``VaultUnlocked``, right after the KDF, so the KDF is excluded) to the workspace page shown,
  painted and the event loop idle; each round a fresh ``agent-desktop`` process is signed in
  by typing the password into its sign-in page (``bench/startup_driver.py``). This is the
  first unlock of a process: pjsua2 is loaded, the endpoint started, REGISTER over TLS
  answered by Kamailio, the directory and the audit sync started.
- ``startup.idle_rss`` (MB): the application's resident set after 30 s signed in and
  registered (median of samples taken at the end of each CPU window).
- ``startup.idle_cpu`` (% of one core; baseline: a bare pjsua2 endpoint, TLS transport, null
  audio, one registration over TLS to the same Kamailio, pjsua2's own worker thread). Both
  processes are measured over the same windows (``--window`` s each), so load hits both;
  the time on CPU is the sum of every thread's ``schedstat``.
- ``startup.gui_stall_max`` (ms): during a call (a pjsua2 caller rings the agent, the driver
  clicks Answer), Kamailio and the audit server are stopped (SIGSTOP of their process trees:
  they hold their connections and answer nothing); over ``--stall-seconds`` the driver clicks
  Hang up, and a 5 ms precise timer measures the longest gap of the GUI event loop.

Everything runs on loopback: a throwaway PKI, Kamailio over TLS, the reference audit server
with its FHIR store (``agent_desktop.demo``), gnome-keyring (``scripts/with-keyring``).
``--signin-only`` runs the first line alone (no keyring or Kamailio needed).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import emit, median

FLOOR = r"""
import os
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print("painted", flush=True), os._exit(0)))
        return False

app = QApplication([])
w = QLabel("Agent Desktop")
w.resize(320, 120)
f = FirstPaint()
w.installEventFilter(f)
w.show()
app.exec()
"""

APP = r"""
import os, sys
from agent_desktop.cli.main import main  # first, as `agent-desktop` does: ui.app is its GUI's import
import ui.app

def painted(window):
    print("pjsua2 imported before the sign-in window painted" if "pjsua2" in sys.modules else "painted",
          flush=True)
    os._exit(0)

ui.app.PAINTED.append(painted)
main([])
"""

BARE_ENDPOINT = r"""
import json, sys, time
import pjsua2 as pj
registrar, user, password, ca = sys.argv[1:5]
ep = pj.Endpoint()
ep.libCreate()
cfg = pj.EpConfig()
cfg.logConfig.level = 1
cfg.logConfig.consoleLevel = 1
ep.libInit(cfg)
ep.audDevManager().setNullDev()
tcfg = pj.TransportConfig()
tcfg.boundAddress = "127.0.0.1"
tcfg.tlsConfig.CaListFile = ca
tcfg.tlsConfig.verifyServer = True
tcfg.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tcfg)
ep.libStart()

class Account(pj.Account):
    def onRegState(self, prm):
        print(json.dumps({"ev": "reg", "code": prm.code}), flush=True)

acfg = pj.AccountConfig()
acfg.idUri = "sips:%s@%s" % (user, registrar.split(":", 1)[1])
acfg.regConfig.registrarUri = registrar
acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
acc = Account()
acc.create(acfg)
sys.stdin.read()  # idle (pjsua2's worker thread serves the registration) until the bench closes stdin
acc.shutdown()
ep.libDestroy()
"""


def one(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms from spawn to painted, CPU ms the child used in all: less sensitive to load)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if line.strip() != "painted" or proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {line!r}")
    return elapsed, (usage.ru_utime + usage.ru_stime) * 1000


def compile_byte_code() -> None:
    """What an installation has: the project's modules compiled (pip writes byte code for what
    it installs, PyInstaller bundles it; an editable checkout under PYTHONDONTWRITEBYTECODE
    would otherwise compile every module at every start, ~120 ms here)."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "agent_desktop"), str(root / "ui")],
                   check=True, stdout=subprocess.DEVNULL)


def signin_window(rounds: int, language: str, root: Path) -> None:
    home = root / "signin-home"
    policy = root / "signin-policy.toml"
    policy.write_text(f'[ui]\nlanguage = "{language}"\n')
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", AGENT_DESKTOP_HOME=str(home),
               AGENT_DESKTOP_POLICY=str(policy))
    one(FLOOR, env), one(APP, env)  # warm the page cache: "cold" is a fresh process
    floor, app = [], []
    for _ in range(rounds):
        floor.append(one(FLOOR, env))
        app.append(one(APP, env))
    cpu_floor, cpu_app = median([c for _, c in floor]), median([c for _, c in app])
    emit("startup.signin_window", median([w for w, _ in app]), "ms", median([w for w, _ in floor]),
         rounds=rounds, language=language, floor_ms=[round(w) for w, _ in floor], app_ms=[round(w) for w, _ in app],
         cpu_ms=round(cpu_app), cpu_floor_ms=round(cpu_floor), cpu_ratio=round(cpu_app / cpu_floor, 3),
         note="`agent-desktop` spawn to the sign-in window's first frame painted; "
              "baseline: one small PySide6 window, timed the same way; cpu: the child's user+system time")


# --- the signed-in session ------------------------------------------------------------------------

class Child:
    """A process whose stdout carries JSON lines, read on a thread into a queue."""

    def __init__(self, argv: list[str], env: dict[str, str], stdin: str = "", log: Path | None = None) -> None:
        self.log = open(log, "ab") if log else None  # closed in stop()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log or subprocess.DEVNULL, env=env, text=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(stdin)
        self.proc.stdin.flush()
        self.rows: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                row = json.loads(line)
            except ValueError:
                continue  # pjlib's banner lines
            if isinstance(row, dict):
                self.rows.put(row)

    def expect(self, ev: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and self.rows.empty():
                raise SystemExit(f"no {ev!r} from {self.proc.args!r} (exit {self.proc.poll()})")
            try:
                row = self.rows.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if row.get("ev") == "error":
                raise SystemExit(f"child: {row}")
            if row.get("ev") == ev:
                return row

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self, quit_line: str | None, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            try:
                if quit_line is not None:
                    self.send(quit_line)
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        if self.log is not None:
            self.log.close()


def thread_cpu(pid: int) -> dict[str, float]:
    """Seconds on CPU of each live thread of ``pid`` (nanosecond schedstat), by thread id and
    name (the main thread is Qt's GUI thread in the application)."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
            out[f"{task.name}:{name}"] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, IndexError, ValueError):
            continue  # the thread ended between listing and reading
    return out


def cpu_seconds(pid: int) -> float:
    """Time on CPU of every live thread of ``pid``, summed."""
    return sum(thread_cpu(pid).values())


def busiest(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """% of a core per thread between two ``thread_cpu`` samples, the busiest first."""
    use = {k.split(":", 1)[1] + "#" + k.split(":", 1)[0]: (v - before.get(k, v)) / seconds * 100
           for k, v in after.items()}
    return {k: round(v, 3) for k, v in sorted(use.items(), key=lambda kv: -kv[1])[:8] if v > 0.005}


def wakeups(pid: int) -> dict[str, int]:
    """Context switches so far of each thread of ``pid``, by thread name (what wakes, idle)."""
    out: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
            fields = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
            count = int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
        except (OSError, KeyError, ValueError):
            continue
        out[name] = out.get(name, 0) + count
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Kamailio forks its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


@contextmanager
def stopped(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def session(args: argparse.Namespace, root: Path) -> None:
    import tomli_w

    from agent_desktop.demo import keyring_sweep
    from agent_desktop.demo.certs import make_pki
    from agent_desktop.demo.kamailio import DEFAULT_USERS, Kamailio
    from agent_desktop.demo.server import DemoServer
    from agent_desktop.demo.sip_peer import PeerProcess
    from agent_desktop.directory.synthetic import write_data_file

    pki = make_pki(root / "pki")
    kam = Kamailio(root / "kamailio", pki)
    server = DemoServer(root / "server", pki, write_data_file(root / "server" / "directory.json"))
    profile = f"demo-bench-{os.getpid()}"  # demo-: keyring_sweep removes its entries at the end
    cleanup: list[Callable[[], object]] = [lambda: keyring_sweep.sweep(profile), server.stop, kam.stop]
    try:
        kam.start()
        server.start()
        ca = str(pki.ca_file)
        policy = root / "policy.toml"
        policy.write_text(tomli_w.dumps({
            "sip": {"registrar": kam.registrar, "ca_bundle": ca, "null_audio": True, "bind_address": "127.0.0.1"},
            "audit": {"server_url": server.base_url, "ca_bundle": ca},
            "directory": {"fhir_base_url": server.base_url + "/fhir", "ca_bundle": ca}}))
        home = root / "home"
        env = dict(os.environ, QT_QPA_PLATFORM="xcb", AGENT_DESKTOP_HOME=str(home),
                   AGENT_DESKTOP_POLICY=str(policy))
        password = "bench-harbor-lantern-42"
        spec = {"policy": str(policy), "home": str(home), "profile": profile, "password": password,
                "token": server.token("enroll", agent="agent-bench", team="blue", user_role="agent"),
                "sip_user": "agent", "sip_password": DEFAULT_USERS["agent"]}
        enrol = ("import json, sys; from agent_desktop.demo.team_lead import sign_in; "
                 "sign_in(json.load(sys.stdin)).shutdown()")
        subprocess.run([sys.executable, "-c", enrol], input=json.dumps(spec), text=True, env=env, check=True,
                       timeout=120, stdout=subprocess.DEVNULL)
        driver_argv = [sys.executable, "-m", "bench.startup_driver"]
        main_window: list[float] = []
        ready: dict[str, Any] = {}
        app: Child | None = None
        for n in range(args.rounds):
            app = Child(driver_argv, env, password + "\n", root / f"app-{n}.log")
            app.expect("painted")
            ready = app.expect("ready", timeout=120)
            main_window.append(ready["main_window_ms"])
            if n < args.rounds - 1:
                app.stop("quit")
        assert app is not None
        cleanup.insert(0, lambda: app.stop("quit") if app else None)
        emit("startup.main_window", median(main_window), "ms", rounds=args.rounds,
             rounds_ms=[round(x) for x in main_window], registration=ready["registration"],
             click_to_ready_ms=round(ready["click_to_ready_ms"]), kdf_and_open_ms=round(ready["kdf_and_open_ms"]),
             python_modules=ready["modules"], python_threads=ready["threads"], agent_state=ready["agent_state"],
             note="vault key derived and open -> workspace shown, painted, event loop idle (KDF excluded)")

        bare = Child([sys.executable, "-c", BARE_ENDPOINT, kam.registrar, "peer2", DEFAULT_USERS["peer2"], ca],
                     dict(os.environ), log=root / "bare.log")
        cleanup.insert(0, lambda: bare.stop(None))
        if bare.expect("reg")["code"] != 200:
            raise SystemExit("the bare endpoint did not register")
        settle_until = time.monotonic() + args.idle_after
        while time.monotonic() < settle_until:
            time.sleep(0.5)
        pid = int(ready["pid"])
        app_cpu, bare_cpu, rss = [], [], []
        woke_before, woke_since = wakeups(pid), time.monotonic()
        threads_before, bare_threads_before = thread_cpu(pid), thread_cpu(bare.proc.pid)
        for _ in range(args.rounds):
            a0, b0, t0 = cpu_seconds(pid), cpu_seconds(bare.proc.pid), time.monotonic()
            time.sleep(args.window)
            a1, b1, t1 = cpu_seconds(pid), cpu_seconds(bare.proc.pid), time.monotonic()
            app_cpu.append((a1 - a0) / (t1 - t0) * 100)
            bare_cpu.append((b1 - b0) / (t1 - t0) * 100)
            rss.append(rss_mb(pid))
        woke_after, seconds = wakeups(pid), time.monotonic() - woke_since
        app_threads = busiest(threads_before, thread_cpu(pid), seconds)
        bare_threads = busiest(bare_threads_before, thread_cpu(bare.proc.pid), seconds)
        woke = {name: round((n - woke_before.get(name, 0)) / seconds, 1) for name, n in woke_after.items()}
        emit("startup.idle_rss", median(rss), "MB", rounds=args.rounds, samples=[round(x, 1) for x in rss],
             bare_endpoint_mb=round(rss_mb(bare.proc.pid), 1),
             note=f"resident set after {args.idle_after:.0f} s signed in and registered")
        emit("startup.idle_cpu", median(app_cpu), "%", median(bare_cpu), rounds=args.rounds, window_s=args.window,
             app=[round(x, 2) for x in app_cpu], bare=[round(x, 2) for x in bare_cpu],
             app_wakeups_per_s={k: v for k, v in sorted(woke.items(), key=lambda kv: -kv[1]) if v},
             app_threads=app_threads, bare_threads=bare_threads,
             note="% of one core; baseline: bare pjsua2 endpoint with one TLS registration, same windows")

        caller = PeerProcess("caller", root)
        cleanup.insert(0, caller.close)
        caller.start(kam.registrar, "caller", DEFAULT_USERS["caller"], pki.ca_file)
        stalls: list[float] = []
        worst: list[dict[str, Any]] = []
        for _ in range(args.calls):
            caller.clear_events()
            app.send("available")
            app.expect("available")
            caller.cmd("call", uri=kam.uri("agent"))
            app.send("answer")
            try:
                app.expect("answered")
            except SystemExit:
                print(f"caller's events: {caller.events[-6:]}", file=sys.stderr)
                raise
            with stopped(tree(kam.proc.pid if kam.proc else 0) + tree(server.process.pid if server.process else 0)):
                app.send(f"watch {args.stall_seconds} {args.stall_seconds / 4}")
                stall = app.expect("stall", timeout=args.stall_seconds + 30)
                stalls.append(stall["max_ms"])
                worst.append({k: stall[k] for k in ("worst_gui_cpu_ms", "worst_process_cpu_ms",
                                                     "worst_after_hangup_ms", "over_50")})
            caller.wait_event(lambda e: e.get("event") == "call_state" and e.get("state") == "disconnected",
                              timeout=60, what="the call's end")
        emit("startup.gui_stall_max", max(stalls), "ms", calls=args.calls, stalls_ms=[round(x, 1) for x in stalls],
             worst_gaps=worst,
             note=f"longest GUI event-loop gap over {args.stall_seconds:.0f} s of a call with Kamailio and the "
                  "audit server SIGSTOPped, Hang up clicked meanwhile")
    finally:
        for step in cleanup:
            try:
                step()
            except Exception as err:  # noqa: BLE001 - every process started must be stopped
                print(f"bench clean-up: {type(err).__name__}: {err}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--language", default="en", choices=("en", "es"))
    parser.add_argument("--signin-only", action="store_true")
    parser.add_argument("--idle-after", type=float, default=30.0, help="seconds signed in before idle samples")
    parser.add_argument("--window", type=float, default=10.0, help="seconds per idle CPU window")
    parser.add_argument("--calls", type=int, default=2)
    parser.add_argument("--stall-seconds", type=float, default=12.0)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        raise SystemExit("run under Xvfb: xvfb-run -a .venv/bin/python -m bench.startup")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop what was started on the way out
    compile_byte_code()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        signin_window(args.rounds, args.language, Path(tmp))
        if not args.signin_only:
            session(args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
