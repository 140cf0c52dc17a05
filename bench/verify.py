"""Verification and directory benchmarks; one JSON object per result line on stdout.

    .venv/bin/python -m bench.verify --no-directory          # the pure engine only
    dbus-run-session -- bash scripts/with-keyring .venv/bin/python -m bench.verify

- ``verify.walk.p50/p99``: a whole patient verification (start, name, date of birth,
  member ID: the matchers, the state machine and its audit steps), against the bare
  minimum in the same run: three ``==`` comparisons of pre-normalised strings.
- ``verify.match_name.p50`` / ``verify.match_date.p50``: one matcher call, against
  ``casefold() ==`` and ``date.fromisoformat`` respectively.
- ``directory.by_phone.online.p50`` (real reference server over HTTPS, real vault): search,
  representatives and consents fetched, mapped and cached, against one raw telecom search
  request on the same connection pool; ``directory.by_phone.cached.p50``: the same lookup
  answered from the vault with the server stopped, against the vault's ``PhiCache.get``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import agent_desktop.capabilities  # noqa: E402,F401  (registers every capability's vault tables)
from agent_desktop.vault.keyring_backend import secure_backend  # noqa: E402
from agent_desktop.verify.engine import Status, Verification  # noqa: E402
from agent_desktop.verify.matchers import match_date, match_name  # noqa: E402
from agent_desktop.verify.record import PatientRecord, Person  # noqa: E402
from agent_desktop.verify.script import load_configured_script  # noqa: E402
from bench.common import emit, percentile, timed  # noqa: E402

TODAY = dt.date(2026, 11, 28)
RECORD = PatientRecord("pat-bench", Person(("José", "María"), ("García", "López"), dt.date(1961, 3, 14),
                                           zip="78205", member_id="QZX-4471-0935", ssn_last4="6620"))


def timed_us(fn: Callable[[], object], n: int) -> list[float]:
    return timed(fn, n, scale=1e6)


def alternating_us(fa: Callable[[], object], fb: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """``fa`` and ``fb`` in alternation, so the machine's load drift hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(n):
        a += timed_us(fa, 1)
        b += timed_us(fb, 1)
    return a, b


def bench_engine(n: int) -> None:
    script = load_configured_script("default")

    def walk() -> None:
        v = Verification(script, "patient", RECORD, "agent", today=TODAY)
        v.answer("full_name", "JOSE GARCIA")
        v.answer("date_of_birth", "14 de marzo de 1961")
        v.answer("member_id", "qzx 4471 0935")
        assert v.status is Status.VERIFIED

    want = ("josegarcia", "1961-03-14", "QZX44710935")

    def minimum() -> None:
        got = ("josegarcia", "1961-03-14", "QZX44710935")
        assert all(a == b for a, b in zip(got, want, strict=True))

    walk_s, base_s = timed_us(walk, n), timed_us(minimum, n)
    for q in (50, 99):
        emit(f"verify.walk.p{q}", percentile(walk_s, q), "us", percentile(base_s, q), samples=n)
    name_s = timed_us(lambda: match_name("José García López", ("José", "María"), ("García", "López"),
                                         "given_and_first_surname"), n)
    name_b = timed_us(lambda: "jose garcia lopez".casefold() == "José García López".casefold(), n)
    emit("verify.match_name.p50", percentile(name_s, 50), "us", percentile(name_b, 50), samples=n)
    date_s = timed_us(lambda: match_date("March 14th, 1961", dt.date(1961, 3, 14)), n)
    date_b = timed_us(lambda: dt.date.fromisoformat("1961-03-14") == dt.date(1961, 3, 14), n)
    emit("verify.match_date.p50", percentile(date_s, 50), "us", percentile(date_b, 50), samples=n)


