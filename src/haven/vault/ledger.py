"""The case ledger (ACPO principle 3): an append-only hash chain of every action on the evidence.

Entries live in the encrypted database (table ``ledger``, with triggers refusing UPDATE and DELETE) and are
``haven.core.models.LedgerEntry`` records sealed with ``.sealed()``. An entry is appended inside the same
transaction as the change it describes, so the data and its log entry commit (or vanish) together.

The chain alone cannot show that its *last* entries were cut off, so after every commit the vault also
writes the head of the chain (sequence number and entry hash, sealed with an HMAC under a key derived from
the passphrase) to ``ledger.head`` beside the database. ``verify`` reports a head that names an entry the
database no longer has. The head may lag behind the database (a crash between commit and head write); it
is moved forward the next time something is logged. Restoring an old copy of the whole case folder
(database and head together) cannot be detected from inside the folder: keep the exported report's
ledger hash elsewhere for that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from haven import __version__
from haven.core.models import GENESIS, LedgerEntry
from haven.vault.fsutil import atomic_write

HEAD_NAME = "ledger.head"


def _jsonable(value: Any) -> Any:
    """Make params JSON-safe and stable (paths and other objects become strings)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def append(
    conn: sqlcipher3.Connection, action: str, params: dict[str, Any], sha256: str | None
) -> LedgerEntry:
    """Append one sealed entry. Must be called inside a write transaction (``BEGIN IMMEDIATE``)."""
    row = conn.execute("SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (0, GENESIS)
    entry = LedgerEntry(
        seq=seq,
        time_utc=datetime.now(UTC),
        tool_version=f"haven {__version__}",
        action=action,
        params=_jsonable(params),
        sha256=sha256,
        prev_hash=prev,
    ).sealed()
    conn.execute(
        "INSERT INTO ledger (seq, entry, entry_hash) VALUES (?, ?, ?)",
        (entry.seq, entry.model_dump_json(), entry.entry_hash),
    )
    return entry


def read_all(conn: sqlcipher3.Connection) -> list[LedgerEntry]:
    rows = conn.execute("SELECT entry FROM ledger ORDER BY seq").fetchall()
    return [LedgerEntry.model_validate_json(row[0]) for row in rows]


def _head_mac(key: bytes, seq: int, entry_hash: str) -> str:
    return hmac.new(key, f"{seq}:{entry_hash}".encode(), hashlib.sha256).hexdigest()


def write_head(directory: Path, key: bytes, entry: LedgerEntry) -> None:
    """Record ``entry`` as the chain head, unless the recorded head is already further on."""
    current = _read_head_raw(directory)
    if current is not None and isinstance(current.get("seq"), int) and current["seq"] > entry.seq:
        return
    body = {
        "seq": entry.seq,
        "entry_hash": entry.entry_hash,
        "mac": _head_mac(key, entry.seq, entry.entry_hash),
    }
    atomic_write(directory / HEAD_NAME, (json.dumps(body) + "\n").encode())


def _read_head_raw(directory: Path) -> dict[str, Any] | None:
    try:
        body = json.loads((directory / HEAD_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def check_head(directory: Path, key: bytes, entries: list[LedgerEntry]) -> list[str]:
    """Problems with the head record against the entries in the database (empty list: fine)."""
    body = _read_head_raw(directory)
    if body is None:
        return [f"the ledger head record ({HEAD_NAME}) is missing or unreadable"]
    try:
        seq, entry_hash, mac = int(body["seq"]), str(body["entry_hash"]), str(body["mac"])
    except (KeyError, TypeError, ValueError):
        return [f"the ledger head record ({HEAD_NAME}) is damaged"]
    if not hmac.compare_digest(mac, _head_mac(key, seq, entry_hash)):
        return [f"the ledger head record ({HEAD_NAME}) was changed (its seal does not match)"]
    if seq >= len(entries):
        missing = seq + 1 - len(entries)
        return [
            f"the ledger was cut: the head record names entry {seq}, but the database has only "
            f"{len(entries)} entries ({missing} missing from the end)"
        ]
    if entries[seq].entry_hash != entry_hash:
        return [f"ledger entry {seq} is not the one the head record names (the ledger was rewritten)"]
    return []
