"""``VaultSink``: the vault's side of the importer contract (``haven.importers.base.ImportSink``), and the
import summary types.

One sink serves one input file, inside that file's write transaction (a ``WriteTxn``). Items are
de-duplicated by SHA-256 (one item per content; every place it was seen is kept in ``item_locations``),
messages by their deterministic id. Every new item gets an ``add-item`` ledger entry in the same
transaction; the file's ``import`` entry (written by the pipeline when the importer is done) carries a
SHA-256 over the new messages, so ``verify`` can tell if a stored message was later edited.

Messages are never all held in memory: they are buffered in batches of ``BATCH`` and written with one
``executemany`` each; every batch also feeds the derived data (``derived.Deriver``: offender details and
red-flag candidates of the new messages), inside the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from haven import __version__
from haven.core.errors import HavenError
from haven.core.models import Item, Message
from haven.vault.txn import MINOR_NOT_COPIED, MessageRow, WriteTxn

if TYPE_CHECKING:
    from collections.abc import Callable

    from haven.vault.derived import Deriver

BATCH = 2000
"""Messages per batch write."""


def ts_key(msg: Message) -> str | None:
    """A sortable UTC text key for a message's time (None when the export gave no time)."""
    ts = msg.timestamp_utc
    if ts is None:
        return None
    if ts.year < 1000:  # strftime does not pad such years; isoformat would
        return (ts.astimezone(UTC) if ts.tzinfo is not None else ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if ts.tzinfo is UTC:  # what the importers give: "...T08:00:00.000000+00:00"
        return ts.isoformat(timespec="microseconds")[:26] + "Z"
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds") + "Z"


def message_digest_line(msg_id: str, data: str) -> bytes:
    return msg_id.encode() + b"\0" + data.encode() + b"\n"


@dataclass
class FileSummary:
    """What happened to one input file."""

    path: str
    format: str | None = None
    messages: int = 0
    new_messages: int = 0
    items: int = 0
    new_items: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sha256: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportSummary:
    """The result of ``Vault.import_paths``: one ``FileSummary`` per input file."""

    files: list[FileSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def messages(self) -> int:
        return sum(f.messages for f in self.files)

    @property
    def new_messages(self) -> int:
        return sum(f.new_messages for f in self.files)

    @property
    def items(self) -> int:
        return sum(f.items for f in self.files)

    @property
    def errors(self) -> list[str]:
        return [f"{f.path}: {e}" for f in self.files for e in f.errors]

    @property
    def warnings(self) -> list[str]:
        return [f"{f.path}: {w}" for f in self.files for w in f.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "messages": self.messages,
            "new_messages": self.new_messages,
            "items": self.items,
            "files": [f.to_dict() for f in self.files],
        }


class VaultSink:
    """Receives one input file's items and messages and writes them into the open transaction."""

    def __init__(
        self,
        txn: WriteTxn,
        summary: FileSummary,
        *,
        importer: str,
        intimate: bool = False,
        options: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        path_alias: tuple[str, str] | None = None,
        deriver: Deriver | None = None,
        on_batch: Callable[[FileSummary], None] | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.txn = txn
        self._alias = path_alias
        self.summary = summary
        self.importer = importer
        self.intimate = intimate
        self.options = dict(options or {})
        self.source_item: Item | None = None
        self.created_blobs: list[str] = []
        self._progress = progress
        self._on_batch = on_batch
        self._on_read = on_read
        self._deriver = deriver
        self._msg_hash = hashlib.sha256()
        self._seen_items: set[str] = set()
        self._pending: list[Message] = []

    # -- ImportSink ---------------------------------------------------------------------------------
    def add_item(
        self,
        stream: BinaryIO,
        *,
        filename: str,
        source_path: str,
        media_type: str,
        parent_id: str | None = None,
        original_mtime: float | None = None,
        exif: dict[str, Any] | None = None,
        ocr_text: str | None = None,
    ) -> Item:
        txn = self.txn
        if self._alias and source_path.startswith(self._alias[0]):
            source_path = self._alias[1] + source_path[len(self._alias[0]) :]
        first = self.source_item is None
        keep = txn.keeps_copy(self.intimate)
        digest, created = txn.blobs.put(
            stream, store=keep, progress=self._progress if first else None, keep=txn.may_store
        )
        if created:
            self.created_blobs.append(digest.sha256)
        now = datetime.now(UTC)
        existing = txn.item_by_sha(digest.sha256)
        if existing is not None:
            item = existing
            if self.intimate and not item.intimate:
                item = txn.set_intimate(item, reason=f"imported with --intimate from {source_path}")
        else:
            item = Item(
                id=f"item-{digest.sha256[:32]}",
                sha256=digest.sha256,
                md5=digest.md5,
                size=digest.size,
                filename=filename,
                source_path=source_path,
                media_type=media_type,
                acquired_utc=now,
                acquired_by=f"{self.importer} (haven {__version__})",
                parent_id=parent_id,
                stored=keep,
                intimate=self.intimate,
                original_mtime=original_mtime,
                exif=exif or {},
                ocr_text=ocr_text,
                warnings=[] if keep else [MINOR_NOT_COPIED],
            )
            txn.add_item(
                item,
                {
                    "item_id": item.id,
                    "filename": filename,
                    "source_path": source_path,
                    "size": item.size,
                    "media_type": media_type,
                    "parent_id": parent_id,
                    "stored": keep,
                    "intimate": self.intimate,
                    "importer": self.importer,
                },
            )
            if item.id not in self._seen_items:
                self.summary.new_items += 1
            if self._deriver is not None and item.ocr_text:
                self._deriver.add_item(item)
        txn.add_location(item.id, source_path, filename, parent_id, now)
        txn.hash_only_seen(item, parent_id)
        if first:
            self.source_item = item
            self.summary.sha256 = item.sha256
        if item.id not in self._seen_items:
            self._seen_items.add(item.id)
            self.summary.items += 1
        return item

    def add_message(self, msg: Message) -> None:
        if not isinstance(msg, Message):
            raise HavenError(f"importer {self.importer} produced something that is not a Message")
        if msg.source_item_id is None and self.source_item is not None:
            msg = msg.model_copy(update={"source_item_id": self.source_item.id})
        self._pending.append(msg)
        self.summary.messages += 1
        if len(self._pending) >= BATCH:
            self.flush()

    def warn(self, text: str) -> None:
        self.summary.warnings.append(text if isinstance(text, str) else str(text))  # a Notice stays typed

    def read_progress(self, n: int) -> None:
        """Importers that stream a chat say how many of its bytes they have read (honest progress)."""
        if self._on_read is not None:
            self._on_read(n)

    # -- used by the pipeline -----------------------------------------------------------------------
    def flush(self) -> None:
        """Write the buffered messages that are new, as one batch."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        new_ids = self.txn.new_message_ids([m.id for m in batch])
        rows: list[MessageRow] = []
        fresh: list[Message] = []
        fresh_data: list[str] = []
        lines: list[bytes] = []
        for msg in batch:
            if msg.id not in new_ids:
                continue
            new_ids.discard(msg.id)  # a repeated id inside the batch is stored once
            data = msg.model_dump_json()
            rows.append(MessageRow(msg.id, msg.conversation, ts_key(msg), data))
            lines.append(message_digest_line(msg.id, data))
            fresh.append(msg)
            fresh_data.append(data)
        self._msg_hash.update(b"".join(lines))  # the same SHA-256 as line by line
        if rows:
            self.txn.add_messages(rows)
            self.summary.new_messages += len(rows)
            if self._deriver is not None:
                self._deriver.add_messages(fresh, fresh_data)
        if self._on_batch is not None:
            self._on_batch(self.summary)

    def messages_sha256(self) -> str:
        return self._msg_hash.hexdigest()