def bench_directory(n: int) -> None:
    import keyring
    import requests

    from agent_desktop.bus import EventBus
    from agent_desktop.demo.certs import make_pki
    from agent_desktop.directory.client import FhirClient
    from agent_desktop.directory.service import Directory
    from agent_desktop.directory.synthetic import generate, write_data_file
    from agent_desktop.paths import AppPaths
    from agent_desktop.policy import load_settings
    from agent_desktop.vault import PhiCache, Vault
    from agent_desktop.vault.device_secret import SERVICE
    from tests.support.audit_server import start_audit_server
    from tests.support.vault_env import FAST_KDF

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        root = Path(tmp)
        pki = make_pki(root / "pki")
        data = write_data_file(root / "directory.json", seed=11, patients=200)
        patient = generate(11, 200)["Patient"][3]
        phone, pid = patient["telecom"][0]["value"], patient["id"]
        server = start_audit_server(root / "server", pki=pki, extra_args=["--directory-data", str(data)])
        profile = "bench-" + uuid.uuid4().hex[:8]
        vault = None
        session = requests.Session()
        try:
            token = server.enroll("bench-agent")["device_token"]
            session.trust_env = False
            session.verify = str(pki.ca_file)
            session.headers["Authorization"] = f"Bearer {token}"
            paths = AppPaths(root / "home" / "data", root / "home" / "config", root / "home" / "logs")
            settings = load_settings(paths, policy_file=root / "policy.toml")
            vault = Vault(paths, profile, settings, EventBus(), kdf=FAST_KDF)
            vault.create("Bench-Password-Correct-7")
            cache = PhiCache(vault, settings)
            directory = Directory(FhirClient(server.base_url + "/fhir", session), cache, vault)
            url = server.url("/fhir/Patient")
            directory.by_phone(phone)  # warm the connection pool
            online = timed_us(lambda: directory.by_phone(phone), n)
            raw = timed_us(lambda: session.get(url, params={"telecom": f"phone|{phone}"}, timeout=10).json(), n)
            emit("directory.by_phone.online.p50", percentile(online, 50) / 1000, "ms",
                 percentile(raw, 50) / 1000, samples=n)
            # one field group (two searches for care_plan), rows built and cached, against
            # one bare POST search of the same patient's observations
            labs_url, form = server.url("/fhir/Observation/_search"), {"patient": f"Patient/{pid}"}
            for group in ("lab_results", "care_plan"):
                group_s, bare = alternating_us(lambda g=group: directory.group_data(pid, g),
                                               lambda: session.post(labs_url, data=form, timeout=10).json(), n)
                emit(f"directory.group_data.{group}.online.p50", percentile(group_s, 50) / 1000, "ms",
                     percentile(bare, 50) / 1000, samples=n)
            server.stop()
            group_s = timed_us(lambda: directory.group_data(pid, "lab_results"), n)
            get = timed_us(lambda: cache.get("directory.group", "x").result(), n)
            emit("directory.group_data.lab_results.cached.p50", percentile(group_s, 50) / 1000, "ms",
                 percentile(get, 50) / 1000, samples=n)
            cached = timed_us(lambda: directory.by_phone(phone), n)
            get = timed_us(lambda: cache.get("directory.search", "x").result(), n)
            emit("directory.by_phone.cached.p50", percentile(cached, 50) / 1000, "ms",
                 percentile(get, 50) / 1000, samples=n)
        finally:
            session.close()
            server.stop()
            if vault is not None:
                vault.close()
                for user in (f"vault-device-secret:{profile}", f"vault-locked-log-head:{profile}"):
                    try:
                        secure_backend().delete_password(SERVICE, user)
                    except keyring.errors.PasswordDeleteError:
                        continue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="samples for the engine benchmarks")
    parser.add_argument("--directory-samples", type=int, default=100)
    parser.add_argument("--no-directory", action="store_true", help="skip the server/vault benchmarks")
    args = parser.parse_args()
    bench_engine(args.n)
    if not args.no_directory:
        bench_directory(args.directory_samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
