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
from haven.importers import jsonstream
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter, from_epoch, require
from haven.importers.localtime import resolve_zone, to_utc

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


CHAT_LISTS = ("chats.list.item", "left_chats.list.item")
META_KEYS = ("name", "type", "id")
TARGETS = {"messages.item", *(f"{c}.messages.item" for c in CHAT_LISTS)}
CHAT_SPAN = 1 << 40
"""Message keys are ``chat number * CHAT_SPAN + Telegram message id``: unique in the file, and a reply's
id can be computed from the id it names without a lookup table."""


def _keep(prefix: str) -> bool:
    return (
        prefix in ("messages", "chats", *META_KEYS)
        or prefix in CHAT_LISTS
        or any(prefix == f"{c}.{k}" for c in CHAT_LISTS for k in META_KEYS)
    )


def _chat_metas(path: Path) -> list[dict[str, Any]]:
    """Validate the whole file and collect each chat's name, type and id (they come before its messages)."""
    kept = jsonstream.scan(path, _keep)
    if ("messages", "<start_array>") in kept:
        meta: dict[str, Any] = {}
        for prefix, value in kept:
            if prefix in META_KEYS:
                meta[prefix] = value
        return [meta]
    chats: list[dict[str, Any]] = []
    for prefix, value in kept:
        if prefix in CHAT_LISTS and value == "<start_map>":
            chats.append({})
        elif chats and "." in prefix and prefix.rsplit(".", 1)[0] in CHAT_LISTS:
            chats[-1][prefix.rsplit(".", 1)[1]] = value
    require(bool(chats) or ("chats", "<start_map>") in kept, path.name, "a Telegram export")
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
        if not any(key in head for key in (b'"messages"', b'"chats"', b'"personal_information"')):
            return 0.0
        score = 0.0
        if b'"from_id"' in head or b'"date_unixtime"' in head or b'"text_entities"' in head:
            score = 0.9
        elif b'"personal_chat"' in head or b'"private_supergroup"' in head or b'"public_channel"' in head:
            score = 0.85
        elif (b'"chats"' in head and b'"list"' in head) or b'"personal_information"' in head:
            score = 0.8
        return score

    def run(self, path: Path, sink: ImportSink) -> None:
        metas = _chat_metas(path)  # a broken or hostile file is refused here, before anything is stored
        source = add_source_item(sink, path, "application/json")
        emitter = Emitter(sink, source, self.name, path)
        zone: list[Any] = []  # filled (with its warning) only if a message lacks date_unixtime
        chat_no = 0
        seen_chat = False
        for _prefix, value in jsonstream.objects(path, TARGETS):
            if value == "<start_map>":  # the next chat of a whole-account export
                chat_no += 1 if seen_chat else 0
                seen_chat = True
                continue
            if isinstance(value, dict):
                meta = metas[chat_no] if chat_no < len(metas) else {}
                self._message(value, meta, chat_no, emitter, zone, sink, path.name)
        emitter.finish()

    def _message(
        self,
        raw: dict[str, Any],
        chat: dict[str, Any],
        chat_no: int,
        emitter: Emitter,
        zone: list[Any],
        sink: ImportSink,
        label: str,
    ) -> None:
        title = str(chat.get("name") or chat.get("type") or f"Telegram chat {chat.get('id', '')}").strip()
        original = raw.get("date")
        if raw.get("date_unixtime") not in (None, ""):
            when = from_epoch(raw["date_unixtime"], label)
            original = original or str(raw["date_unixtime"])
        elif original:
            if not zone:
                zone.append(resolve_zone(sink, label))
            try:
                when = to_utc(datetime.fromisoformat(str(original)), zone[0])
            except ValueError as exc:
                raise ImportFileError(f"{label}: message date {original!r} is not a date") from exc
        else:
            when = None
        service = raw.get("type") == "service"
        sender = raw.get("actor") if service else raw.get("from")
        sender_id = raw.get("actor_id") if service else raw.get("from_id")
        text = flatten_text(raw.get("text"))
        uris = [raw[k] for k in MEDIA_KEYS if isinstance(raw.get(k), str)]
        name = raw.get("file_name") or ("photo" if "photo" in raw else raw.get("media_type"))
        attachments = [a for a in (emitter.attachment(u, name) for u in uris[:1]) if a]
        action = raw.get("action")
        if service:
            kind = MessageKind.CALL if action in CALL_ACTIONS else MessageKind.SYSTEM
            text = text or str(action or "").replace("_", " ")
        elif attachments or raw.get("media_type"):
            kind = MessageKind.MEDIA if not text else MessageKind.TEXT
        else:
            kind = MessageKind.TEXT
        extra: dict[str, Any] = {
            "telegram_id": raw.get("id"),
            "chat_id": chat.get("id"),
            "chat_type": chat.get("type"),
        }
        for key in ("action", "media_type", "edited", "via_bot", "duration_seconds", "discard_reason"):
            if raw.get(key) is not None:
                extra[key] = raw[key]
        msg_id, reply = raw.get("id"), raw.get("reply_to_message_id")
        emitter.emit(
            key=chat_no * CHAT_SPAN + msg_id if isinstance(msg_id, int) and 0 <= msg_id < CHAT_SPAN else None,
            conversation=title,
            sender=None if sender is None else str(sender),
            sender_id=None if sender_id is None else str(sender_id),
            timestamp_utc=when,
            timestamp_original=None if original is None else str(original),
            kind=kind,
            text=text,
            attachments=attachments,
            reply_to=emitter.keyed_id(chat_no * CHAT_SPAN + reply)
            if isinstance(reply, int) and 0 <= reply < CHAT_SPAN
            else (None if reply is None else f"telegram:{reply}"),
            forwarded_from=raw.get("forwarded_from"),
            extra=extra,
        )
