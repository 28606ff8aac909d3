"""Small helpers the JSON chat importers share: a message emitter with deterministic ids, media files
found beside an export (checked to stay inside the export folder), mojibake repair, epoch times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ftfy

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, Item, Message, MessageKind
from haven.importers.base import ImportSink, guess_media_type, make_message_id

KEY_BASE = 1 << 63
"""Offset for message ids made from a format's own message ids rather than positions."""
OMITTED_MARKERS = ("(File not included", "(File exceeds maximum size")


class Emitter:
    """Builds and stores the messages of one source file, numbering them in file order."""

    def __init__(self, sink: ImportSink, source: Item, source_format: str, export_path: Path) -> None:
        self.sink, self.source, self.format = sink, source, source_format
        self.export_path = export_path
        self.seq = 0
        self._media: dict[str, Item] = {}
        self._keys: set[int] = set()
        """Keys already used (about 60 bytes per message: the one thing that grows with the file)."""
        self.missing_media = 0

    def message_id(self, seq: int) -> str:
        return make_message_id(self.source.sha256, seq)

    def keyed_id(self, key: int) -> str:
        """The id of the message with format key ``key`` (kept apart from position-based ids)."""
        return make_message_id(self.source.sha256, KEY_BASE + key)

    def emit(self, *, key: int | None = None, **fields: Any) -> Message:
        """Store one message. Its id comes from ``key`` when the format has stable message ids (so
        replies can be linked without holding a table in memory), else from its position in the file."""
        fields.setdefault("kind", MessageKind.TEXT)
        if key is not None and key in self._keys:  # a repeated id in the export: keep both messages
            key = None
        if key is not None:
            self._keys.add(key)
        msg_id = self.message_id(self.seq) if key is None else self.keyed_id(key)
        msg = Message(id=msg_id, source_format=self.format, source_item_id=self.source.id, **fields)
        self.seq += 1
        self.sink.add_message(msg)
        return msg

    def attachment(self, uri: str | None, name: str | None = None) -> Attachment | None:
        """An attachment for a media path written in the export: linked to a stored item when the file is
        there beside the export, file name only when it is not (or was left out of the export)."""
        if not uri:
            return None
        if uri.startswith(OMITTED_MARKERS):  # the export says it left the file out
            self.missing_media += 1
            return Attachment(filename=name or uri)
        if uri in self._media:
            item = self._media[uri]
            return Attachment(item_id=item.id, sha256=item.sha256, filename=uri)
        found = find_media(self.export_path, uri)
        if found is None:
            self.missing_media += 1
            return Attachment(filename=uri)
        return self.attach_path(found, uri)

    def attach_path(self, found: Path, uri: str) -> Attachment:
        """Store a media file already located on disk and return the attachment linking to it."""
        if uri in self._media:
            item = self._media[uri]
            return Attachment(item_id=item.id, sha256=item.sha256, filename=uri)
        with open(found, "rb") as fh:
            item = self.sink.add_item(
                fh,
                filename=uri,
                source_path=str(found),
                media_type=guess_media_type(found.name),
                parent_id=self.source.id,
                original_mtime=found.stat().st_mtime,
            )
        self._media[uri] = item
        return Attachment(item_id=item.id, sha256=item.sha256, filename=uri)

    def finish(self) -> None:
        if self.missing_media:
            self.sink.warn(
                f"{self.export_path.name}: {self.missing_media} media file(s) named in the export "
                "are not beside it (kept as file names only)"
            )


def find_media(export_path: Path, uri: str, levels: int = 5) -> Path | None:
    """The media file an export names by relative path, looked for beside the export file and in the
    folders above it (Meta exports name media from the export root). Paths that are absolute or climb
    out of the folder are ignored, like zip-slip members."""
    if uri.startswith(("/", "\\")) or ".." in Path(uri).parts or "://" in uri or ":" in uri[:3]:
        return None
    bases = [export_path.parent, *list(export_path.parent.parents)[: levels - 1]]
    for base in bases:
        candidate = base / uri
        try:
            if candidate.is_file() and candidate.resolve().is_relative_to(base.resolve()):
                return candidate
        except OSError:
            continue
    return None


def fix_mojibake(text: str | None) -> str:
    """Undo the latin-1 mojibake of Meta exports (UTF-8 bytes written as \\u00XX escapes).

    The exact round trip (latin-1 encode, UTF-8 decode) is tried first: it either restores the text
    exactly or fails, so correct text is never changed. Only text ftfy judges to be mojibake is
    otherwise passed through ``ftfy.fix_encoding``.
    """
    if not text:
        return ""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if ftfy.is_bad(text):
        return ftfy.fix_encoding(text)
    return text


def from_epoch(value: Any, label: str, scale: float = 1.0) -> datetime | None:
    """UTC time from an epoch number (``scale`` 1000 for milliseconds); None when absent."""
    if value is None or value == "":
        return None
    try:
        return datetime.fromtimestamp(float(value) / scale, UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ImportFileError(f"{label}: time {value!r} is not a valid epoch time") from exc


def require(condition: bool, label: str, what: str) -> None:
    """Raise a clear error when a JSON export lacks its expected structure."""
    if not condition:
        raise ImportFileError(f"{label} does not look like {what} (its structure is not the expected one)")
