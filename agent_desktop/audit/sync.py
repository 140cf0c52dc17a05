"""The audit sync worker: outbox -> ``POST /v1/audit/batches`` -> verified receipt -> delete.

One thread. Each round reads the oldest batch from the vault, posts the stored bytes with
the device token, and deletes the covered events only after the Ed25519 receipt over
``device_id|last_seq|last_hash`` verifies against the server key (policy first, else the
key from enrolment) and names exactly the batch's last event. Anything else (no answer,
TLS failure, timeout, 5xx, 429, malformed or unsigned 200) means "not delivered": the
events stay and the round is retried with capped exponential backoff and jitter. A 409
chain break halts sync for good (persisted) and raises an alert; history is never
rewritten. A revoked device wipes the vault. Every batch and every idle device check carries
the outbox head (``Audit-Head: <last seq>:<last hash>``, recorded events sent or not), so the
server can alert when a workstation's chain goes backwards or forks.
"""

from __future__ import annotations

import concurrent.futures
import enum
import functools
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from agent_desktop.audit import outbox
from agent_desktop.audit.credentials import CredentialStore, DeviceCredentials, NotEnrolled
from agent_desktop.audit.event import receipt_message, utc_timestamp
from agent_desktop.audit.notices import AuditChainAlert, AuditSyncStatus, DeviceRevoked
from agent_desktop.bus import EventBus
from agent_desktop.urls import InsecureServerUrl, require_secure_url
from agent_desktop.vault.events import VaultUnlocked

log = logging.getLogger(__name__)
REQUEST_TIMEOUT_SECONDS = (5.0, 30.0)  # connect, read
VAULT_TIMEOUT_SECONDS = 60.0
REVOKED_CODES = ("device_revoked", "revoked")
HEAD_HEADER = "Audit-Head"  # agent_desktop/server/heads.py reads it


class SyncVault(Protocol):
    def transaction(self, fn: Callable[[Any], Any]) -> Any: ...
    def submit(self, fn: Callable[[Any], Any]) -> Any: ...
    def wipe(self) -> Any: ...


class SettingsLike(Protocol):
    def get(self, name: str) -> Any: ...


class Outcome(enum.Enum):
    DELIVERED = "delivered"   # a receipted batch was deleted from the outbox
    EMPTY = "empty"           # nothing to send
    RETRY = "retry"           # not delivered; try again after a backoff
    HALTED = "halted"         # 409 chain break: stopped until someone investigates
    REVOKED = "revoked"       # device revoked: vault wiped
    LOCKED = "locked"         # the vault is locked: nothing can be read
    NOT_ENROLLED = "not_enrolled"
    REFUSED = "refused"       # the server address is not safe to talk to (plain http://)


@dataclass(frozen=True)
class Round:
    outcome: Outcome
    delivered: int = 0
    error: str | None = None
    retry_after: float | None = None


