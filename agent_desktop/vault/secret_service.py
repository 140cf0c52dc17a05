"""The Secret Service over one D-Bus connection per process, opened the way gnome-keyring needs.

keyring's own Secret Service backend opens a new D-Bus connection for every call, and the
first message on it is a property read (the default collection's ``Label``). gnome-keyring
registers a new caller lazily, and a property read that overtakes the registration aborts
the daemon (``gkd_secret_service_get_pkcs11_session: assertion 'client' failed``; Debian
#1147303, GNOME gnome-keyring #144) — taking every secret of the user's session with it,
and D-Bus then starts a fresh daemon whose login keyring is locked. Six processes using
keyring's backend crash gnome-keyring 42 within seconds on a loaded machine.

So every call here goes through one connection per process whose first message is
``OpenSession``, awaited: a method call, which the daemon holds until the caller is
registered. Calls are serialised on the connection (jeepney's blocking connection is not
thread-safe), and the connection is dropped after any failure and whenever the service's
owner changes (a restarted daemon has never heard of us), so the next call starts afresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import keyring.errors
from keyring.credentials import SimpleCredential

T = TypeVar("T")

SECRETS_NAME = "org.freedesktop.secrets"


def _connect() -> tuple[Any, Any]:
    import secretstorage
    from secretstorage.util import open_session

    conn = secretstorage.dbus_init()
    try:
        return conn, open_session(conn)  # the first message on this connection; see above
    except BaseException:
        conn.close()
        raise


def _owner_of_service(conn: Any) -> str:
    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import DBusErrorResponse, unwrap_msg

    bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                      interface="org.freedesktop.DBus")
    try:
        reply = unwrap_msg(conn.send_and_get_reply(
            new_method_call(bus, "GetNameOwner", "s", (SECRETS_NAME,))))
    except DBusErrorResponse:
        return ""  # nobody owns it now: the next OpenSession starts (activates) the service
    return str(reply[0])


class SecretServiceConnection:
    """A process's connection to the Secret Service and its session, used one call at a time.

    ``connect`` returns ``(connection, session)`` having sent ``OpenSession`` first;
    ``owner_of`` names the service's current owner on the bus (its unique name).
    """

    def __init__(self, connect: Callable[[], tuple[Any, Any]] = _connect,
                 owner_of: Callable[[Any], str] = _owner_of_service) -> None:
        self.lock = threading.RLock()
        self._connect = connect
        self._owner_of = owner_of
        self._conn: Any = None
        self._session: Any = None
        self._owner = ""
        self._pid = 0

    def reset(self) -> None:
        with self.lock:
            conn, self._conn, self._session = self._conn, None, None
            if conn is not None and self._pid == os.getpid():  # a forked child leaves its parent's
                try:
                    conn.close()
                except OSError:
                    pass  # already broken: what reset is for

    def run(self, body: Callable[[Any, Any], T]) -> T:
        """``body(connection, session)`` on the process's connection, serialised."""
        with self.lock:
            if self._conn is not None and (self._pid != os.getpid()
                                           or self._owner_of(self._conn) != self._owner):
                self.reset()
            if self._conn is None:
                conn, session = self._connect()
                self._conn, self._session, self._pid = conn, session, os.getpid()
                self._owner = self._owner_of(conn)
            try:
                return body(self._conn, self._session)
            except (keyring.errors.PasswordDeleteError, keyring.errors.KeyringLocked):
                raise  # answers, not failures of the connection
            except Exception:
                self.reset()
                raise


_SHARED = SecretServiceConnection()


class SharedSecretService:
    """keyring's Secret Service backend, with its calls on the process's one connection.

    ``inner`` is keyring's own backend instance: its item schema, application id and
    preferred collection are kept, so items stay readable by keyring and ``secret-tool``.
    """

    def __init__(self, inner: Any, connection: SecretServiceConnection = _SHARED) -> None:
        self.inner = inner
        self._connection = connection

    def _collection(self, conn: Any, session: Any) -> Any:
        import secretstorage
        from secretstorage import exceptions

        try:
            if hasattr(self.inner, "preferred_collection"):
                collection = secretstorage.Collection(conn, self.inner.preferred_collection, session)
            else:
                collection = secretstorage.get_default_collection(conn, session)
                # (it hands the session only to a collection it creates; without ours, every
                # call would open another session, and on a connection kept for a whole shift
                # the daemon would keep them all)
                collection.session = session
        except exceptions.SecretStorageException as err:
            raise keyring.errors.InitError(f"Failed to create the collection: {err}.") from err
        if collection.is_locked():
            collection.unlock()
            if collection.is_locked():  # the user dismissed the prompt
                raise keyring.errors.KeyringLocked("Failed to unlock the collection!")
        return collection

    def _items(self, conn: Any, session: Any, service: str, username: str | None) -> Iterator[Any]:
        for item in self._collection(conn, session).search_items(self.inner._query(service, username)):
            if item.is_locked():
                item.unlock()
                if item.is_locked():
                    raise keyring.errors.KeyringLocked("Failed to unlock the item!")
            yield item

    def get_password(self, service: str, username: str) -> str | None:
        def body(conn: Any, session: Any) -> str | None:
            for item in self._items(conn, session, service, username):
                return str(item.get_secret().decode("utf-8"))
            return None
        return self._connection.run(body)

    def set_password(self, service: str, username: str, password: str) -> None:
        attributes = self.inner._query(service, username, application=self.inner.appid)
        label = f"Password for '{username}' on '{service}'"
        self._connection.run(lambda conn, session: self._collection(conn, session).create_item(
            label, attributes, password, replace=True))

    def delete_password(self, service: str, username: str) -> None:
        def body(conn: Any, session: Any) -> None:
            for item in self._items(conn, session, service, username):
                item.delete()
                return
            raise keyring.errors.PasswordDeleteError("No such password!")
        self._connection.run(body)

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        scheme = self.inner.schemes[self.inner.scheme]

        def body(conn: Any, session: Any) -> SimpleCredential | None:
            for item in self._items(conn, session, service, username):
                name = item.get_attributes().get(scheme["username"])
                return SimpleCredential(name, item.get_secret().decode("utf-8"))
            return None
        return self._connection.run(body)

    def all_attributes(self) -> list[dict[str, str]]:
        """The attributes of every item in every collection (for sweeping a demo profile)."""
        import secretstorage

        return self._connection.run(lambda conn, session: [
            dict(item.get_attributes())
            for collection in secretstorage.get_all_collections(conn)
            for item in collection.get_all_items()])

    def delete_matching(self, match: Callable[[dict[str, str]], bool]) -> int:
        """Delete every item whose attributes ``match``; returns how many."""
        import secretstorage

        def body(conn: Any, session: Any) -> int:
            removed = 0
            for collection in secretstorage.get_all_collections(conn):
                for item in list(collection.get_all_items()):
                    if match(dict(item.get_attributes())):
                        item.delete()
                        removed += 1
            return removed
        return self._connection.run(body)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not yet set (e.g. while unpickling): no endless lookup
            raise AttributeError(name)
        return getattr(self.inner, name)
