"""Recording audit events: one durable vault transaction per event, before anything is shown.

``record`` returns only after the vault transaction that appended the event has committed
(WAL + ``synchronous=FULL``), so an event whose ``record`` returned survives a crash. The
guard API puts the commit before the PHI by construction::

    with recorder.guard("phi.reveal", patient=ref, call_id=call):
        panel.show(record)            # never runs if the event could not be written

    recorder.reveal("phi.view", lambda: panel.show(record), patient=ref)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from agent_desktop.audit import outbox
from agent_desktop.audit.anchor import Head, OutboxAnchor, Rollback
from agent_desktop.audit.event import InvalidEvent, prepare_event, utc_timestamp, uuid7
from agent_desktop.audit.notices import AuditChainAlert, AuditRecorded, AuditSyncStatus
from agent_desktop.bus import EventBus
from agent_desktop.errors import AgentDesktopError
from agent_desktop.vault.events import VaultLocked, VaultWiped

log = logging.getLogger(__name__)
T = TypeVar("T")
# Generous: the vault thread only waits on the disk; giving up early would hide nothing
# (a late commit still records the access) but would refuse a display needlessly.
RECORD_TIMEOUT_SECONDS = 30.0


class AuditVault(Protocol):
    """What the recorder needs from :class:`agent_desktop.vault.Vault`."""

    def transaction(self, fn: Callable[[Any], T]) -> Any: ...
    def transact(self, fn: Callable[[Any], T], timeout: float | None = None) -> T: ...
    def submit(self, fn: Callable[[Any], T]) -> Any: ...
    def add_unlock_hook(self, hook: Callable[[Any, Sequence[Any]], None]) -> None: ...
    # optional (a vault without them gets no rollback detection): read_anchor, write_anchor


class AuditWriteFailed(AgentDesktopError):
    """The event could not be committed, so the guarded action did not happen."""

    def __init__(self, action: str, reason: str, hint: str) -> None:
        self.action = action
        self.reason = reason
        super().__init__(f"The access ({action}) could not be recorded in the audit trail: "
                         f"{reason}. Nothing was shown.", hint)


def explain_write_failure(action: str, err: BaseException) -> AuditWriteFailed:
    """Turn what the vault raised into a message a person can act on (never PHI: the vault's
    own errors and SQLite's messages carry no record content)."""
    chain = _causes(err)
    text = " ".join(str(e) for e in chain).lower()
    name = type(err).__name__
    if any(type(e).__name__ == "VaultLocked" for e in chain):
        return AuditWriteFailed(action, "the vault is locked", "Unlock the vault and try again.")
    if "full" in text or "no space" in text:
        return AuditWriteFailed(action, "the disk is full",
                                "Free disk space on this workstation, then try again; call IT "
                                "if it happens again.")
    if isinstance(err, TimeoutError):
        return AuditWriteFailed(action, "the vault did not answer in time",
                                "Try again; if it persists, restart Agent Desktop.")
    if isinstance(err, AgentDesktopError):
        return AuditWriteFailed(action, err.message, err.hint or "Try again.")
    return AuditWriteFailed(action, f"the vault refused the write ({name})",
                            "Try again; if it persists, run `agent-desktop audit verify-local` "
                            "and call IT.")


def _causes(err: BaseException) -> list[BaseException]:
    """The error and what it was raised from or during (a failed ROLLBACK hides SQLITE_FULL)."""
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


class AuditRecorder:
    def __init__(self, vault: AuditVault, bus: EventBus, *, device_id: str, user: str, role: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._vault = vault
        self._bus = bus
        self.device_id = device_id
        self.user = user
        self.role = role
        self._clock = clock
        self._lock = threading.Lock()
        read, write = getattr(vault, "read_anchor", None), getattr(vault, "write_anchor", None)
        self.anchor = OutboxAnchor(read, write) if read and write else None
        self.rollback: Rollback | None = None  # found at the last unlock of this process
        # (seq, hash) this recorder appended last: spares reading the whole chain state
        # while it is still the newest row (read and set under the vault's connection lock)
        self._head: tuple[int, str] | None = None
        vault.add_unlock_hook(self._on_unlock)
        # the anchor follows the head: exactly on lock, after each sync, a new chain on wipe
        self._subs = [bus.subscribe(VaultLocked, self._on_locked),
                      bus.subscribe(VaultWiped, self._on_wiped),
                      bus.subscribe(AuditSyncStatus, self._on_sync_status)]

    def _on_locked(self, event: VaultLocked) -> None:
        if self.anchor is not None:
            self.anchor.close()

    def _on_wiped(self, event: VaultWiped) -> None:
        self._head = None
        if self.anchor is not None:
            self.anchor.forget()

    def _on_sync_status(self, event: AuditSyncStatus) -> None:
        if self.anchor is not None:
            self.anchor.flush_soon()

    # --- recording -------------------------------------------------------------------------
    def record(self, action: str, *, patient: str | None = None, call_id: str | None = None,
               outcome: str = "success", detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Append one event durably and return it; raises InvalidEvent or AuditWriteFailed."""
        now = self._clock()
        # validated before the transaction: a PHI-looking detail never reaches the disk, and
        # the connection lock (which every record queues on) is held only to chain, hash
        # and write
        prepared = prepare_event(device_id=self.device_id, user=self.user, role=self.role,
                                 action=action, outcome=outcome, patient=patient,
                                 call_id=call_id, detail=detail, ts=utc_timestamp(now),
                                 event_id=uuid7(int(now * 1000)))

        def write(conn: Any) -> dict[str, Any]:
            written = outbox.append_prepared(conn, prepared, self._head)
            # a commit that fails after this leaves a hint that no row matches: read again
            self._head = (written["seq"], written["hash"])
            return written

        try:
            # on this thread, under the vault's connection lock: the caller waits for the
            # commit anyway, and a hop to the vault thread and back costs more than it does
            event: dict[str, Any] = self._vault.transact(write, RECORD_TIMEOUT_SECONDS)
        except InvalidEvent:
            raise
        except Exception as err:  # every failure means "not recorded": explain it, re-raise
            failure = explain_write_failure(action, err)
            log.warning("audit event %s not recorded: %s (%s)", action, failure.reason, err)
            raise failure from err
        if self.anchor is not None:
            self.anchor.note(Head(event["seq"], event["hash"]))
        self._bus.publish(AuditRecorded(event["seq"], action))
        return event

    @contextmanager
    def guard(self, action: str = "phi.reveal", *, patient: str | None = None,
              call_id: str | None = None, detail: Mapping[str, Any] | None = None,
              outcome: str = "success") -> Iterator[dict[str, Any]]:
        """Commit the event, then run the ``with`` body; if the commit fails the body never runs."""
        yield self.record(action, patient=patient, call_id=call_id, outcome=outcome, detail=detail)

    def reveal(self, action: str, show: Callable[[], T], *, patient: str | None = None,
               call_id: str | None = None, detail: Mapping[str, Any] | None = None) -> T:
        """Record, then call ``show``; ``show`` is never called when the event is not on disk."""
        self.record(action, patient=patient, call_id=call_id, detail=detail)
        return show()

    # --- locked-state events -----------------------------------------------------------------
    def _on_unlock(self, conn: Any, pending: Sequence[Any]) -> None:
        """Vault unlock hook (vault thread): join the locked-state records, then ``vault.unlock``.

        One transaction of its own: either every pending record joins the chain or none
        does (and the vault keeps them for the next unlock, since this hook then raises).
        A database behind its anchored head (an older copy put back) is never continued
        silently: an ``audit.outbox_rollback`` alert goes first into the chain, so it is
        synced to the server, and the bus carries an :class:`AuditChainAlert`.
        """
        anchored = self._anchored()
        conn.execute("BEGIN IMMEDIATE")
        try:
            rollback = _rolled_back(conn, anchored)
            events = []
            if rollback is not None:
                events.append(self._append_now(conn, "audit.outbox_rollback", "failure",
                                               rollback.detail(), utc_timestamp(self._clock())))
            events += self._join_pending(conn, pending)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        head = Head(events[-1]["seq"], events[-1]["hash"])
        if rollback is not None:
            self.rollback = rollback
            log.error("audit outbox rolled back: seq %s anchored, %s found",
                      rollback.anchored.seq, rollback.found_seq)
            if self.anchor is not None:
                try:
                    self.anchor.reset(head)  # the chain goes on from the alert
                except AgentDesktopError as err:  # the alert is committed; anchor next time
                    log.error("could not re-anchor the audit outbox: %s", err)
            self._bus.publish(AuditChainAlert(self.device_id, events[0]["seq"], rollback.problem))
        elif self.anchor is not None:
            self.anchor.note(head)
        for event in events:
            self._bus.publish(AuditRecorded(event["seq"], event["action"]))

    def _anchored(self) -> Head | None:
        if self.anchor is None:
            return None
        try:
            return self.anchor.read()
        except AgentDesktopError as err:  # the unlock still records; the check is skipped
            log.error("could not read the audit outbox anchor: %s", err)
            return None

    def _join_pending(self, conn: Any, pending: Sequence[Any]) -> list[dict[str, Any]]:
        events = []
        for record in pending:
            action, outcome, detail, ts = _pending_fields(record)
            try:
                events.append(self._append_now(conn, action, outcome, detail, ts))
            except InvalidEvent as err:
                # A record the model refuses must not block every future unlock: keep its
                # place in the chain, say it was refused, never copy the refused content.
                log.warning("locked-state record refused: %s", err)
                events.append(self._append_now(conn, "audit.pending_refused", "failure",
                                               {"reason": "invalid_record"}, utc_timestamp(self._clock())))
        events.append(self._append_now(conn, "vault.unlock", "success", {"pending_joined": len(pending)},
                                       utc_timestamp(self._clock())))
        return events

    def _append_now(self, conn: Any, action: str, outcome: str, detail: Mapping[str, Any],
                    ts: str) -> dict[str, Any]:
        return outbox.append(conn, device_id=self.device_id, user=self.user, role=self.role,
                             action=action, outcome=outcome, patient=None, call_id=None,
                             detail=detail, ts=ts, event_id=uuid7(int(self._clock() * 1000)))

    # --- reading ----------------------------------------------------------------------------
    def verify_local(self) -> outbox.LocalVerification:
        """The chain recomputed; not ok when this process found the outbox rolled back."""
        result: outbox.LocalVerification = self._vault.submit(outbox.verify_local).result(
            RECORD_TIMEOUT_SECONDS)
        if self.rollback is not None and result.ok:
            return outbox.LocalVerification(False, result.events, result.acked_seq,
                                            result.last_seq, self.rollback.problem,
                                            self.rollback.found_seq + 1)
        return result


def _rolled_back(conn: Any, anchored: Head | None) -> Rollback | None:
    """Whether the outbox is behind (or forked from) the head anchored outside it."""
    if anchored is None:
        return None
    state = outbox.chain_state(conn)
    found = state.last_seq if state is not None else 0
    if found < anchored.seq:
        return Rollback(anchored, found)
    stored = outbox.hash_at(conn, anchored.seq)
    if stored is not None and stored != anchored.hash:
        return Rollback(anchored, found)  # same length or longer, but another history
    return None


def _pending_fields(record: Any) -> tuple[str, str, dict[str, Any], str]:
    """Action, outcome, detail and time of a locked-state record (mapping or object)."""
    get = record.get if isinstance(record, Mapping) else lambda k, d=None: getattr(record, k, d)
    ts = get("ts")
    if isinstance(ts, int | float):
        ts = utc_timestamp(ts)
    return (str(get("action")), str(get("outcome", "success") or "success"),
            dict(get("detail") or {}), ts or utc_timestamp())