class SyncWorker:
    def __init__(self, vault: SyncVault, bus: EventBus, settings: SettingsLike, *,
                 session: requests.Session, store: CredentialStore,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] | None = None,
                 rng: Callable[[], float] = random.random,
                 request_timeout: tuple[float, float] = REQUEST_TIMEOUT_SECONDS) -> None:
        self._vault = vault
        self._bus = bus
        self._session = session
        self._store = store
        self._clock = clock
        self._rng = rng
        self._timeout = request_timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self.batch_size = int(settings.get("audit.batch_size"))
        self.max_backoff = float(settings.get("audit.max_backoff_seconds"))
        self.interval = float(settings.get("audit.sync_interval_seconds"))
        self._policy_url = str(settings.get("audit.server_url") or "")
        self._policy_key = str(settings.get("audit.receipt_public_key") or "")
        ca_bundle = str(settings.get("audit.ca_bundle") or "")
        self._verify: str | bool = ca_bundle or True
        self._failures = 0
        self._creds: DeviceCredentials | None = None
        self._head: tuple[int, str] | None = None  # the outbox head read at the start of a round
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        self._status = AuditSyncStatus(online=False, backlog=None, last_sync=None, last_error=None)
        # an unlock makes the outbox readable again (and joins the locked-state events)
        self._unlocked_sub = bus.subscribe(VaultUnlocked, self._on_vault_unlocked)

    def _on_vault_unlocked(self, event: VaultUnlocked) -> None:
        self._wake.set()

    # --- status ----------------------------------------------------------------------------
    def status(self) -> AuditSyncStatus:
        with self._status_lock:
            return self._status

    def _set_status(self, **changes: Any) -> None:
        with self._status_lock:
            new = replace(self._status, **changes)
            changed = new != self._status
            self._status = new
        if changed:
            self._bus.publish(new)

    def _refresh_backlog(self) -> None:
        try:
            count = self._vault.submit(outbox.backlog).result(VAULT_TIMEOUT_SECONDS)
        except Exception:  # noqa: BLE001 - locked/closed vault: the backlog is unknown, not an error
            return
        self._set_status(backlog=int(count))

    # --- one round -------------------------------------------------------------------------
    def _credentials(self) -> DeviceCredentials:
        # cached: a Secret Service round trip costs ~15 ms, more than a batch's vault work;
        # forgotten whenever the server refuses the token, so a re-enrolment is picked up
        if self._creds is not None:
            return self._creds
        creds = self._store.require()
        if self._policy_url:
            creds = replace(creds, server_url=self._policy_url)
        require_secure_url(creds.server_url)  # never a token or a wipe over plain http
        self._creds = creds
        return creds

    def sync_once(self) -> Round:
        """Send at most one batch; never raises for network or server trouble."""
        return self.send_batches(max_batches=1)

    def send_batches(self, max_batches: int | None = None) -> Round:
        """Send batches until the outbox is empty, a round fails, or ``max_batches``.

        Pipelined: while batch k is on the wire the vault thread reads batch k+1, and the
        deletion of batch k (after its receipt verified) runs while batch k+1 is on the
        wire. The vault thread runs jobs in order, so deletions never overtake each other.
        """
        try:
            creds = self._credentials()
        except NotEnrolled as err:
            self._set_status(enrolled=False, last_error=err.message)
            return Round(Outcome.NOT_ENROLLED, error=err.message)
        except InsecureServerUrl as err:
            self._set_status(online=False, last_error=err.message)
            return Round(Outcome.REFUSED, error=err.message)
        try:
            state, batch = self._vault.submit(self._read).result(VAULT_TIMEOUT_SECONDS)
        except Exception as err:  # noqa: BLE001 - a locked or closed vault just means "later"
            return Round(Outcome.LOCKED, error=f"vault unavailable ({type(err).__name__})")
        self._head = (state.last_seq, state.last_hash) if state is not None and state.last_seq > 0 else None
        if state is not None and state.halted:
            self._set_status(halted=True, last_error=state.halted_reason)
            return Round(Outcome.HALTED, error=state.halted_reason)
        if batch is None:
            return self._check_device(creds)
        delivered = 0
        acks: list[Any] = []
        result = Round(Outcome.EMPTY)
        sent = 0
        while batch is not None and not self._stop.is_set():
            more = max_batches is None or sent + 1 < max_batches
            upcoming = self._vault.submit(functools.partial(
                _read_after, limit=self.batch_size, after_seq=batch.last_seq)) if more else None
            result = self._post(creds, batch)
            sent += 1
            if result.outcome is not Outcome.DELIVERED:
                break
            self._failures = 0
            delivered += result.delivered
            acks.append(self._acknowledge(batch))
            failed = self._failed_ack(acks)
            if failed is not None:
                return failed
            try:
                batch = upcoming.result(VAULT_TIMEOUT_SECONDS) if upcoming is not None else None
            except Exception as err:  # noqa: BLE001 - the vault locked mid-run: stop for now
                result = Round(Outcome.LOCKED, error=f"vault unavailable ({type(err).__name__})")
                break
        concurrent.futures.wait(acks, timeout=VAULT_TIMEOUT_SECONDS)
        failed = self._failed_ack(acks)
        if failed is not None:
            return failed
        if result.outcome is Outcome.DELIVERED:
            self._refresh_backlog()
            return Round(Outcome.DELIVERED, delivered=delivered)
        return result

    def _acknowledge(self, batch: outbox.Batch) -> Any:
        now = utc_timestamp(self._clock())
        future = self._vault.transaction(
            lambda c: outbox.acknowledge(c, batch.last_seq, batch.last_hash, now))

        def done(f: Any) -> None:
            if f.exception() is None:
                self._set_status(online=True, last_sync=now, last_error=None)

        future.add_done_callback(done)
        return future

    def _failed_ack(self, acks: list[Any]) -> Round | None:
        for ack in acks:
            if ack.done() and ack.exception() is not None:
                err = ack.exception()
                return Round(Outcome.LOCKED, error=f"receipt verified but vault unavailable "
                             f"({type(err).__name__}); the batch will be re-sent")
        return None

    def _head_header(self, batch: outbox.Batch | None = None) -> dict[str, str]:
        """The outbox head to report; a batch read after the round's head (events recorded
        meanwhile) moves it forward, so the report never lags what the batch carries."""
        head = self._head
        if batch is not None and (head is None or batch.last_seq > head[0]):
            head = (batch.last_seq, batch.last_hash)
        return {} if head is None else {HEAD_HEADER: f"{head[0]}:{head[1]}"}

    def _read(self, conn: Any) -> tuple[outbox.ChainState | None, outbox.Batch | None]:
        return outbox.chain_state(conn), outbox.read_batch(conn, self.batch_size)

    def _post(self, creds: DeviceCredentials, batch: outbox.Batch) -> Round:
        url = creds.server_url.rstrip("/") + "/v1/audit/batches"
        try:
            resp = self._session.post(
                url, data=batch.payload(creds.device_id),
                headers={"Authorization": f"Bearer {creds.device_token}",
                         "Content-Type": "application/json", **self._head_header(batch)},
                timeout=self._timeout, verify=self._verify)
        except requests.exceptions.SSLError:
            return self._retry("TLS failure talking to the audit server (certificate or protocol)")
        except requests.exceptions.Timeout:
            return self._retry("the audit server did not answer in time")
        except requests.exceptions.ConnectionError:
            return self._retry("the audit server is unreachable")
        except requests.RequestException as err:
            return self._retry(f"request failed ({type(err).__name__})")
        return self._judge(creds, batch, resp)

    def _judge(self, creds: DeviceCredentials, batch: outbox.Batch, resp: requests.Response) -> Round:
        code = resp.status_code
        if code == 200:
            problem = self._receipt_problem(creds, batch, resp)
            if problem:
                return self._retry(f"answer not accepted as delivery: {problem}", online=True)
            return Round(Outcome.DELIVERED, delivered=len(batch.ids))
        if code == 409:
            return self._halt(creds, resp)
        if code in (401, 403):
            self._creds = None
            if _error_code(resp) in REVOKED_CODES or self._device_revoked(creds):
                return self._revoked(creds)
            return self._retry(f"the audit server refused the device token (HTTP {code})", online=True)
        if code == 413:
            # the server's body limit is below this batch: halve until it fits (never below 1)
            self.batch_size = max(1, len(batch.ids) // 2)
            return self._retry(f"the audit server refused a batch as too large (HTTP 413); "
                               f"now sending {self.batch_size} events per batch", online=True,
                               retry_after=0.0)
        if code == 429:
            return self._retry("the audit server asked to slow down (HTTP 429)", online=True,
                               retry_after=_retry_after(resp))
        if code >= 500:
            return self._retry(f"the audit server failed (HTTP {code})", retry_after=_retry_after(resp))
        return self._retry(f"the audit server rejected the batch (HTTP {code})", online=True)

    def _receipt_problem(self, creds: DeviceCredentials, batch: outbox.Batch,
                         resp: requests.Response) -> str | None:
        try:
            data = json.loads(resp.content)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(data, dict):
            return "the body is not a JSON object"
        last_seq, last_hash, receipt = data.get("last_seq"), data.get("last_hash"), data.get("receipt")
        if not isinstance(last_seq, int) or not isinstance(last_hash, str) or not isinstance(receipt, str):
            return "last_seq, last_hash or receipt missing"
        if last_seq != batch.last_seq or last_hash != batch.last_hash:
            return f"receipt covers seq {last_seq}, the batch ends at seq {batch.last_seq}"
        key_hex = self._policy_key or creds.receipt_public_key
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
            key.verify(bytes.fromhex(receipt), receipt_message(creds.device_id, last_seq, last_hash))
        except (ValueError, InvalidSignature):
            return "the receipt signature does not verify"
        return None

    def _retry(self, error: str, *, online: bool = False, retry_after: float | None = None) -> Round:
        self._failures += 1
        log.info("audit sync not delivered: %s", error)
        self._set_status(online=online, last_error=error)
        return Round(Outcome.RETRY, error=error, retry_after=retry_after)

    def _halt(self, creds: DeviceCredentials, resp: requests.Response) -> Round:
        seq: int | None = None
        try:
            body = resp.json()
            for key in ("first_bad_seq", "seq"):
                if isinstance(body.get(key), int):
                    seq = body[key]
                    break
        except (ValueError, AttributeError):
            pass
        message = (f"the audit server refused this workstation's chain at seq {seq}: the local "
                   "outbox was altered or the server lost data; sync is stopped")
        try:
            self._vault.transaction(lambda c: outbox.halt(c, seq, message)).result(VAULT_TIMEOUT_SECONDS)
        except Exception as err:  # noqa: BLE001 - still halt in memory and alert
            log.error("could not persist the audit halt: %s", type(err).__name__)
        log.error("audit chain break reported by the server at seq %s", seq)
        self._set_status(online=True, halted=True, last_error=message)
        self._bus.publish(AuditChainAlert(creds.device_id, seq, message))
        return Round(Outcome.HALTED, error=message)

    def _device_revoked(self, creds: DeviceCredentials) -> bool:
        url = creds.server_url.rstrip("/") + f"/v1/devices/{creds.device_id}"
        try:
            resp = self._session.get(url, headers={"Authorization": f"Bearer {creds.device_token}"},
                                     timeout=self._timeout, verify=self._verify)
            if _error_code(resp) in REVOKED_CODES:
                return True
            return bool(resp.status_code == 200 and resp.json().get("status") == "revoked")
        except (requests.RequestException, ValueError, AttributeError):
            return False

    def _check_device(self, creds: DeviceCredentials) -> Round:
        """Idle round: ask whether this device is still active (a revoked one is wiped)."""
        url = creds.server_url.rstrip("/") + f"/v1/devices/{creds.device_id}"
        try:
            resp = self._session.get(url, headers={"Authorization": f"Bearer {creds.device_token}",
                                                   **self._head_header()},
                                     timeout=self._timeout, verify=self._verify)
        except requests.RequestException:
            self._set_status(online=False, backlog=0)
            return Round(Outcome.EMPTY)
        if _error_code(resp) in REVOKED_CODES or (resp.status_code in (401, 403)
                                                  and self._device_revoked(creds)):
            return self._revoked(creds)
        try:
            revoked = resp.status_code == 200 and resp.json().get("status") == "revoked"
        except (ValueError, AttributeError):
            revoked = False
        if revoked:
            return self._revoked(creds)
        self._set_status(online=resp.status_code == 200, backlog=0)
        return Round(Outcome.EMPTY)

    def _revoked(self, creds: DeviceCredentials) -> Round:
        log.warning("this device was revoked by the audit server; wiping the vault")
        self._bus.publish(DeviceRevoked(creds.device_id))
        try:
            wiped = self._vault.wipe()
            if hasattr(wiped, "result"):
                wiped.result(VAULT_TIMEOUT_SECONDS)
        finally:
            self._creds = None
            self._store.delete()
        self._set_status(online=True, backlog=None, last_error="device revoked; vault wiped")
        return Round(Outcome.REVOKED, error="device revoked")

    # --- backoff and the loop -----------------------------------------------------------------
    def backoff(self, result: Round) -> float:
        """Capped exponential backoff with equal jitter; Retry-After is honoured up to the cap."""
        base = min(self.max_backoff, 2.0 ** max(0, self._failures - 1))
        delay = base / 2 + self._rng() * base / 2
        if result.retry_after is not None:
            delay = max(delay, result.retry_after)
        return min(delay, self.max_backoff)

    def drain(self, *, retry: bool = True, max_rounds: int | None = None) -> Round:
        """Send until the outbox is empty (or sync stops); with ``retry`` wait out failures.

        Returns the last round: EMPTY when everything was delivered.
        """
        rounds = 0
        last = Round(Outcome.EMPTY)
        while not self._stop.is_set() and (max_rounds is None or rounds < max_rounds):
            rounds += 1
            result = last = self.send_batches()
            if result.outcome is Outcome.DELIVERED:
                continue
            if result.outcome is Outcome.RETRY and retry:
                self._sleep(self.backoff(result))
                continue
            return result
        return last

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sync_now(self) -> None:
        """Wake the worker (a UI button, an unlock)."""
        self._failures = 0
        self._wake.set()

    def _interruptible_sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        self._refresh_backlog()
        while not self._stop.is_set():
            result = self.send_batches()
            if result.outcome is Outcome.DELIVERED:
                continue
            if result.outcome in (Outcome.HALTED, Outcome.REVOKED):
                return
            if result.outcome is Outcome.RETRY:
                self._sleep(self.backoff(result))
            else:
                self._sleep(self.interval)


def _read_after(conn: Any, *, limit: int, after_seq: int) -> outbox.Batch | None:
    return outbox.read_batch(conn, limit, after_seq)


def _error_code(resp: requests.Response) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key in ("code", "error"):
        value = body.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("code"), str):
            return str(value["code"])
    detail = body.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("code"), str):
        return str(detail["code"])
    return None


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: the capped backoff applies
