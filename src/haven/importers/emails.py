"""Email evidence: ``.eml`` files, ``.mbox`` mailboxes and Outlook ``.msg`` files.

Parsing is shared with the scam-email checker (``haven.importers.emailparse``). Each email becomes one
``Message`` (sender = display name, sender_id = address, ``extra["headers"]`` = every header as
``[name, value]`` in file order) and each attachment an item whose ``parent_id`` is the email's item.
In an mbox, each email is also stored as its own ``message/rfc822`` item under the mbox, and an email
that cannot be parsed is kept as an item with a warning rather than failing the whole mailbox.
"""

from __future__ import annotations

import email.utils
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, Item, MessageKind
from haven.importers.base import Importer, ImportSink, add_source_item
from haven.importers.common import Emitter
from haven.importers.emailparse import (
    MAX_EMAIL_BYTES,
    ParsedEmail,
    iter_mbox,
    looks_like_email,
    parse_email,
    parse_msg,
)

EXAMPLES = Path(__file__).parent / "examples" / "email"
_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|tr)\s*:\s*)+", re.IGNORECASE)


def thread_name(subject: str) -> str:
    """A conversation name for an email: its subject without Re:/Fwd: prefixes."""
    return _PREFIX.sub("", subject or "").strip() or "(no subject)"


def emit_email(parsed: ParsedEmail, email_item: Item, emitter: Emitter, sink: ImportSink, label: str) -> None:
    """Store an email's attachments (children of ``email_item``) and its message."""
    attachments = []
    for index, att in enumerate(parsed.attachments):
        name = att.filename or f"attachment-{index + 1}"
        item = sink.add_item(
            io.BytesIO(att.data),
            filename=name,
            source_path=f"{email_item.source_path}!{name}",
            media_type=att.media_type or "application/octet-stream",
            parent_id=email_item.id,
        )
        attachments.append(Attachment(item_id=item.id, sha256=item.sha256, filename=name))
    for warning in parsed.warnings:
        sink.warn(f"{label}: {warning}")
    display, address = email.utils.parseaddr(parsed.from_)
    extra = {
        "headers": [[name, value] for name, value in parsed.headers],
        "subject": parsed.subject,
        "to": parsed.to,
        "cc": parsed.cc,
        "reply_to": parsed.reply_to,
        "return_path": parsed.return_path,
        "message_id": parsed.message_id,
        "received": parsed.received,
        "email_item_id": email_item.id,
    }
    text = parsed.text or (f"Subject: {parsed.subject}" if parsed.subject else "")
    emitter.emit(
        conversation=thread_name(parsed.subject),
        sender=display or address or parsed.from_ or None,
        sender_id=address.lower() or None,
        timestamp_utc=parsed.date,
        timestamp_original=parsed.date_raw or None,
        kind=MessageKind.TEXT if parsed.text or not attachments else MessageKind.MEDIA,
        text=text,
        attachments=attachments,
        reply_to=parsed.header("In-Reply-To") or None,
        extra=extra,
    )


class EmlImporter(Importer):
    name = "eml"
    description = "One email saved as .eml (headers, body, attachments)."
    examples: ClassVar[list[Path]] = [EXAMPLES / "threat.eml"]

    def detect(self, path: Path, head: bytes) -> float:
        if head.startswith(b"From "):
            return 0.0
        if looks_like_email(head):
            return 0.9 if path.suffix.lower() in (".eml", ".email", ".txt", "") else 0.6
        return 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        if path.stat().st_size > MAX_EMAIL_BYTES:
            raise ImportFileError(f"{path.name} is too large to be one email")
        parsed = parse_email(path.read_bytes(), path.name)
        source = add_source_item(sink, path, "message/rfc822")
        emitter = Emitter(sink, source, self.name, path)
        emit_email(parsed, source, emitter, sink, path.name)


class MboxImporter(Importer):
    name = "mbox"
    description = "A mailbox file (.mbox), read one email at a time."
    examples: ClassVar[list[Path]] = [EXAMPLES / "inbox.mbox"]

    def detect(self, path: Path, head: bytes) -> float:
        return 0.9 if head.startswith(b"From ") and looks_like_email(head) else 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        messages = iter_mbox(path)
        first = next(messages, None)  # raises before anything is stored if this is not an mbox
        if first is None:
            raise ImportFileError(f"{path.name} holds no emails")
        source = add_source_item(sink, path, "application/mbox")
        emitter = Emitter(sink, source, self.name, path)
        index = 0
        for raw in _chain(first, messages):
            index += 1
            label = f"{path.name} email {index}"
            item = sink.add_item(
                io.BytesIO(raw),
                filename=f"{path.name}#{index}.eml",
                source_path=f"{path}!{index}",
                media_type="message/rfc822",
                parent_id=source.id,
            )
            try:
                parsed = parse_email(raw, label)
            except ImportFileError as exc:
                sink.warn(f"{label}: kept as a file but not read ({exc.message})")
                continue
            emit_email(parsed, item, emitter, sink, label)


def _chain(first: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


class MsgImporter(Importer):
    name = "msg"
    description = "An Outlook email saved as .msg (through extract-msg)."
    examples: ClassVar[list[Path]] = [EXAMPLES / "outlook.msg"]

    def detect(self, path: Path, head: bytes) -> float:
        return 0.9 if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() == ".msg" else 0.0

    def run(self, path: Path, sink: ImportSink) -> None:
        parsed = parse_msg(path)
        source = add_source_item(sink, path, "application/vnd.ms-outlook")
        emitter = Emitter(sink, source, self.name, path)
        emit_email(parsed, source, emitter, sink, path.name)
