"""Every capability that keeps tables in the vault, for whoever builds a vault.

The vault is the lower layer and imports no capability; each capability registers its
migrations with :mod:`agent_desktop.vault.migrations` when its schema module is imported.
Importing this module registers them all, so a vault opened by this process is migrated to
the full schema (and one written by a newer build is refused, never guessed at).
"""

from __future__ import annotations

from agent_desktop.audit import outbox_schema
from agent_desktop.recordings import schema as recordings_schema
from agent_desktop.vault.migrations import MIGRATIONS, Migration
from agent_desktop.verify import storage_schema

VAULT_MIGRATIONS: tuple[Migration, ...] = (outbox_schema.MIGRATION, storage_schema.MIGRATION,
                                           recordings_schema.MIGRATION,
                                           outbox_schema.MIGRATION_ONE_PAGE)


def vault_migrations() -> list[Migration]:
    """The full, registered migration list (vault core first)."""
    return sorted(MIGRATIONS, key=lambda m: m.version)
