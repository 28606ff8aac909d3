"""Read a verified Haven package: manifest, messages, offender details, key moments, continuity statement.

Tolerant of fields this version does not know (packages made by a newer Haven): unknown keys are kept in
the stored copy and ignored here. Only call after ``haven.report.verify.verify_package`` said ok.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haven.core.models import Message
from haven.report.package import MANIFEST

MAX_MEMBER = 1 << 30
MOMENT_NAMES = ("key-moments.json", "key_moments.json", "moments.json")
FLAG_LABELS = {
    "move-platform": "Asked to move to another app",
    "image-request": "Asked for images or a video call",
    "recording-claim": "Said they recorded the person",
    "threat-to-share": "Threatened to share images",
    "payment-demand": "Demanded payment",
    "deadline": "Set a deadline",
    "repeat-demand": "Demanded more after a payment",
}


@dataclass
class Package:
    manifest: dict[str, Any]
    messages: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    moments: list[dict[str, Any]]
    continuity: str
    extra_members: list[str] = field(default_factory=list)

    @property
    def case(self) -> dict[str, Any]:
        return dict(self.manifest.get("case") or {})


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(MAX_MEMBER + 1)
    if len(data) > MAX_MEMBER:
        raise ValueError(f"{name} is too large")
    return data


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _indicator_rows(data: bytes) -> list[dict[str, Any]]:
    rows = []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8", "replace"))):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("kind") or not row.get("normalized"):
            continue
        row["valid"] = _truthy(row.get("valid", "true"))
        try:
            row["count"] = int(row.get("count") or 1)
        except ValueError:
            row["count"] = 1
        rows.append(row)
    return rows


def _messages(data: bytes) -> list[dict[str, Any]]:
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def as_message(d: dict[str, Any]) -> Message | None:
    try:
        return Message.model_validate({k: v for k, v in d.items() if k in Message.model_fields})
    except ValueError:
        return None


def computed_moments(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Key moments for packages that do not list them: the first message of each conversation, then the
    first of each red flag (``haven.flags``) per conversation, in time order."""
    from haven.flags import detect

    msgs = [m for m in (as_message(d) for d in messages) if m is not None]
    if not msgs:
        return []
    by_id = {m.id: m for m in msgs}
    moments: list[tuple[datetime | None, str, Message, str]] = []
    seen: set[tuple[str, str]] = set()
    for m in msgs:
        if ("first", m.conversation) not in seen:
            seen.add(("first", m.conversation))
            moments.append((m.timestamp_utc, "First message", m, f"{m.sender or 'unknown'}"))
    for f in detect(msgs).flags:
        msg = by_id.get(f.message_id)
        if msg is None or (f.flag, msg.conversation) in seen:
            continue
        seen.add((f.flag, msg.conversation))
        moments.append(
            (msg.timestamp_utc, FLAG_LABELS.get(f.flag, f.flag.replace("-", " ")), msg, f.evidence)
        )
    moments.sort(key=lambda k: (k[0] is None, k[0] or datetime.min.replace(tzinfo=UTC)))
    return [
        {
            "time": t.isoformat() if t else None,
            "what": what,
            "message_id": m.id,
            "conversation": m.conversation,
            "detail": detail,
        }
        for t, what, m, detail in moments
    ]


def read_package(path: str | Path) -> Package:
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(_read(zf, MANIFEST))
        messages = _messages(_read(zf, "messages.jsonl")) if "messages.jsonl" in names else []
        indicators = _indicator_rows(_read(zf, "indicators.csv")) if "indicators.csv" in names else []
        moments: list[dict[str, Any]] | None = None
        for name in MOMENT_NAMES:
            if name in names:
                loaded = json.loads(_read(zf, name))
                moments = loaded.get("key_moments", loaded) if isinstance(loaded, dict) else loaded
                break
        continuity = ""
        for name in sorted(names):
            if "continuity" in name.lower() and name.lower().endswith((".txt", ".md", ".json", ".html")):
                continuity = _read(zf, name).decode("utf-8", "replace")
                break
        known = {MANIFEST, "manifest.sig", "messages.jsonl", "indicators.csv", *MOMENT_NAMES}
        extra = sorted(n for n in names if n not in known and not n.startswith("items/"))
    if moments is None:
        moments = computed_moments(messages)
    return Package(manifest, messages, indicators, list(moments or []), continuity, extra)
