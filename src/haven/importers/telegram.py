"""Telegram Desktop "Export chat history" / "Export Telegram data" JSON (``result.json``).

A single-chat export has ``name``, ``type``, ``id`` and ``messages``; a whole-account export has
``chats.list`` (and ``left_chats.list``), each a single chat. Times: ``date_unixtime`` (UTC) when
present; older exports only have ``date``, the exporting computer's local time, read with the ``tz``
option. Service messages (joins, pins, calls) are kept as ``system`` / ``call``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from haven.core.errors import ImportFileError
from haven.core.models import MessageKind
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter, from_epoch, require
from haven.importers.localtime import resolve_zone, to_utc
from haven.importers.safety import read_json_file

EXAMPLES = Path(__file__).parent / "examples" / "telegram"
MEDIA_KEYS = ("photo", "file", "thumbnail")
CALL_ACTIONS = {"phone_call", "group_call", "invite_to_group_call"}


def flatten_text(text: Any) -> str:
    """Telegram writes text as a string or a list of strings and ``{type, text}`` entities."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
            for part in text
        )
    return ""


def _chats(data: Any, label: str) -> list[dict[str, Any]]:
    require(isinstance(data, dict), label, "a Telegram export")
    if isinstance(data.get("messages"), list):
        return [data]
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        block = data.get(key)
        if isinstance(block, dict) and isinstance(block.get("list"), list):
            chats.extend(c for c in block["list"] if isinstance(c, dict))
    require(bool(chats) or "chats" in data, label, "a Telegram export")
    return chats


class TelegramImporter(Importer):
    name = "telegram"
    description = (
        "Telegram Desktop JSON export (one chat, or the whole account), with or without date_unixtime."
    )
    examples: ClassVar[list[Path]] = [
        EXAMPLES / "single" / "result.json",
        EXAMPLES / "account" / "result.json",
    ]

    def detect(self, path: Path, head: bytes) -> float:
        if b'"messages"' not in head and b'"chats"' not in head:
            return 0.0
        score = 0.0
        if b'"from_id"' in head or b'"date_unixtime"' in head or b'"text_entities"' in head:
            score = 0.9
        elif b'"personal_chat"' in head or b'"private_supergroup"' in head or b'"public_channel"' in head:
            score = 0.85
        elif b'"chats"' in head and b'"list"' in head:
            score = 0.8
        return score

    def run(self, path: Path, sink: ImportSink) -> None:
        data = read_json_file(path)
        chats = _chats(data, path.name)
        needs_zone = any(
            "date_unixtime" not in m for c in chats for m in c.get("messages", []) if isinstance(m, dict)
        )
        source = add_source_item(sink, path, "application/json")
        zone = resolve_zone(sink, path.name) if needs_zone else None
        emitter = Emitter(sink, source, self.name, path)
        for chat in chats:
            self._chat(chat, emitter, zone, path.name)
        emitter.finish()

    def _chat(self, chat: dict[str, Any], emitter: Emitter, zone: Any, label: str) -> None:
        messages = [m for m in chat.get("messages") or [] if isinstance(m, dict)]
        title = str(chat.get("name") or chat.get("type") or f"Telegram chat {chat.get('id', '')}").strip()
        # Reply references point at Telegram ids; map them to Haven ids (positions in this file).
        positions = {m.get("id"): emitter.seq + i for i, m in enumerate(messages) if m.get("id") is not None}
        for raw in messages:
            self._message(raw, title, chat, positions, emitter, zone, label)

    def _message(
        self,
        raw: dict[str, Any],
        title: str,
        chat: dict[str, Any],
        positions: dict[Any, int],
        emitter: Emitter,
        zone: Any,
        label: str,
    ) -> None:
        original = raw.get("date")
        if raw.get("date_unixtime") not in (None, ""):
            when = from_epoch(raw["date_unixtime"], label)
            original = original or str(raw["date_unixtime"])
        elif original:
            try:
                when = to_utc(datetime.fromisoformat(str(original)), zone)
            except ValueError as exc:
                raise ImportFileError(f"{label}: message date {original!r} is not a date") from exc
        else:
            when = None
        service = raw.get("type") == "service"
        sender = raw.get("actor") if service else raw.get("from")
        sender_id = raw.get("actor_id") if service else raw.get("from_id")
        text = flatten_text(raw.get("text"))
        uris = [raw[k] for k in MEDIA_KEYS if isinstance(raw.get(k), str)]
        attachments = [a for a in (emitter.attachment(u) for u in uris[:1]) if a]
        action = raw.get("action")
        if service:
            kind = MessageKind.CALL if action in CALL_ACTIONS else MessageKind.SYSTEM
            text = text or str(action or "").replace("_", " ")
        elif attachments or raw.get("media_type"):
            kind = MessageKind.MEDIA if not text else MessageKind.TEXT
        else:
            kind = MessageKind.TEXT
        reply = raw.get("reply_to_message_id")
        extra: dict[str, Any] = {
            "telegram_id": raw.get("id"),
            "chat_id": chat.get("id"),
            "chat_type": chat.get("type"),
        }
        for key in ("action", "media_type", "edited", "via_bot", "duration_seconds", "discard_reason"):
            if raw.get(key) is not None:
                extra[key] = raw[key]
        emitter.emit(
            conversation=title,
            sender=None if sender is None else str(sender),
            sender_id=None if sender_id is None else str(sender_id),
            timestamp_utc=when,
            timestamp_original=None if original is None else str(original),
            kind=kind,
            text=text,
            attachments=attachments,
            reply_to=emitter.message_id(positions[reply])
            if reply in positions
            else (None if reply is None else f"telegram:{reply}"),
            forwarded_from=raw.get("forwarded_from"),
            extra=extra,
        )
