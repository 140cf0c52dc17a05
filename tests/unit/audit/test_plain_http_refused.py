"""An impostor on the path to a plain-HTTP audit server gets nothing: enrolment, sync and
policy validation refuse http:// except to this machine, before anything is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from agent_desktop.audit.credentials import (
    CredentialStore,
    DeviceCredentials,
    EnrollmentFailed,
    enroll,
)
from agent_desktop.audit.sync import Outcome, SyncWorker
from agent_desktop.bus import EventBus
from agent_desktop.policy import PolicyError, load_settings
from agent_desktop.urls import InsecureServerUrl, url_problem
from tests.unit.audit.test_sync_policy import Settings


class RecordingSession(requests.Session):
    """Answers enrolment like the server would and remembers every request."""

    def __init__(self, key: str = "11" * 32) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.key = key

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
                ) -> requests.Response:
        self.calls.append(str(url))
        resp = requests.Response()
        resp.status_code = 200
        resp._content = (b'{"device_id": "dev-1", "device_token": "tok", '
                         b'"receipt_public_key": "' + self.key.encode() + b'"}')
        return resp


class MemoryKeyring:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.entries.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.entries[(service, user)] = value

    def delete_password(self, service: str, user: str) -> None:
        del self.entries[(service, user)]


@pytest.mark.parametrize("url, ok", [
    ("https://audit.example.org", True),
    ("http://127.0.0.1:8443", True),
    ("http://127.8.0.1", True),
    ("http://localhost:9000/base", True),
    ("http://[::1]:8443", True),
    ("http://audit.example.org", False),
    ("http://10.0.0.5:8443", False),
    ("http://127.0.0.1.evil.example", False),
    ("HTTP://audit.example.org", False),
    ("ftp://audit.example.org", False),
    ("audit.example.org", False),
])
def test_only_https_or_loopback_http_is_a_usable_server_url(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_enrolment_over_plain_http_sends_no_token() -> None:
    session, store = RecordingSession(), CredentialStore(MemoryKeyring(), "p")
    with pytest.raises(InsecureServerUrl, match="plain http"):
        enroll(session, "http://audit.example.org", "one-time-token", store)
    assert session.calls == []
    assert store.load() is None


def test_enrolment_refuses_a_server_whose_receipt_key_is_not_the_policys() -> None:
    store = CredentialStore(MemoryKeyring(), "p")
    with pytest.raises(EnrollmentFailed, match="not the one the policy names"):
        enroll(RecordingSession(key="22" * 32), "https://audit.example.org", "t", store,
               expected_receipt_key="11" * 32)
    assert store.load() is None
    creds = enroll(RecordingSession(key="11" * 32), "https://audit.example.org", "t", store,
                   expected_receipt_key="11" * 32)
    assert store.load() == creds


@pytest.mark.parametrize("policy_url", ["", "http://audit.example.org"])
def test_sync_never_talks_plain_http_to_another_machine(policy_url: str) -> None:
    store = CredentialStore(MemoryKeyring(), "p")
    store.save(DeviceCredentials("dev-1", "tok", "11" * 32, "http://audit.example.org"))
    session = RecordingSession()
    worker = SyncWorker(None, EventBus(), Settings(**{"audit.server_url": policy_url}),  # type: ignore[arg-type]
                        session=session, store=store)
    result = worker.sync_once()
    assert result.outcome is Outcome.REFUSED and "plain http" in (result.error or "")
    assert session.calls == []
    assert worker.status().last_error == result.error


def test_policy_validation_refuses_a_plain_http_audit_server(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[audit]\nserver_url = "http://audit.example.org"\n')
    with pytest.raises(PolicyError, match="audit.server_url.*plain http"):
        load_settings(policy_file=policy, user_file=tmp_path / "settings.toml")
    policy.write_text('[audit]\nserver_url = "http://127.0.0.1:8443"\n'
                      '[directory]\nfhir_base_url = "https://ehr.example.org/fhir"\n')
    settings = load_settings(policy_file=policy, user_file=tmp_path / "settings.toml")
    assert settings.get("audit.server_url") == "http://127.0.0.1:8443"
