"""``VaultSink``: the vault's side of the importer contract (``haven.importers.base.ImportSink``), and the
import summary types.

One sink serves one input file, inside that file's write transaction. Items are de-duplicated by SHA-256
(one item per content; every place it was seen is kept in ``item_locations``), messages by their
deterministic id. Every new item gets an ``add-item`` ledger entry in the same transaction; the file's
``import`` entry (written by the pipeline when the importer is done) carries a SHA-256 over the new
messages, so ``verify`` can tell if a stored message was later edited.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from haven import __version__
from haven.core.errors import HavenError
from haven.core.models import Item, Message
from haven.vault import ledger
from haven.vault.intimate import drop_container_copies, set_intimate

if TYPE_CHECKING:
    from collections.abc import Callable

    from haven.vault.vault import Vault

PENDING_IMPORT = -1
"""``messages.import_seq`` while the file's import entry is not yet written."""


def ts_key(msg: Message) -> str | None:
    """A sortable UTC text key for a message's time (None when the export gave no time)."""
    ts = msg.timestamp_utc
    if ts is None:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
        vault: Vault,
        summary: FileSummary,
        *,
        importer: str,
        intimate: bool = False,
        options: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        path_alias: tuple[str, str] | None = None,
    ) -> None:
        self.vault = vault
        self._alias = path_alias
        self.summary = summary
        self.importer = importer
        self.intimate = intimate
        self.options = dict(options or {})
        self.source_item: Item | None = None
        self.created_blobs: list[str] = []
        self._progress = progress
        self._msg_hash = hashlib.sha256()
        self._seen_items: set[str] = set()

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
        vault = self.vault
        if self._alias and source_path.startswith(self._alias[0]):
            source_path = self._alias[1] + source_path[len(self._alias[0]) :]
        minor = vault.is_minor
        first = self.source_item is None
        digest, created = vault.blobs.put(
            stream,
            store=not (minor and self.intimate),
            progress=self._progress if first else None,
            keep=vault._may_store,
        )
        if created:
            self.created_blobs.append(digest.sha256)
        now = datetime.now(UTC)
        conn = vault._conn
        existing = vault._item_by_sha(digest.sha256)
        if existing is not None:
            item = existing
            if self.intimate and not item.intimate:
                item = set_intimate(vault, item, reason=f"imported with --intimate from {source_path}")
        else:
            stored = not (minor and self.intimate)
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
                stored=stored,
                intimate=self.intimate,
                original_mtime=original_mtime,
                exif=exif or {},
                ocr_text=ocr_text,
                warnings=[]
                if stored
                else [
                    "Not copied into the vault: an intimate image of a person "
                    "under 18 is recorded by its hash and location only."
                ],
            )
            entry = ledger.append(
                conn,
                "add-item",
                {
                    "item_id": item.id,
                    "filename": filename,
                    "source_path": source_path,
                    "size": item.size,
                    "media_type": media_type,
                    "parent_id": parent_id,
                    "stored": stored,
                    "intimate": self.intimate,
                    "importer": self.importer,
                },
                item.sha256,
            )
            vault._note_entry(entry)
            conn.execute(
                "INSERT INTO items (id, sha256, stored, intimate, ledger_seq, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    item.id,
                    item.sha256,
                    int(item.stored),
                    int(item.intimate),
                    entry.seq,
                    item.model_dump_json(),
                ),
            )
            if item.id not in self._seen_items:
                self.summary.new_items += 1
        conn.execute(
            "INSERT OR IGNORE INTO item_locations (item_id, source_path, filename, parent_id, seen_utc) "
            "VALUES (?, ?, ?, ?, ?)",
            (item.id, source_path, filename, parent_id, now.isoformat()),
        )
        if minor and not item.stored:
            # No stored copy may hold a minor's intimate image: drop the containers it came out of.
            vault._schedule_blob_removal(item.sha256)
            for parent in (parent_id, item.parent_id):
                if parent:
                    drop_container_copies(vault, parent)
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
        data = msg.model_dump_json()
        cur = self.vault._conn.execute(
            "INSERT OR IGNORE INTO messages (id, conversation, ts, import_seq, data) VALUES (?, ?, ?, ?, ?)",
            (msg.id, msg.conversation, ts_key(msg), PENDING_IMPORT, data),
        )
        self.summary.messages += 1
        if cur.rowcount == 1:
            self.summary.new_messages += 1
            self._msg_hash.update(message_digest_line(msg.id, data))

    def warn(self, text: str) -> None:
        self.summary.warnings.append(str(text))

    # -- used by the pipeline -----------------------------------------------------------------------
    def messages_sha256(self) -> str:
        return self._msg_hash.hexdigest()
