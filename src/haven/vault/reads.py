"""Reading a case's items and messages (``Vault`` inherits these; every write goes through ``write``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import sqlcipher3

from haven.core.errors import HavenError
from haven.core.models import Case, Item, Message, is_own_sender
from haven.vault.blobs import BlobStore
from haven.vault.errors import ItemNotFound


class CaseReads:
    """Items and messages of an open case, read under the vault's lock."""

    _lock: threading.RLock
    _conn: sqlcipher3.Connection
    blobs: BlobStore

    if TYPE_CHECKING:

        @property
        def case(self) -> Case: ...

    # -- items --------------------------------------------------------------------------------------
    def items(self) -> list[Item]:
        with self._lock:
            rows = self._conn.execute("SELECT data FROM items ORDER BY rowid").fetchall()
        return [Item.model_validate_json(r[0]) for r in rows]

    def get_item(self, item_id: str) -> Item:
        with self._lock:
            row = self._conn.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise ItemNotFound(f"There is no item {item_id!r} in this case.")
        return Item.model_validate_json(row[0])

    def item_locations(self, item_id: str) -> list[dict[str, Any]]:
        """Every place this content was found (path, file name, container item, when)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT source_path, filename, parent_id, seen_utc FROM item_locations WHERE item_id = ? "
                "ORDER BY rowid",
                (item_id,),
            ).fetchall()
        return [dict(zip(("source_path", "filename", "parent_id", "seen_utc"), r, strict=True)) for r in rows]

    def open_item(self, item_id: str) -> BinaryIO:
        """A streaming, decrypting reader over the stored copy (checked against its SHA-256 at the end)."""
        item = self.get_item(item_id)
        if not item.stored:
            raise HavenError(
                f"Item {item_id} was recorded by hash and location only; there is no copy in the vault."
            )
        return self.blobs.open(item.sha256, item.size)

    def read_item(self, item_id: str) -> bytes:
        with self.open_item(item_id) as fh:
            return fh.read()

    # -- messages -----------------------------------------------------------------------------------
    def messages(self, conversation: str | None = None) -> Iterator[Message]:
        """Messages in time order (messages without a time last), optionally of one conversation.

        Where the export did not say which side sent a message and the case names the person (``Case.me``),
        ``from_me`` is filled in from the sender, so no capability mistakes the person for the offender."""
        me = self.case.me
        sql = "SELECT data FROM messages"
        args: tuple[Any, ...] = ()
        if conversation is not None:
            sql += " WHERE conversation = ?"
            args = (conversation,)
        sql = (
            sql.replace("messages", "messages INDEXED BY messages_in_order", 1)
            if conversation is None
            else sql
        )
        sql += " ORDER BY ts IS NULL, ts, rowid"
        with self._lock:
            cursor = self._conn.execute(sql, args)
        while True:
            with self._lock:
                rows = cursor.fetchmany(500)
            if not rows:
                return
            for (data,) in rows:
                msg = Message.model_validate_json(data)
                if me and msg.from_me is None:
                    msg.from_me = is_own_sender(me, msg.sender, msg.sender_id)
                yield msg

    def conversations(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT conversation FROM messages GROUP BY conversation ORDER BY MIN(ts), conversation"
            ).fetchall()
        return [r[0] for r in rows]

    def message_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM messages").fetchone()[0])
