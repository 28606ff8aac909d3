"""The importer contract: ``Importer`` (one per source format), ``ImportSink`` (where results go),
deterministic message ids, and ``MemorySink`` (an in-memory sink for tests and dry runs).

How an import of one file works (the vault's ``import_paths`` and the tests both follow this):

1. ``detect_format(path)`` (in ``haven.importers``) asks every registered importer for a score and picks the
   best; ``--format NAME`` skips detection.
2. ``importer.run(path, sink)`` is called once per input file. **The importer stores the input file
   itself** with ``sink.add_item`` first (so it can give the right media type, EXIF and OCR text), then
   every member it finds (zip media, email attachments) with ``parent_id`` = that first item, then its
   ``Message`` records with ``sink.add_message``. Message ids come from ``make_message_id(source_sha256,
   seq)`` so importing the same file twice gives the same ids (the vault de-duplicates by id and by content
   hash).
3. On bad input the importer raises ``ImportFileError`` / ``UnsafeInput`` (from ``haven.core.errors``). It
   never half-succeeds silently: the vault runs each file in a transaction and rolls back what was added.
   Recoverable oddities (an unparseable line kept as text, an assumed time zone) go to ``sink.warn``.

A sink may carry ``options`` (a dict), read with ``sink_option``; sinks without it work too:
``tz`` — IANA zone name for exports that write local times without a zone (WhatsApp, sigexport, old
Telegram); default: this computer's zone, with a warning. ``date_order`` — ``dmy``/``mdy``/``ymd`` to
settle WhatsApp dates the file itself cannot. ``ocr`` — False to skip Tesseract on pictures.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Protocol, runtime_checkable

from haven.core.hashing import digest_stream
from haven.core.models import Item, Message
from haven.importers.sizes import warn_if_large

HEAD_SIZE = 64 * 1024
"""How many leading bytes of a file ``detect`` is shown."""


@runtime_checkable
class ImportSink(Protocol):
    """Where an importer puts what it finds. The vault implements it; tests use ``MemorySink``."""

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
        """Store (or, for a minor's intimate image, only hash) one file read from ``stream``."""
        ...

    def add_message(self, msg: Message) -> None:
        """Store one normalised message."""
        ...

    def warn(self, text: str) -> None:
        """Record a warning about the file being imported (shown in the import summary)."""
        ...


class Importer(ABC):
    """One source format. Subclasses set the class attributes and implement ``detect`` and ``run``;
    one instance of each is registered in ``haven.importers.REGISTRY``."""

    name: ClassVar[str]
    description: ClassVar[str]
    examples: ClassVar[list[Path]] = []
    """This importer's own fixture files (under ``haven/importers/examples/``); one test runs them all."""

    @abstractmethod
    def detect(self, path: Path, head: bytes) -> float:
        """How sure we are (0..1) that ``path`` is this format; ``head`` is its first ``HEAD_SIZE`` bytes."""

    @abstractmethod
    def run(self, path: Path, sink: ImportSink) -> None:
        """Import ``path`` into ``sink`` (see the module docstring for the order of calls)."""

    def __repr__(self) -> str:
        return f"<Importer {self.name}>"


def make_message_id(source_sha256: str, seq: int) -> str:
    """A deterministic message id: the same source file and position always give the same id."""
    digest = hashlib.sha256(f"{source_sha256}:{seq}".encode()).hexdigest()
    return f"msg-{digest[:32]}"


def guess_media_type(filename: str, default: str = "application/octet-stream") -> str:
    """Media type from a file name (stdlib ``mimetypes`` plus the chat-export types it lacks)."""
    lower = filename.lower()
    extra = {
        ".opus": "audio/ogg",
        ".webp": "image/webp",
        ".heic": "image/heic",
        ".vcf": "text/vcard",
        ".eml": "message/rfc822",
        ".mbox": "application/mbox",
        ".msg": "application/vnd.ms-outlook",
        ".m4a": "audio/mp4",
        ".3gp": "video/3gpp",
        ".jsonl": "application/x-ndjson",
    }
    for ext, media in extra.items():
        if lower.endswith(ext):
            return media
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or default


def sink_option(sink: object, name: str, default: Any = None) -> Any:
    """An import option (e.g. ``tz``) from a sink that carries ``options``; ``default`` otherwise."""
    options = getattr(sink, "options", None) or {}
    return options.get(name, default)


def add_source_item(sink: ImportSink, path: Path, media_type: str | None = None, **meta: Any) -> Item:
    """Store the input file itself (step 2 of the module docstring), streaming, read-only."""
    with open(path, "rb") as fh:
        stat = os.fstat(fh.fileno())
        warn_if_large(sink, path, stat.st_size)  # stored all the same; the person is told
        return sink.add_item(
            fh,
            filename=path.name,
            source_path=str(path),
            media_type=media_type or guess_media_type(path.name),
            original_mtime=stat.st_mtime,
            **meta,
        )


@dataclass
class MemorySink:
    """An ``ImportSink`` that keeps everything in memory: for tests, ``--dry-run`` style checks and
    benchmarks. Items are de-duplicated by content hash, messages by id, like the vault."""

    options: dict[str, Any] = field(default_factory=dict)
    keep_bytes: bool = True
    items: list[Item] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    _by_sha: dict[str, Item] = field(default_factory=dict, repr=False)
    _message_ids: set[str] = field(default_factory=set, repr=False)

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
        data = bytearray()
        if self.keep_bytes:

            class _Tee:
                def read(self, n: int = -1) -> bytes:
                    block = stream.read(n)
                    data.extend(block)
                    return block

            digest = digest_stream(_Tee())  # type: ignore[arg-type]
        else:
            digest = digest_stream(stream)
        if digest.sha256 in self._by_sha:
            return self._by_sha[digest.sha256]
        item = Item(
            id=f"item-{digest.sha256[:32]}",
            sha256=digest.sha256,
            md5=digest.md5,
            size=digest.size,
            filename=filename,
            source_path=source_path,
            media_type=media_type,
            parent_id=parent_id,
            original_mtime=original_mtime,
            exif=exif or {},
            ocr_text=ocr_text,
        )
        self._by_sha[digest.sha256] = item
        self.items.append(item)
        if self.keep_bytes:
            self.blobs[item.id] = bytes(data)
        return item

    def add_message(self, msg: Message) -> None:
        if msg.id in self._message_ids:
            return
        self._message_ids.add(msg.id)
        self.messages.append(msg)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def item(self, item_id: str) -> Item:
        """The stored item with this id (KeyError if none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def iter_messages(self, conversation: str | None = None) -> Iterator[Message]:
        return (m for m in self.messages if conversation is None or m.conversation == conversation)
