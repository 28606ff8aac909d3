"""``WriteTxn``: one write transaction on a case, the single place where a change and its log entry meet.

``Vault.write()`` hands one out. It owns, for the length of one ``BEGIN IMMEDIATE … COMMIT``:

* the connection (other vault modules never touch ``Vault``'s private members: they use these methods),
* the ledger entries appended in it (the sealed head is written after the commit),
* item, location and message writes (messages in batches, with the import's running SHA-256),
* the fsyncs of the blob files written in it, batched: ``before_commit`` makes them all durable (and
  renames them into place) just before the commit that references them (``blobs.PendingBlobs``);
  ``rolled_back`` drops them,
* blob removals, which run only after the commit (a crash in between is repaired on the next open),
* nested transactions (``nested`` / ``absorb``) for a grouped import (``haven.vault.group``),
* the under-18 rule (rule 3): a minor's intimate image is never kept as a copy, and neither is any
  container (chat zip, email) it came in; hash and location stay recorded.

A test hook, ``FAULT_HOOK``, is called with the name of each crash-relevant point (``batch-written``,
``committed``, ``head-written``, ``removing-blob``) so the crash test can kill the process exactly there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from haven.core.models import Item, LedgerEntry
from haven.vault import ledger
from haven.vault.blobs import BlobStore, PendingBlobs

FAULT_HOOK: Callable[[str], None] | None = None
"""Tests only: called at crash-relevant points (see the module docstring)."""

PENDING_IMPORT = -1
UPDATE_SLICE = 5000
"""Messages given their import's ledger entry per statement (bounded statement journal)."""
"""``messages.import_seq`` while the file's import entry is not yet written."""

MINOR_DROP_WARNING = (
    "The stored copy was removed: it is or contains an intimate image of a person under 18, "
    "which Haven records by hash and location only."
)
MINOR_NOT_COPIED = (
    "Not copied into the vault: an intimate image of a person under 18 is recorded by its hash and "
    "location only."
)


def fault(point: str) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(point)


@dataclass(frozen=True)
class MessageRow:
    """One message ready to store: id, conversation, sortable UTC time key, JSON data."""

    id: str
    conversation: str
    ts: str | None
    data: str


