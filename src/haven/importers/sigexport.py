"""Signal Desktop chats exported with ``sigexport`` (signal-export): ``chat.md`` and ``data.json``.

sigexport writes one folder per chat (named after the chat) holding ``chat.md`` — lines like
``[2024-03-20 21:15:02] Sam: text``, attachments as Markdown links ``![name](./media/x.jpg)`` — and,
with ``--json``, ``data.json``: one JSON object per line (``date``, ``sender``, ``body``, ``quote``,
``attachments``, ``deleted``, ``call``). Times are the exporting computer's local time without a zone
(read with the ``tz`` option). Signal has no other export; the app's encrypted backups are not read.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, MessageKind
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter
from haven.importers.localtime import resolve_zone, to_utc
from haven.importers.safety import load_json, text_lines
from haven.importers.whatsapp_parse import SENDER, group_lines, header_datetime, parse_header

EXAMPLES = Path(__file__).parent / "examples" / "signal"
# Bounded and bracket-free inside, so a line of thousands of brackets is read in linear time (each try stops
# at the next bracket) instead of the quadratic rescans an open ``[^\]]*`` allowed.
LINK = re.compile(r"!?\[(?P<name>[^\[\]\n]{0,1000})\]\((?P<path>[^()\n]{1,4000})\)")
DELETED = "(This message was deleted)"
MAX_LINE = 64 * 1024 * 1024


def _is_signal_path(path: Path) -> bool:
    return path.name == "chat.md" or any("signal" in part.lower() for part in path.parts[-4:])


class SignalImporter(Importer):
    name = "signal"
    description = "Signal Desktop chat exported by sigexport (chat.md, or data.json lines)."
    examples: ClassVar[list[Path]] = [EXAMPLES / "Sam" / "chat.md", EXAMPLES / "Sam" / "data.json"]

    def detect(self, path: Path, head: bytes) -> float:
        first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
        if first.startswith(b"{") and b'"sender"' in first and b'"body"' in first and b'"date"' in first:
            return 0.9
        header = parse_header(first.decode("utf-8", "replace"))
        if header is None or len(header.parts[0]) != 4:
            return 0.0
        return 0.97 if _is_signal_path(path) else 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        with open(path, "rb") as fh:
            first = fh.read(1).lstrip(b"\xef\xbb\xbf")
        if first == b"{":
            self._run_jsonl(path, sink)
        else:
            self._run_md(path, sink)

    def _conversation(self, path: Path) -> str:
        return path.parent.name or path.stem

    def _run_md(self, path: Path, sink: ImportSink) -> None:
        with open(path, "rb") as fh:  # check first: a file that is not a sigexport chat adds nothing
            if not any(r.header for r in group_lines(text_lines(fh, path.name))):
                raise ImportFileError(f"{path.name} has no Signal message lines")
        source = add_source_item(sink, path, "text/markdown")
        zone = resolve_zone(sink, path.name)
        emitter = Emitter(sink, source, self.name, path)
        with open(path, "rb") as fh:
            for raw in group_lines(text_lines(fh, path.name)):
                when = header_datetime(raw.header, "ymd") if raw.header else None
                body = "\n".join(raw.lines).rstrip()
                m = SENDER.match(body) if raw.header else None
                sender, text = (m["name"].strip(), (m["text"] or "").strip()) if m else (None, body.strip())
                attachments = self._links(text, emitter)
                self._emit(
                    emitter,
                    path,
                    sender,
                    when,
                    zone,
                    raw.header.stamp if raw.header else None,
                    text,
                    attachments,
                    deleted=text == DELETED,
                    call=False,
                )
        emitter.finish()

    def _links(self, text: str, emitter: Emitter) -> list[Attachment]:
        found = []
        for link in LINK.finditer(text):
            target = link["path"].removeprefix("./")
            found.append(emitter.attachment(target) or Attachment(filename=link["name"] or target))
        return found

    def _run_jsonl(self, path: Path, sink: ImportSink) -> None:
        rows: list[tuple[int, dict[str, Any]]] = []
        with open(path, "rb") as fh:  # validate every line before anything is stored
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    row = load_json(io.BytesIO(line), f"{path.name} line {number}", max_bytes=MAX_LINE)
                    if not isinstance(row, dict):
                        raise ImportFileError(f"{path.name} line {number} is not a Signal message object")
                    rows.append((number, row))
        source = add_source_item(sink, path, "application/x-ndjson")
        zone = resolve_zone(sink, path.name)
        emitter = Emitter(sink, source, self.name, path)
        for number, row in rows:
            try:
                when = datetime.fromisoformat(str(row.get("date"))) if row.get("date") else None
            except ValueError as exc:
                raise ImportFileError(
                    f"{path.name} line {number}: date {row.get('date')!r} is not a date"
                ) from exc
            attachments = []
            for att in row.get("attachments") or []:
                if isinstance(att, dict):
                    target = str(att.get("path") or "").removeprefix("./")
                    attachments.append(
                        emitter.attachment(target)
                        if target
                        else Attachment(filename=str(att.get("name") or "attachment"))
                    )
            text = str(row.get("body") or "")
            if row.get("quote"):
                text = f"> {row['quote']}\n{text}" if text else f"> {row['quote']}"
            self._emit(
                emitter,
                path,
                row.get("sender"),
                when,
                zone,
                row.get("date"),
                text,
                [a for a in attachments if a],
                deleted=bool(row.get("deleted")),
                call=bool(row.get("call")),
                extra={"missed": True} if row.get("missed") else {},
            )
        emitter.finish()

    def _emit(
        self,
        emitter: Emitter,
        path: Path,
        sender: Any,
        when: datetime | None,
        zone: Any,
        original: Any,
        text: str,
        attachments: list[Attachment],
        *,
        deleted: bool,
        call: bool,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if deleted:
            kind = MessageKind.DELETED
        elif call:
            kind = MessageKind.CALL
        elif sender is None:
            kind = MessageKind.SYSTEM
        elif attachments and not LINK.sub("", text).strip():
            kind = MessageKind.MEDIA
        else:
            kind = MessageKind.TEXT
        emitter.emit(
            conversation=self._conversation(path),
            sender=None if sender is None else str(sender),
            timestamp_utc=to_utc(when, zone) if when else None,
            timestamp_original=None if original is None else str(original),
            kind=kind,
            text=text,
            attachments=attachments,
            extra=extra or {},
        )
