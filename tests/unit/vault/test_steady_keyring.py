"""A Secret Service that answers for a moment with a collection it is reloading must not
fail a vault operation; one whose collection is really gone still fails, with its error."""

from __future__ import annotations

import keyring.errors
import pytest
from secretstorage.exceptions import ItemNotFoundException

from agent_desktop.vault.keyring_backend import SteadyKeyring, backend_name


class Reloading:
    """Fails the first ``failures`` calls the way keyring does while gnome-keyring reloads."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or keyring.errors.InitError("Failed to create the collection: Prompt dismissed..")
        self.calls = 0
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.store.get((service, username))


def test_a_transient_reload_is_ridden_out() -> None:
    inner = Reloading(failures=2)
    inner.store[("svc", "user")] = "secret"
    assert SteadyKeyring(inner, delays=(0.0, 0.0, 0.0)).get_password("svc", "user") == "secret"
    assert inner.calls == 3


def test_an_item_whose_path_changed_in_the_reload_is_found_again() -> None:
    inner = Reloading(failures=1, error=ItemNotFoundException("Item does not exist!"))
    inner.store[("svc", "user")] = "secret"
    assert SteadyKeyring(inner, delays=(0.0,)).get_password("svc", "user") == "secret"


def test_a_collection_that_is_really_gone_still_fails_with_keyrings_error() -> None:
    inner = Reloading(failures=99)
    with pytest.raises(keyring.errors.InitError, match="Prompt dismissed"):
        SteadyKeyring(inner, delays=(0.0, 0.0)).get_password("svc", "user")
    assert inner.calls == 3  # each delay, then the last try


def test_the_backend_is_named_by_what_it_wraps() -> None:
    assert backend_name(SteadyKeyring(Reloading(0))).endswith("test_steady_keyring.Reloading")
