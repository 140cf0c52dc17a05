"""Every way opening or using the vault can fail, each with what to do about it."""

from __future__ import annotations

from agent_desktop.errors import AgentDesktopError

__all__ = [
    "DeviceSecretMissing",
    "HeaderTampered",
    "InsecureKeyringError",
    "UnlockThrottled",
    "VaultCorrupted",
    "VaultError",
    "VaultExists",
    "VaultLocked",
    "VaultNotFound",
    "VaultStorageError",
    "VaultTooNew",
    "WeakPassword",
    "WrongPassword",
]

QUARANTINE_HINT = (
    "Nothing was changed. IT can move the damaged vault aside with "
    "`agent-desktop vault quarantine` and create a fresh one; the audit server still holds "
    "every event that was synced."
)


class VaultError(AgentDesktopError):
    """Base of the vault's errors."""


class InsecureKeyringError(AgentDesktopError):
    """The keyring found cannot protect the device secret (defined here, not beside the
    keyring code, so that importing the vault's errors does not import keyring)."""

    code = "keyring.missing"


class VaultLocked(VaultError):
    code = "vault.locked"

    def __init__(self, profile: str = "") -> None:
        who = f" for profile {profile}" if profile else ""
        super().__init__(f"The vault{who} is locked.",
                         "Unlock it with your vault password to continue.")


class WrongPassword(VaultError):
    code = "vault.wrong_password"

    def __init__(self, failures: int, retry_after: float) -> None:
        self.failures = failures
        self.retry_after = retry_after
        wait = (f" Wait {_seconds(retry_after)} before the next attempt."
                if retry_after > 0 else "")
        super().__init__(
            f"Wrong vault password ({failures} failed attempt{'s' if failures != 1 else ''}).",
            f"Check Caps Lock and the keyboard layout.{wait} A forgotten password cannot be "
            "recovered: IT can wipe the vault and enrol the workstation again.",
        )


class UnlockThrottled(VaultError):
    code = "vault.throttled"

    def __init__(self, retry_after_seconds: float) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            "Too many failed unlock attempts: the vault refuses to check passwords for "
            f"another {_seconds(retry_after_seconds)}.",
            "Wait, then try again; every failed attempt is recorded for the audit trail.",
        )


class VaultNotFound(VaultError):
    def __init__(self, profile: str) -> None:
        super().__init__(f"There is no vault for profile {profile} on this workstation.",
                         "Create one with `agent-desktop vault create` (or at sign-in).")


class VaultExists(VaultError):
    def __init__(self, profile: str) -> None:
        super().__init__(f"A vault for profile {profile} already exists; it was not touched.",
                         "Unlock it, or wipe it first with `agent-desktop vault wipe`.")


class VaultCorrupted(VaultError):
    code = "vault.corrupted"

    def __init__(self, what: str, hint: str = QUARANTINE_HINT) -> None:
        super().__init__(what, hint)


class HeaderTampered(VaultError):
    code = "vault.corrupted"

    def __init__(self, what: str = "The vault header was modified or belongs to another vault "
                                   "(its authentication check failed).") -> None:
        super().__init__(what, QUARANTINE_HINT)


class VaultTooNew(VaultError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"The vault uses schema version {found}, but this Agent Desktop only knows up to "
            f"{known}.", "Install the newer Agent Desktop that last opened this vault.")


class DeviceSecretMissing(VaultError):
    code = "keyring.device_key_missing"

    def __init__(self, profile: str) -> None:
        super().__init__(
            f"This workstation's device key for vault profile {profile} is gone from the OS "
            "keyring (for example after an OS profile reset), so the vault cannot be opened "
            "even with the right password.",
            "The old vault is unrecoverable by design. IT can quarantine it with "
            "`agent-desktop vault quarantine` and enrol the workstation again.",
        )


class WeakPassword(VaultError):
    code = "vault.weak_password"

    def __init__(self, problem: str) -> None:
        super().__init__(f"That vault password is too weak: {problem}.",
                         "Choose a longer passphrase, e.g. four unrelated words.")


STORAGE_HINT = ("Free disk space or fix the permissions of the Agent Desktop data folder, "
                "then try again; nothing already saved was lost.")
KEYRING_HINT = ("Make sure you are signed in to the desktop session and its keyring is "
                "unlocked (GNOME Keyring/KWallet, Keychain, Credential Locker), then try again.")


class VaultStorageError(VaultError):
    code = "vault.storage"

    def __init__(self, what: str, cause: BaseException | None = None,
                 hint: str = STORAGE_HINT) -> None:
        reason = f" ({cause})" if cause else ""
        super().__init__(f"{what}{reason}.", hint)


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return f"{whole} second{'s' if whole != 1 else ''}"
