"""WhatsApp "Export chat" files: the ``.txt`` alone, or the ``.zip`` with media (Android and iOS).

Streams the chat twice (first to settle the day/month order from every date, then to emit messages), so
memory stays flat however long the chat is; a sink with ``read_progress`` is told how many bytes of a
``.txt`` chat each pass has read (honest progress on a long chat). Media in the zip become items linked
from the messages that name them; media the export left out are kept as file names only.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, ClassVar, cast

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, Item, Message
from haven.core.warnings import Notice
from haven.importers.base import (
    Importer,
    ImportSink,
    add_source_item,
    guess_media_type,
    sink_option,
)
from haven.importers.localtime import region_date_order, time_basis, to_utc
from haven.importers.safety import SafeZip, text_lines
from haven.importers.whatsapp_parse import (
    ORDERS,
    DateOrder,
    group_lines,
    header_dates,
    header_datetime,
    looks_like_chat,
    parse_body,
)

EXAMPLES = Path(__file__).parent / "examples" / "whatsapp"
_TITLE = re.compile(r"^WhatsApp Chat (?:with|-|mit|con|avec|com)\s+(?P<name>.+)$", re.IGNORECASE)


def conversation_name(filename: str, fallback: str = "WhatsApp chat") -> str:
    """The chat's name from the export's file name (``WhatsApp Chat with Alice.txt`` -> ``Alice``)."""
    stem = PurePosixPath(filename).stem
    if stem.startswith("_chat") or not stem:
        return fallback
    m = _TITLE.match(stem)
    return m["name"].strip() if m else stem


class _Counted:
    """A read-only byte stream that reports how much has been read, every 256 KiB, times ``scale``."""

    def __init__(self, fh: IO[bytes], report: Callable[[int], None] | None, scale: float = 1.0) -> None:
        self._fh, self._report, self._pending, self._scale = fh, report, 0, scale

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        if self._report is not None:
            self._pending += len(data)
            if self._pending >= 1 << 18 or not data:
                self._report(int(self._pending * self._scale))
                self._pending = 0
        return data

    def readinto(self, buf: Any) -> int:
        n = self._fh.readinto(buf)  # type: ignore[attr-defined]
        if self._report is not None:
            self._pending += n
            if self._pending >= 1 << 18 or not n:
                self._report(int(self._pending * self._scale))
                self._pending = 0
        return int(n)

    def readable(self) -> bool:
        return True

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def _reader(path: Path, sink: ImportSink) -> Callable[[], _Counted]:
    report = getattr(sink, "read_progress", None)
    return lambda: _Counted(open(path, "rb"), report)  # closed by _Counted


def _first_order(
    opener: Callable[[], AbstractContextManager[Any]], label: str, prefer: str | None,
    default: str | None = None,
) -> tuple[str, bool, int]:
    if prefer is not None and prefer not in ORDERS:
        raise ImportFileError(f"date order {prefer!r} is not one of {', '.join(ORDERS)}")
    resolver = DateOrder()
    feed = resolver.feed
    with opener() as fh:
        for parts, ampm in header_dates(text_lines(fh, label)):
            feed(parts, ampm)
    if resolver.seen == 0:
        raise ImportFileError(f"{label} has no WhatsApp message lines (is it a WhatsApp chat export?)")
    order, ambiguous = resolver.result(prefer, default)
    if order is None:
        raise ImportFileError(f"{label}: no date fits day/month/year in any order; nothing imported")
    return order, ambiguous, resolver.seen


# A zip's work, in units of its own bytes (``vault.progress`` counts three per byte): hashing the zip
# itself is one; each media member is read once and encrypted (two, by its compressed size); the chat is
# read three times (date order and hashing half each, the messages one).
MEDIA_WEIGHT, CHAT_QUICK_WEIGHT, CHAT_WEIGHT = 2.0, 0.5, 1.0


def _member(zf: SafeZip, member: zipfile.ZipInfo, sink: ImportSink, weight: float) -> _Counted:
    """A member's stream that moves the import's progress by its share of the zip's bytes."""
    scale = weight * member.compress_size / max(1, member.file_size)
    return _Counted(zf.open(member), getattr(sink, "read_progress", None), scale)  # type: ignore[arg-type]


def _head(zf: zipfile.ZipFile, name: str) -> str:
    with zf.open(name) as fh:
        return fh.read(65536).decode("utf-8", "replace")


def _message_ids(source_sha256: str) -> Callable[[int], str]:
    """``make_message_id(source_sha256, seq)`` for one source, its common prefix hashed once."""
    prefix = hashlib.sha256(f"{source_sha256}:".encode())

    def new_id(seq: int) -> str:
        h = prefix.copy()
        h.update(str(seq).encode())
        return f"msg-{h.hexdigest()[:32]}"

    return new_id


