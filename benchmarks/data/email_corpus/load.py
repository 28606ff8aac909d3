"""Read ``corpus.jsonl`` and turn each row into the raw bytes of an email (used by bench and training)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus.jsonl")


def rows(split: str | None = None) -> list[dict]:
    out = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in out if split is None or r["split"] == split]


def email_bytes(row: dict) -> bytes:
    msg = EmailMessage()
    msg["From"] = row["from"]
    msg["To"] = row["to"]
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = f"<{row['id']}@corpus.example>"
    msg.set_content(row["body"])
    return bytes(msg)
