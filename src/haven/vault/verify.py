"""``verify``: recompute everything a court would want checked, and say exactly what is wrong.

Checks, in order:
1. SQLCipher's page authentication (``PRAGMA cipher_integrity_check``) and SQLite's structure check.
2. The ledger hash chain (``core.models.verify_chain``) and the sealed head record outside the database
   (a cut-off tail of the ledger).
3. Every item: it has the ``add-item`` ledger entry it claims, with the same SHA-256; a stored item's copy
   decrypts, authenticates and hashes to its SHA-256 and size; an item that must not be stored has no copy.
4. Every message belongs to an ``import`` entry whose recorded SHA-256 over its new messages still matches
   (an edited, added or deleted message shows here). Every note matches its ledger entry's SHA-256.

Blob files no item references (left by a killed import) are not problems: they are encrypted and unused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import sqlcipher3

from haven.core.hashing import sha256_bytes
from haven.core.models import Item, verify_chain
from haven.vault import ledger
from haven.vault.sink import message_digest_line

if TYPE_CHECKING:
    from haven.vault.vault import Vault


def _database_problems(conn: sqlcipher3.Connection) -> list[str]:
    problems: list[str] = []
    try:
        rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        problems += [f"database: {r[0]}" for r in rows]
        quick = conn.execute("PRAGMA quick_check").fetchall()
        problems += [f"database: {r[0]}" for r in quick if r[0] != "ok"]
    except sqlcipher3.DatabaseError as exc:
        problems.append(f"database: cannot be checked ({exc})")
    return problems


def verify_vault(vault: Vault) -> list[str]:
    with vault.reading() as conn:
        problems = _database_problems(conn)
        entries = ledger.read_all(conn)
        problems += [f"ledger: {p}" for p in verify_chain(entries)]
        problems += [f"ledger: {p}" for p in vault.head_problems(entries)]
        by_seq = {e.seq: e for e in entries}

        item_rows = conn.execute(
            "SELECT id, sha256, stored, ledger_seq, data FROM items ORDER BY rowid"
        ).fetchall()
        message_groups: dict[int, Any] = defaultdict(hashlib.sha256)
        for msg_id, seq, data in conn.execute("SELECT id, import_seq, data FROM messages ORDER BY rowid"):
            message_groups[seq].update(message_digest_line(msg_id, data))
        notes = conn.execute("SELECT id, text, ledger_seq FROM notes ORDER BY id").fetchall()

    for item_id, sha, stored, seq, data in item_rows:
        item = Item.model_validate_json(data)
        label = f"item {item_id} ({item.filename})"
        if item.id != item_id or item.sha256 != sha or bool(stored) != item.stored:
            problems.append(f"{label}: its record was edited (fields disagree)")
        entry = by_seq.get(seq)
        if (
            entry is None
            or entry.action != "add-item"
            or entry.sha256 != sha
            or entry.params.get("item_id") != item_id
        ):
            problems.append(
                f"{label}: no matching 'add-item' entry in the ledger (added or changed outside Haven)"
            )
        if item.stored:
            why = vault.blobs.check(sha, item.size)
            if why:
                problems.append(f"{label}: {why}")
        elif vault.blobs.exists(sha):
            problems.append(f"{label}: a stored copy exists although this item must not be copied")

    imports = {e.seq: e for e in entries if e.action == "import"}
    for seq, digest in message_groups.items():
        entry = imports.get(seq)
        if entry is None:
            problems.append(
                f"messages: some messages belong to no import in the ledger (import {seq}); "
                "they were added outside Haven"
            )
        elif entry.params.get("messages_sha256") != digest.hexdigest():
            problems.append(
                f"messages: the messages imported from {entry.params.get('path')} (ledger entry "
                f"{seq}) were changed, added or deleted since"
            )
    empty = hashlib.sha256().hexdigest()
    for seq, entry in imports.items():
        if seq not in message_groups and entry.params.get("messages_sha256", empty) != empty:
            problems.append(
                f"messages: every message imported from {entry.params.get('path')} (ledger entry "
                f"{seq}) is missing"
            )

    item_ids = {row[0] for row in item_rows}
    note_seqs = {row[2] for row in notes}
    for entry in entries:
        if entry.action == "add-item" and entry.params.get("item_id") not in item_ids:
            problems.append(
                f"item {entry.params.get('item_id')} ({entry.params.get('filename')}): the ledger "
                f"records it (entry {entry.seq}) but it is gone from the case"
            )
        if entry.action == "note" and entry.seq not in note_seqs:
            problems.append(f"note: the note logged in ledger entry {entry.seq} is gone from the case")
    for note_id, text, seq in notes:
        entry = by_seq.get(seq)
        if entry is None or entry.action != "note" or entry.sha256 != sha256_bytes(text.encode()):
            problems.append(
                f"note {note_id}: it does not match its ledger entry (edited or added outside Haven)"
            )
    return problems
