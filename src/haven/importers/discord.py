"""Discord chats saved with DiscordChatExporter (JSON format).

Each file is one channel: ``guild``, ``channel`` and ``messages`` with ``author.id`` (the stable id),
``timestamp`` (ISO with offset), ``content``, ``attachments`` (local paths when exported with
``--media``, CDN URLs otherwise: kept as file names), ``reference.messageId`` for replies. Calls and
channel events (name/icon changes, joins, pins) are kept as ``call`` / ``system``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, MessageKind
from haven.importers import jsonstream
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter, require

EXAMPLES = Path(__file__).parent / "examples" / "discord"
META = {"guild", "guild.name", "channel", "channel.name", "channel.id", "messages"}
TEXT_TYPES = {"Default", "Reply", "ThreadStarterMessage"}


def _when(value: Any, label: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ImportFileError(f"{label}: timestamp {value!r} is not a date") from exc
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class DiscordImporter(Importer):
    name = "discord"
    description = "Discord channel or DM exported by DiscordChatExporter (JSON)."
    examples: ClassVar[list[Path]] = [EXAMPLES / "dm.json"]

    def detect(self, path: Path, head: bytes) -> float:
        return 0.9 if b'"guild"' in head and b'"channel"' in head and b'"messages"' in head else 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        kept = jsonstream.scan(path, lambda p: p in META)  # validates the whole file first
        require(
            ("messages", "<start_array>") in kept and ("channel", "<start_map>") in kept,
            path.name,
            "a DiscordChatExporter file",
        )
        values = dict(kept)
        guild = values.get("guild.name")
        title = str(values.get("channel.name") or values.get("channel.id") or path.stem)
        if guild and guild != "Direct Messages":
            title = f"{guild} / #{title}"
        channel = {"id": values.get("channel.id")}
        source = add_source_item(sink, path, "application/json")
        emitter = Emitter(sink, source, self.name, path)
        for _prefix, raw in jsonstream.objects(path, {"messages.item"}):
            if isinstance(raw, dict):
                self._message(raw, title, channel, emitter, path.name)
        emitter.finish()

    def _message(
        self, raw: dict[str, Any], title: str, channel: dict[str, Any], emitter: Emitter, label: str
    ) -> None:
        author = raw.get("author") or {}
        sender = author.get("nickname") or author.get("name")
        attachments: list[Attachment] = []
        for att in raw.get("attachments") or []:
            if not isinstance(att, dict):
                continue
            url = str(att.get("url") or "")
            linked = emitter.attachment(url) if url and "://" not in url else None
            attachments.append(linked or Attachment(filename=str(att.get("fileName") or url)))
        mtype = raw.get("type") or "Default"
        content = str(raw.get("content") or "")
        if mtype == "Call":
            kind = MessageKind.CALL
        elif mtype not in TEXT_TYPES:
            kind = MessageKind.SYSTEM
        elif attachments and not content:
            kind = MessageKind.MEDIA
        else:
            kind = MessageKind.TEXT
        ref = (raw.get("reference") or {}).get("messageId")
        extra: dict[str, Any] = {
            "discord_id": raw.get("id"),
            "type": mtype,
            "channel_id": channel.get("id"),
        }
        for key in ("timestampEdited", "callEndedTimestamp", "isPinned"):
            if raw.get(key):
                extra[key] = raw[key]
        if raw.get("embeds"):
            extra["embed_urls"] = [
                e.get("url") for e in raw["embeds"] if isinstance(e, dict) and e.get("url")
            ]
        if author.get("name"):
            extra["author_name"] = author["name"]
        msg_id = str(raw.get("id") or "")
        emitter.emit(
            key=int(msg_id) if msg_id.isdigit() else None,
            conversation=title,
            sender=None if sender is None else str(sender),
            sender_id=None if author.get("id") is None else str(author["id"]),
            timestamp_utc=_when(raw.get("timestamp"), label),
            timestamp_original=raw.get("timestamp"),
            kind=kind,
            text=content,
            attachments=attachments,
            reply_to=emitter.keyed_id(int(str(ref)))
            if str(ref).isdigit()
            else (None if ref is None else f"discord:{ref}"),
            extra=extra,
        )
