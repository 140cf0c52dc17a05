"""Where an enrolment token comes from, for enrolment without anyone typing it.

Tokens are per agent and single-use, so they never come from the machine-wide policy
(every local user can read it). IT hands one over on the command line, on standard input,
or as a per-user file, ``<config dir>/enrolment-token`` (``~/.config/agent-desktop/`` on
Linux), owned by the agent and readable by nobody else; the file is deleted once the
server has used or refused the token. The token is never logged or printed.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from agent_desktop.audit.credentials import (
    CredentialStore,
    DeviceCredentials,
    EnrollmentRefused,
    enroll,
)
from agent_desktop.errors import AgentDesktopError
from agent_desktop.paths import AppPaths

TOKEN_FILE = "enrolment-token"


class TokenFileError(AgentDesktopError):
    """The per-user token file cannot be trusted or read."""


@dataclass
class EnrolmentToken:
    value: str = field(repr=False)  # never in a repr, a log or a traceback
    file: Path | None = None  # deleted once the server has used or refused the token

    def spent(self) -> None:
        if self.file is not None:
            self.file.unlink(missing_ok=True)


def token_file(paths: AppPaths) -> Path:
    return paths.config / TOKEN_FILE


def read_token_file(path: Path) -> EnrolmentToken:
    """The token in ``path``, refusing a file another user could have read or planted."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise TokenFileError(f"no enrolment token file at {path}",
                             "Ask IT for an enrolment token.") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise TokenFileError(f"{path} is not a plain file", "IT must write the token file itself.")
    if sys.platform != "win32":
        if info.st_uid != os.getuid():
            raise TokenFileError(f"{path} belongs to another user",
                                 "The file must be owned by the agent who enrols.")
        if info.st_mode & 0o077:
            raise TokenFileError(
                f"{path} is readable by other users ({oct(stat.S_IMODE(info.st_mode))}), "
                "so the token may have been seen",
                "Ask IT for a new token and install it with mode 0600.")
    value = path.read_text(encoding="utf-8").strip()
    if not value or len(value.split()) != 1:
        raise TokenFileError(f"{path} does not hold one enrolment token",
                             "The file holds the token alone, on one line.")
    return EnrolmentToken(value, path)


def enrol_with(token: EnrolmentToken, session: requests.Session, server_url: str,
               store: CredentialStore, *, verify: str | bool = True,
               receipt_key: str = "") -> DeviceCredentials:
    """Enrol; a token file is deleted once the server has used or refused its token.

    After a network failure the file stays, so that the next start tries again.
    """
    if not token.value:
        raise AgentDesktopError("no enrolment token was given", "Ask IT for an enrolment token.")
    try:
        creds = enroll(session, server_url, token.value, store, verify=verify,
                       expected_receipt_key=receipt_key)
    except EnrollmentRefused:
        token.spent()
        raise
    token.spent()
    return creds


def enrol_unattended(paths: AppPaths, server_url: str, store: CredentialStore,
                     session: requests.Session, *, verify: str | bool = True,
                     receipt_key: str = "") -> DeviceCredentials | None:
    """At first start: enrol with the token file IT left for this user, if any.

    Returns None when there is no token file or the profile is already enrolled (a stale
    file is then deleted: it can never be used).
    """
    path = token_file(paths)
    if not path.exists() and not path.is_symlink():
        return None
    token = read_token_file(path)
    if store.load() is not None:
        token.spent()
        return None
    if not server_url:
        raise AgentDesktopError("an enrolment token is waiting but no audit server is configured",
                                "IT sets audit.server_url in the policy.")
    return enrol_with(token, session, server_url, store, verify=verify, receipt_key=receipt_key)
