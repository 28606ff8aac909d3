"""Instagram and Facebook Messenger "Download your information" JSON (``message_1.json``).

Both use the same shape: ``participants``, ``messages`` (newest first) with ``sender_name``,
``timestamp_ms``, ``content`` and media lists (``photos``, ``videos``, ``audio_files``, ``files``,
``gifs``, ``sticker``). Text is latin-1 mojibake of UTF-8 and is repaired (see ``common.fix_mojibake``).
Unsent messages become ``deleted``, calls ``call``, media-only messages ``media``: none is dropped.
Also reads the newer Messenger end-to-end-encrypted export (``senderName``, ``timestamp``, ``isUnsent``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from haven.core.models import MessageKind
from haven.importers import jsonstream
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter, fix_mojibake, from_epoch, require

EXAMPLES = Path(__file__).parent / "examples" / "meta"
MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs")
SYSTEM_TYPES = {"Subscribe", "Unsubscribe", "Payment", "Reminder"}


def _keep(prefix: str) -> bool:
    return prefix in ("title", "threadName", "messages", "participants.item", "participants.item.name")


def _looks_meta(head: bytes) -> bool:
    return (b'"sender_name"' in head and b'"timestamp_ms"' in head) or (
        b'"senderName"' in head and b'"timestamp"' in head and b'"threadName"' in head
    )


def _is_instagram(path: Path, head: bytes) -> bool:
    hints = ("instagram", "your_instagram_activity")
    return any(h in part.lower() for part in path.parts for h in hints) or b"instagram" in head.lower()


class _MetaImporter(Importer):
    platform: str = ""

    def run(self, path: Path, sink: ImportSink) -> None:
        kept = jsonstream.scan(path, _keep)  # validates the whole file before anything is stored
        require(("messages", "<start_array>") in kept, path.name, f"a {self.platform} message export")
        values = dict(kept)
        title = fix_mojibake(values.get("title") or values.get("threadName") or "")
        if not title:
            names = [fix_mojibake(v) for k, v in kept if k in ("participants.item.name", "participants.item")]
            title = ", ".join(n for n in names if n and not n.startswith("<start_")) or path.parent.name
        source = add_source_item(sink, path, "application/json")
        emitter = Emitter(sink, source, self.name, path)
        for _prefix, raw in jsonstream.objects(path, {"messages.item"}):
            if isinstance(raw, dict):
                self._message(raw, title, emitter, path.name)
        emitter.finish()

    def _message(self, raw: dict[str, Any], title: str, emitter: Emitter, label: str) -> None:
        if "timestamp_ms" in raw or "sender_name" in raw:
            sender = fix_mojibake(raw.get("sender_name"))
            stamp = raw.get("timestamp_ms")
            when = from_epoch(stamp, label, 1000.0)
            text = fix_mojibake(raw.get("content"))
            unsent = bool(raw.get("is_unsent"))
            uris = [m.get("uri") for key in MEDIA_KEYS for m in raw.get(key) or [] if isinstance(m, dict)]
            sticker = raw.get("sticker")
            if isinstance(sticker, dict):
                uris.append(sticker.get("uri"))
            mtype = raw.get("type") or ""
        else:  # end-to-end encrypted Messenger export
            sender = raw.get("senderName") or ""
            stamp = raw.get("timestamp")
            when = from_epoch(stamp, label, 1000.0)
            text = raw.get("text") or ""
            unsent = bool(raw.get("isUnsent"))
            uris = [m.get("uri") for m in raw.get("media") or [] if isinstance(m, dict)]
            mtype = raw.get("type") or ""
        attachments = [a for a in (emitter.attachment(u) for u in uris) if a]
        if unsent:
            kind = MessageKind.DELETED
        elif mtype == "Call" or "call_duration" in raw:
            kind = MessageKind.CALL
        elif mtype in SYSTEM_TYPES:
            kind = MessageKind.SYSTEM
        elif attachments and not text:
            kind = MessageKind.MEDIA
        else:
            kind = MessageKind.TEXT
        extra: dict[str, Any] = {}
        share = raw.get("share")
        if isinstance(share, dict) and share.get("link"):
            extra["share_link"] = share["link"]
        reactions = raw.get("reactions")
        if reactions:
            extra["reactions"] = [
                {"actor": fix_mojibake(r.get("actor")), "reaction": fix_mojibake(r.get("reaction"))}
                for r in reactions
                if isinstance(r, dict)
            ]
        if "call_duration" in raw:
            extra["call_duration"] = raw["call_duration"]
        emitter.emit(
            conversation=title,
            sender=sender or None,
            timestamp_utc=when,
            timestamp_original=None if stamp is None else str(stamp),
            kind=kind,
            text=text,
            attachments=attachments,
            extra=extra,
        )


class InstagramImporter(_MetaImporter):
    name = "instagram"
    platform = "Instagram"
    description = "Instagram 'Download your information' messages JSON (message_1.json)."
    examples: ClassVar[list[Path]] = [
        EXAMPLES / "your_instagram_activity" / "messages" / "inbox" / "sam_123" / "message_1.json"
    ]

    def detect(self, path: Path, head: bytes) -> float:
        if not _looks_meta(head):
            return 0.0
        return 0.9 if _is_instagram(path, head) else 0.75


class MessengerImporter(_MetaImporter):
    name = "messenger"
    platform = "Facebook Messenger"
    description = "Facebook Messenger 'Download your information' JSON (message_1.json, or the E2EE export)."
    examples: ClassVar[list[Path]] = [
        EXAMPLES / "messenger" / "messages" / "inbox" / "jordan_456" / "message_1.json"
    ]

    def detect(self, path: Path, head: bytes) -> float:
        if not _looks_meta(head):
            return 0.0
        return 0.7 if _is_instagram(path, head) else 0.85
