"""The presence client's errors and the publisher's thread, over an injected session.

The session is a real ``requests.Session`` whose ``request`` is answered by the test (the
integration tests use the real server; these cover what a real server rarely does:
5xx, garbage, timeouts, TLS failures, a hung connection).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from agent_desktop.presence.client import PresenceClient, Published
from agent_desktop.presence.publisher import PresencePublisher
from agent_desktop.presence.roster import PresenceError, PresenceUnavailable
from agent_desktop.presence.states import AgentStatus, Presence

Answer = Callable[[str, str, dict[str, Any]], requests.Response | Exception]


def response(status: int, body: Any = None, raw: bytes | None = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = raw if raw is not None else json.dumps(body).encode()
    return r


class ScriptedSession(requests.Session):
    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        with self.lock:
            self.calls.append((str(method), str(url), kwargs))
        result = self.answer(str(method), str(url), kwargs)
        if isinstance(result, Exception):
            raise result
        return result


def client(answer: Answer) -> tuple[PresenceClient, ScriptedSession]:
    session = ScriptedSession(answer)
    return PresenceClient("https://audit.example.org/", session, token="adt_secret", agent_id="agent-1",
                          team="blue"), session


STATUS = AgentStatus(Presence.NOT_READY, reason="lunch", since=100.0, aor="sips:agent-1@pbx")
PUBLISHED = {"agent_id": "agent-1", "state": "not_ready", "since": 100.0, "escalation": None}


def test_publish_sends_the_status_with_the_token_and_parses_the_answer() -> None:
    c, session = client(lambda m, u, k: response(200, PUBLISHED))
    assert c.publish(STATUS) == Published(Presence.NOT_READY, 100.0, None)
    method, url, kwargs = session.calls[0]
    assert (method, url) == ("PUT", "https://audit.example.org/v1/agents/agent-1/state")
    assert kwargs["json"]["reason"] == "lunch" and kwargs["headers"]["Authorization"] == "Bearer adt_secret"
    assert "adt_secret" not in repr(c)


@pytest.mark.parametrize("answer,kind,words", [
    (response(401, {"message": "unknown token"}), PresenceError, "HTTP 401"),
    (response(403, {"message": "a team lead may only read their own team"}), PresenceError, "own team"),
    (response(400, {"message": "aor: expected ..."}), PresenceError, "HTTP 400: aor"),
    (response(503, {"error": "unavailable"}), PresenceUnavailable, "HTTP 503"),
    (response(200, raw=b"<html>proxy login</html>"), PresenceError, "not JSON"),
    (response(200, ["a", "list"]), PresenceError, "not a JSON object"),
    (response(200, {"team": "blue"}), PresenceError, "malformed"),
    (requests.ReadTimeout("slow"), PresenceUnavailable, "did not answer the roster within 10 s"),
    (requests.exceptions.SSLError("bad cert"), PresenceUnavailable, "not trusted"),
    (requests.ConnectionError("refused"), PresenceUnavailable, "cannot be reached"),
])
def test_every_failure_is_a_presence_error_a_person_can_act_on(answer: Any, kind: type, words: str) -> None:
    c, _ = client(lambda m, u, k: answer)
    with pytest.raises(kind, match=words) as caught:
        c.roster()
    assert caught.value.hint or caught.value.message  # AgentDesktopError: message (+ hint)
    assert "adt_secret" not in str(caught.value)


def test_a_status_with_phi_never_leaves_the_workstation() -> None:
    c, session = client(lambda m, u, k: response(200, PUBLISHED))
    for bad in (AgentStatus(Presence.NOT_READY, reason="called 2105550147"),
                AgentStatus(Presence.ON_CALL, aor="sips:+12105550147@pbx")):
        with pytest.raises(PresenceError, match="cannot be published") as caught:
            c.publish(bad)
        assert "2105550147" not in str(caught.value)
    with pytest.raises(PresenceError, match="escalation"):
        c.escalate("patient_is_rosa")
    assert session.calls == []


def test_tls_verification_off_and_a_missing_server_are_refused() -> None:
    session = requests.Session()
    session.verify = False
    with pytest.raises(PresenceError, match="verification is off"):
        PresenceClient("https://a", session, token="t")
    with pytest.raises(PresenceError, match="no audit server"):
        PresenceClient("", requests.Session(), token="t")


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_the_publisher_never_blocks_its_caller_and_publishes_only_the_latest_status() -> None:
    release = threading.Event()

    def answer(method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        if method == "PUT":
            release.wait(10)  # the server hangs
            return response(200, {**PUBLISHED, "state": kwargs["json"]["state"]})
        return response(200, {"agent_id": "agent-1", "state": "offline", "since": 1.0})

    c, session = client(answer)
    seen: list[Published] = []
    publisher = PresencePublisher(c, heartbeat_seconds=60, on_published=seen.append)
    publisher.start()
    try:
        publisher.update(AgentStatus(Presence.AVAILABLE))
        wait_for(lambda: len(session.calls) == 1)  # the thread is stuck in the first PUT
        started = time.monotonic()
        for state in (Presence.ON_CALL, Presence.AFTER_CALL_WORK, Presence.NOT_READY):
            publisher.update(AgentStatus(state))
        assert time.monotonic() - started < 0.5  # update() only hands the status over
        release.set()
        wait_for(lambda: len(seen) == 2)
        # the intermediate states were superseded: only the latest went out after the first
        assert [p.state for p in seen] == [Presence.AVAILABLE, Presence.NOT_READY]
    finally:
        release.set()
        publisher.stop()
    assert [c[0] for c in session.calls] == ["PUT", "PUT", "DELETE"]  # signed out on stop
    assert publisher.signed_out
    assert not any(t.name == "presence" for t in threading.enumerate())


def test_the_publisher_repeats_the_status_as_a_heartbeat_and_retries_after_errors() -> None:
    answers = iter([response(503, {}), requests.ConnectionError("down")])

    def answer(method: str, url: str, kwargs: dict[str, Any]) -> requests.Response | Exception:
        return next(answers, response(200, PUBLISHED))

    c, session = client(answer)
    errors: list[PresenceError] = []
    publisher = PresencePublisher(c, heartbeat_seconds=0.05, on_error=errors.append)
    publisher.update(STATUS)
    publisher.start()
    try:
        wait_for(lambda: len(session.calls) >= 5)
        assert [type(e) for e in errors] == [PresenceUnavailable, PresenceUnavailable]
        assert publisher.last_error is None and publisher.last_published is not None
        assert all(call[2]["json"] == STATUS.as_json() for call in session.calls)
    finally:
        publisher.stop(sign_out=False)
    assert all(call[0] == "PUT" for call in session.calls)
