"""Snapchat "My Data" ``chat_history.json``.

Two shapes exist: the newer one maps each friend's username to a list of messages (``From``,
``Media Type``, ``Created`` "YYYY-MM-DD HH:MM:SS UTC", ``Content``, ``IsSender``, ``Media IDs``); the
older one has ``Received Saved Chat History`` / ``Sent Saved Chat History`` lists (``From``/``To``,
``Text``). Media named by ``Media IDs`` are linked when the export's ``chat_media`` folder holds them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, MessageKind
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter, require
from haven.importers.safety import read_json_file

EXAMPLES = Path(__file__).parent / "examples" / "snapchat"
MEDIA_TYPES = {"MEDIA", "SNAP", "NOTE", "STICKER", "SHARE", "LOCATION", "SHARESAVEDSTORY"}


def _when(value: Any, label: str) -> datetime | None:
    if not value:
        return None
    text = str(value).strip().removesuffix(" UTC")
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ImportFileError(f"{label}: time {value!r} is not a date") from exc


def _chat_media_dir(path: Path) -> Path | None:
    for base in [path.parent, *list(path.parent.parents)[:3]]:
        if (base / "chat_media").is_dir():
            return base / "chat_media"
    return None


class SnapchatImporter(Importer):
    name = "snapchat"
    description = "Snapchat 'My Data' chat_history.json (both the older and the newer layout)."
    examples: ClassVar[list[Path]] = [EXAMPLES / "json" / "chat_history.json"]

    def detect(self, path: Path, head: bytes) -> float:
        if b'"Media Type"' in head and b'"Created"' in head:
            return 0.9
        if b"Saved Chat History" in head:
            return 0.9
        return 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        data = read_json_file(path)
        require(
            isinstance(data, dict) and all(isinstance(v, list) for v in data.values()),
            path.name,
            "a Snapchat chat_history.json",
        )
        source = add_source_item(sink, path, "application/json")
        emitter = Emitter(sink, source, self.name, path)
        media_dir = _chat_media_dir(path)
        for key, messages in data.items():
            old_sent = key.startswith("Sent")
            old = old_sent or key.startswith("Received")
            for raw in messages:
                if isinstance(raw, dict):
                    self._message(raw, key, old, old_sent, emitter, media_dir, path, sink)
        emitter.finish()

    def _message(
        self,
        raw: dict[str, Any],
        key: str,
        old: bool,
        old_sent: bool,
        emitter: Emitter,
        media_dir: Path | None,
        path: Path,
        sink: ImportSink,
    ) -> None:
        friend = (raw.get("To") if old_sent else raw.get("From")) if old else key
        conversation = raw.get("Conversation Title") or friend or "Snapchat"
        sender = raw.get("From") or ("me" if old_sent else None)
        from_me = old_sent if old else raw.get("IsSender")
        mtype = str(raw.get("Media Type") or "TEXT").upper()
        text = str(raw.get("Content") if "Content" in raw else raw.get("Text") or "")
        text = "" if text == "None" else text
        attachments: list[Attachment] = []
        for media_id in filter(None, (m.strip() for m in str(raw.get("Media IDs") or "").split("|"))):
            found = sorted(media_dir.glob(f"*{media_id}*")) if media_dir and "/" not in media_id else []
            if found and found[0].is_file():
                attachments.append(emitter.attach_path(found[0], f"chat_media/{found[0].name}"))
            else:
                emitter.missing_media += 1
                attachments.append(Attachment(filename=media_id))
        if mtype == "TEXT":
            kind = MessageKind.TEXT
        elif mtype.startswith("STATUS"):
            kind = MessageKind.DELETED if "ERASE" in mtype else MessageKind.SYSTEM
        elif mtype in MEDIA_TYPES or attachments:
            kind = MessageKind.MEDIA
        else:
            kind = MessageKind.TEXT
        extra = {k: raw[k] for k in ("Media Type", "IsSaved", "Created(microseconds)") if k in raw}
        emitter.emit(
            conversation=str(conversation),
            sender=None if sender is None else str(sender),
            sender_id=None if sender is None else str(sender),
            from_me=from_me,
            timestamp_utc=_when(raw.get("Created"), path.name),
            timestamp_original=raw.get("Created"),
            kind=kind,
            text=text,
            attachments=attachments,
            extra=extra,
        )