class WriteTxn:
    """An open write transaction (see the module docstring). Use it only inside ``with vault.write()``."""

    def __init__(
        self,
        conn: sqlcipher3.Connection,
        blobs: BlobStore,
        minor: Callable[[], bool],
        pending: PendingBlobs | None = None,
    ) -> None:
        self._conn = conn
        self._store = blobs
        self._pending = pending if pending is not None else PendingBlobs(blobs.blob_dir)
        self._mark = self._pending.mark()
        self.blobs = blobs.deferring(self._pending)
        self._minor = minor
        self.entries: list[LedgerEntry] = []
        self._removals: list[str] = []

    @property
    def minor(self) -> bool:
        """Whether the case is a person under 18's (asked each time: a case can become one)."""
        return self._minor()

    # -- the ledger ---------------------------------------------------------------------------------
    def log(self, action: str, params: dict[str, Any], sha256: str | None = None) -> LedgerEntry:
        entry = ledger.append(self._conn, action, params, sha256)
        self.entries.append(entry)
        return entry

    # -- plain SQL for the vault's own tables (meta, notes, derived data) ----------------------------
    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlcipher3.Cursor:
        return self._conn.execute(sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlcipher3.Cursor:
        return self._conn.executemany(sql, rows)

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- items --------------------------------------------------------------------------------------
    def item(self, item_id: str) -> Item | None:
        row = self._conn.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
        return Item.model_validate_json(row[0]) if row else None

    def item_by_sha(self, sha256: str) -> Item | None:
        row = self._conn.execute("SELECT data FROM items WHERE sha256 = ?", (sha256,)).fetchone()
        return Item.model_validate_json(row[0]) if row else None

    def keeps_copy(self, intimate: bool) -> bool:
        """Rule 3: a minor's intimate image is hashed, never copied."""
        return not (self.minor and intimate)

    def may_store(self, sha256: str) -> bool:
        """False for content the case already keeps as hash-and-location only (never re-copied)."""
        row = self._conn.execute("SELECT stored, intimate FROM items WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return True
        return bool(row[0]) and not (row[1] and self.minor)

    def add_item(self, item: Item, params: dict[str, Any]) -> LedgerEntry:
        """A new item with its ``add-item`` entry."""
        entry = self.log("add-item", params, item.sha256)
        self._conn.execute(
            "INSERT INTO items (id, sha256, stored, intimate, ledger_seq, data) VALUES (?, ?, ?, ?, ?, ?)",
            (item.id, item.sha256, int(item.stored), int(item.intimate), entry.seq, item.model_dump_json()),
        )
        return entry

    def save_item(self, item: Item) -> None:
        self._conn.execute(
            "UPDATE items SET stored = ?, intimate = ?, data = ? WHERE id = ?",
            (int(item.stored), int(item.intimate), item.model_dump_json(), item.id),
        )

    def add_location(
        self, item_id: str, source_path: str, filename: str, parent_id: str | None, when: datetime
    ) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO item_locations (item_id, source_path, filename, parent_id, seen_utc) "
            "VALUES (?, ?, ?, ?, ?)",
            (item_id, source_path, filename, parent_id, when.isoformat()),
        )

    def location_parents(self, item_id: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT parent_id FROM item_locations WHERE item_id = ? AND parent_id IS NOT NULL", (item_id,)
        ).fetchall()
        return {r[0] for r in rows}

    def schedule_blob_removal(self, sha256: str) -> None:
        self._removals.append(sha256)

    # -- the under-18 rule --------------------------------------------------------------------------
    def set_intimate(self, item: Item, *, reason: str) -> Item:
        """Mark intimate; in a minor's case drop its copy and its containers' copies (after commit)."""
        drop = self.minor and item.stored
        item = item.model_copy(
            update={
                "intimate": True,
                "stored": item.stored and not drop,
                "warnings": [*item.warnings, MINOR_DROP_WARNING] if drop else item.warnings,
            }
        )
        self.save_item(item)
        self.log("mark-intimate", {"item_id": item.id, "reason": reason, "removed_copy": drop}, item.sha256)
        if self.minor:
            self.schedule_blob_removal(item.sha256)
            for parent in {item.parent_id, *self.location_parents(item.id)} - {None}:
                self.drop_container_copies(parent)  # type: ignore[arg-type]
        return item

    def hash_only_seen(self, item: Item, parent_id: str | None) -> None:
        """A minor's intimate image met in an import: no copy of it, nor of what it came in."""
        if self.minor and not item.stored:
            self.schedule_blob_removal(item.sha256)
            for parent in {parent_id, item.parent_id} - {None}:
                self.drop_container_copies(parent)  # type: ignore[arg-type]

    def drop_container_copies(self, item_id: str, _seen: set[str] | None = None) -> None:
        """A container (zip, email) of a minor's intimate image loses its copy too, all the way up."""
        seen = _seen if _seen is not None else set()
        if item_id in seen:
            return
        seen.add(item_id)
        item = self.item(item_id)
        if item is None:
            return
        if item.stored:
            item = item.model_copy(update={"stored": False, "warnings": [*item.warnings, MINOR_DROP_WARNING]})
            self.save_item(item)
            self.log(
                "drop-copy",
                {"item_id": item.id, "reason": "contains an intimate image of a person under 18"},
                item.sha256,
            )
            self.schedule_blob_removal(item.sha256)
        for parent in ({item.parent_id} | self.location_parents(item.id)) - {None}:
            self.drop_container_copies(parent, seen)  # type: ignore[arg-type]

    # -- messages -----------------------------------------------------------------------------------
    def new_message_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the case does not hold yet."""
        known: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT id FROM messages WHERE id IN ({marks})", chunk).fetchall()
            known.update(r[0] for r in rows)
        return set(ids) - known

    def add_messages(self, rows: Sequence[MessageRow]) -> None:
        """Store a batch of new messages (the caller checked they are new), pending their import entry."""
        self._conn.executemany(
            "INSERT INTO messages (id, conversation, ts, import_seq, data) VALUES (?, ?, ?, ?, ?)",
            [(r.id, r.conversation, r.ts, PENDING_IMPORT, r.data) for r in rows],
        )
        fault("batch-written")

    def finish_import(self, params: dict[str, Any], sha256: str | None) -> LedgerEntry:
        """The file's ``import`` entry; the messages written since become this import's."""
        entry = self.log("import", params, sha256)
        # In slices: one UPDATE over half a million rows would keep a statement journal (in memory,
        # ``temp_store = MEMORY``) of every page it touches, i.e. about the size of the messages.
        while True:
            cur = self._conn.execute(
                "UPDATE messages SET import_seq = ? WHERE rowid IN "
                "(SELECT rowid FROM messages WHERE import_seq = ? LIMIT ?)",
                (entry.seq, PENDING_IMPORT, UPDATE_SLICE),
            )
            if cur.rowcount < UPDATE_SLICE:
                return entry

    # -- nested in a grouped transaction (``haven.vault.group``) -----------------------------------
    def nested(self) -> WriteTxn:
        """A transaction inside this one (a SAVEPOINT the caller opened): it shares this one's blob batch,
        and ``absorb`` takes its ledger entries and removals when it is released."""
        return WriteTxn(self._conn, self._store, self._minor, self._pending)

    def absorb(self, inner: WriteTxn) -> None:
        self.entries.extend(inner.entries)
        self._removals.extend(inner._removals)

    def nested_rolled_back(self) -> None:
        """A nested transaction rolled back to its savepoint: only its own blob files are dropped."""
        self._pending.discard_from(self._mark)

    @property
    def pending_bytes(self) -> int:
        return self._pending.bytes

    # -- around the commit --------------------------------------------------------------------------
    def before_commit(self) -> None:
        """Make the blob files written in this transaction durable, in one batch (see the docstring)."""
        self._pending.flush()

    def rolled_back(self) -> None:
        self._pending.discard()

    def after_commit(self, root: Path, head_key: bytes) -> None:
        fault("committed")
        if self.entries:
            ledger.write_head(root, head_key, self.entries[-1])
            fault("head-written")
        for sha in self._removals:
            self.remove_if_unstored(sha)

    def remove_if_unstored(self, sha256: str) -> None:
        row = self._conn.execute("SELECT stored FROM items WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None or not row[0]:
            fault("removing-blob")
            self._store.remove(sha256)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
