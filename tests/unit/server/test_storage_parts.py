"""Small pieces of the server: database URLs, cursors, times, keys, CSV safety."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent_desktop.audit.event import receipt_message
from agent_desktop.server.db import DatabaseError, SQLiteDatabase, open_database
from agent_desktop.server.errors import BadRequest
from agent_desktop.server.keys import KeyFileError, load_key, verify_signature, write_key
from agent_desktop.server.queries import decode_cursor, encode_cursor, normalise_time
from agent_desktop.server.reports import to_csv


def test_sqlite_urls_follow_the_usual_slash_convention(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path}/audit.db")
    assert isinstance(db, SQLiteDatabase) and db.path == tmp_path / "audit.db"
    for bad in ("sqlite://", "mysql://x/y", f"sqlite:///{tmp_path}/missing-dir/a.db", "nonsense"):
        with pytest.raises(DatabaseError):
            open_database(bad)


def test_cursors_round_trip_and_anything_else_is_a_bad_request() -> None:
    cursor = encode_cursor("2026-11-28T03:00:00.000Z", "0190b6b2-0000-7000-8000-000000000001")
    assert decode_cursor(cursor) == ("2026-11-28T03:00:00.000Z", "0190b6b2-0000-7000-8000-000000000001")
    for bad in ("", "!!!", encode_cursor("yesterday", "x"), "MjAyNi0xMS0yOFQwMzowMDowMC4wMDBafCcgT1IgMT0x"):
        with pytest.raises(BadRequest):
            decode_cursor(bad)


def test_query_times_accept_iso_8601_with_a_zone_and_refuse_the_rest() -> None:
    assert normalise_time("2026-11-28T03:00:00Z", "since") == "2026-11-28T03:00:00.000Z"
    assert normalise_time("2026-11-28T04:00:00.5+01:00", "since") == "2026-11-28T03:00:00.500Z"
    assert normalise_time(None, "since") is None
    for bad in ("2026-11-28T03:00:00", "tomorrow", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(BadRequest):
            normalise_time(bad, "until")


def test_receipt_key_is_private_never_overwritten_and_signs_verifiable_receipts(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    signer = write_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeyFileError):
        write_key(path)
    assert load_key(path).public_key_hex == signer.public_key_hex
    sig = signer.receipt("dev-1", 9, "ab" * 32)
    assert verify_signature(signer.public_key_hex, receipt_message("dev-1", 9, "ab" * 32), sig)
    assert not verify_signature(signer.public_key_hex, receipt_message("dev-1", 10, "ab" * 32), sig)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="readable by other users"):
        load_key(path)
    other = tmp_path / "not-a-key.pem"
    other.write_text("hello")
    other.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a PEM"):
        load_key(other)


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    text = to_csv([{"a": "=HYPERLINK(1)", "b": ["x", "y"], "c": None}], ("a", "b", "c"))
    assert text.splitlines() == ["a,b,c", "'=HYPERLINK(1),x;y,"]
