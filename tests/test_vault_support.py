"""Helpers for the vault tests (no tests here): a tiny importer for a made-up chat format, so the vault's
pipeline is tested on its own, independent of the real importers, and fixture writers.

Toy format ("toychat"), one message per line::

    TOYCHAT
    2024-05-01T10:00:00Z|Alex|hello there|photo.jpg
    2024-05-01T10:01:00Z|Sam|no attachment|

An attachment names a file beside the chat file. A line ``BOOM`` makes the importer raise
``ImportFileError`` (after it has already stored things); ``CRASH`` raises a plain ``ValueError``
(a parser bug); ``TOUCH`` changes the chat file's modification time while it is being read.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from haven.core.errors import ImportFileError
from haven.core.models import Attachment, Message, MessageKind
from haven.vault import KdfParams

FAST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
"""Cheap argon2id settings so tests do not spend seconds per vault (the default is 64 MiB, t=3)."""


def message_id(source_sha256: str, seq: int) -> str:
    return "msg-" + hashlib.sha256(f"{source_sha256}:{seq}".encode()).hexdigest()[:32]


class ToyChat:
    name = "toychat"
    description = "test-only chat format"

    def detect(self, path: Path, head: bytes) -> float:
        return 0.9 if head.startswith(b"TOYCHAT") else 0.0

    def run(self, path: Path, sink) -> None:  # type: ignore[no-untyped-def]
        with open(path, "rb") as fh:
            source = sink.add_item(
                fh,
                filename=path.name,
                source_path=str(path),
                media_type="text/plain",
                original_mtime=path.stat().st_mtime,
            )
        if not path.read_bytes().startswith(b"TOYCHAT"):
            sink.warn("not a chat: kept as a file")
            return
        lines = path.read_text("utf-8").splitlines()
        for seq, line in enumerate(lines[1:]):
            if line == "BOOM":
                raise ImportFileError(f"{path.name}: line {seq + 2} is broken")
            if line == "CRASH":
                raise ValueError("unexpected token")
            if line == "TOUCH":
                st = path.stat()
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
                continue
            when, sender, text, attach = line.split("|")
            attachments = []
            if attach:
                media = path.parent / attach
                if media.is_file():
                    with open(media, "rb") as fh:
                        item = sink.add_item(
                            fh,
                            filename=attach,
                            source_path=f"{path}!{attach}",
                            media_type="image/jpeg",
                            parent_id=source.id,
                        )
                    attachments.append(Attachment(item_id=item.id, sha256=item.sha256, filename=attach))
                else:
                    attachments.append(Attachment(filename=attach))
                    sink.warn(f"{attach} is named but not included")
            sink.add_message(
                Message(
                    id=message_id(source.sha256, seq),
                    source_format=self.name,
                    conversation=path.stem,
                    sender=sender,
                    sender_id=sender.lower(),
                    timestamp_utc=datetime.fromisoformat(when),
                    timestamp_original=when,
                    kind=MessageKind.MEDIA if attach and not text else MessageKind.TEXT,
                    text=text,
                    attachments=attachments,
                )
            )


def write_chat(path: Path, rows: list[tuple[str, str, str, str]], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = ["TOYCHAT", *("|".join(r) for r in rows), *extra_lines]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under ``directory``."""
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def raw_bytes_of(directory: Path) -> bytes:
    """Everything written in a case folder, concatenated (to search for plaintext)."""
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())