class WhatsAppImporter(Importer):
    name = "whatsapp"
    description = "WhatsApp chat export (.txt, or .zip with media), Android or iOS, any date locale."
    examples: ClassVar[list[Path]] = [
        EXAMPLES / "WhatsApp Chat with Sam.txt",
        EXAMPLES / "WhatsApp Chat - Sam.zip",
        EXAMPLES / "ios_12h.txt",
    ]

    def detect(self, path: Path, head: bytes) -> float:
        if head.startswith(b"PK"):
            try:
                with zipfile.ZipFile(path) as zf:
                    names = [PurePosixPath(n).name for n in zf.namelist()]
                    txt = [n for n in zf.namelist() if n.lower().endswith(".txt")]
                    if "_chat.txt" in names or any(n.startswith("WhatsApp Chat") for n in names):
                        return 0.95
                    if txt and looks_like_chat(_head(zf, txt[0])) > 0:
                        return 0.7
            except (zipfile.BadZipFile, OSError, RuntimeError):
                return 0.0
            return 0.0
        try:
            text = (
                head.decode("utf-16")
                if head[:2] in (b"\xff\xfe", b"\xfe\xff")
                else head.decode("utf-8-sig", "replace")
            )
        except UnicodeDecodeError:
            return 0.0
        return looks_like_chat(text)

    def run(self, path: Path, sink: ImportSink) -> None:
        with open(path, "rb") as fh:
            is_zip = fh.read(4).startswith(b"PK")
        if is_zip or path.suffix.lower() == ".zip":
            self._run_zip(path, sink)
        else:
            self._run_txt(path, sink)

    def _run_txt(self, path: Path, sink: ImportSink) -> None:
        prefer = sink_option(sink, "date_order")
        default = region_date_order(sink)
        opener = _reader(path, sink)
        order, ambiguous, _ = _first_order(opener, path.name, prefer, default)
        source = add_source_item(sink, path, "text/plain")
        with opener() as fh:
            self._emit(
                fh, path.name, conversation_name(path.name, path.stem), source, {}, order, ambiguous, sink
            )

    def _run_zip(self, path: Path, sink: ImportSink) -> None:
        prefer = sink_option(sink, "date_order")
        with SafeZip(path) as zf:
            members = [m for m in zf.members() if not m.filename.startswith("__MACOSX/")]
            chats = (
                [m for m in members if PurePosixPath(m.filename).name == "_chat.txt"]
                or [
                    m
                    for m in members
                    if m.filename.lower().endswith(".txt")
                    and PurePosixPath(m.filename).name.startswith("WhatsApp Chat")
                ]
                or [m for m in members if m.filename.lower().endswith(".txt")]
            )
            if not chats:
                raise ImportFileError(f"{path.name} has no chat text file (_chat.txt) inside")
            chat = chats[0]
            label = f"{path.name}!{chat.filename}"
            order, ambiguous, _ = _first_order(
                lambda: _member(zf, chat, sink, CHAT_QUICK_WEIGHT), label, prefer, region_date_order(sink)
            )
            source = add_source_item(sink, path, "application/zip")
            with _member(zf, chat, sink, CHAT_QUICK_WEIGHT) as fh:
                chat_item = sink.add_item(
                    cast(BinaryIO, fh),
                    filename=chat.filename,
                    source_path=f"{path}!{chat.filename}",
                    media_type="text/plain",
                    parent_id=source.id,
                )
            media: dict[str, Item] = {}
            for member in members:
                if member is chat:
                    continue
                with _member(zf, member, sink, MEDIA_WEIGHT) as fh:
                    item = sink.add_item(
                        cast(BinaryIO, fh),
                        filename=member.filename,
                        source_path=f"{path}!{member.filename}",
                        media_type=guess_media_type(member.filename),
                        parent_id=source.id,
                        original_mtime=None,
                    )
                media[PurePosixPath(member.filename).name] = item
            name = conversation_name(chat.filename, conversation_name(path.name, path.stem))
            with _member(zf, chat, sink, CHAT_WEIGHT) as fh:
                self._emit(fh, label, name, chat_item, media, order, ambiguous, sink)

    def _emit(
        self,
        fh: Any,
        label: str,
        conversation: str,
        source: Item,
        media: dict[str, Item],
        order: str,
        ambiguous: bool,
        sink: ImportSink,
    ) -> None:
        zone, basis = time_basis(sink, label, order, ambiguous)
        if ambiguous:
            sink.warn(Notice("date-order-ambiguous", file=label, order="/".join(order)))
        missing = 0
        add, new_id = sink.add_message, _message_ids(source.sha256)
        fmt, source_id = self.name, source.id
        for seq, raw in enumerate(self._raw(fh, label)):
            parsed = parse_body(raw)
            header = raw.header
            stamp = local = None
            if header is not None:
                stamp = header.stamp
                local = header_datetime(header, order)
                if local is None:
                    sink.warn(
                        f"{label} line {raw.line_no}: {stamp!r} is not a real date and time; kept without one"
                    )
            attachments = []
            if parsed.attached:
                item = media.get(PurePosixPath(parsed.attached).name)
                if item is None:
                    missing += 1
                    attachments.append(Attachment(filename=parsed.attached))
                else:
                    attachments.append(
                        Attachment(item_id=item.id, sha256=item.sha256, filename=parsed.attached)
                    )
            extra: dict[str, object] = {"line": raw.line_no}
            if parsed.media_omitted:
                extra["media_omitted"] = True
            add(
                Message(
                    id=new_id(seq),
                    source_format=fmt,
                    source_item_id=source_id,
                    conversation=conversation,
                    sender=parsed.sender,
                    timestamp_utc=to_utc(local, zone) if local else None,
                    timestamp_original=stamp,
                    timestamp_ambiguous=ambiguous and local is not None,
                    timestamp_basis=basis if local else None,
                    kind=parsed.kind,
                    text=parsed.text,
                    attachments=attachments,
                    extra=extra,
                )
            )
        if missing:
            sink.warn(
                f"{label}: {missing} attached file(s) named in the chat are not in the export "
                "(kept as file names only)"
            )

    @staticmethod
    def _raw(fh: Any, label: str) -> Iterator:
        return group_lines(text_lines(fh, label))
