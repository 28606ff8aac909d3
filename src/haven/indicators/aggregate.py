"""Per-case summary of findings: one row per (side, kind, normalised value) with how often, when, where,
and the provenance an officer needs to find each occurrence again (message ids, source items)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from haven.core.models import Indicator
from haven.indicators.base import KINDS

MAX_IDS = 50
"""At most this many message ids per row (a detail repeated 10,000 times keeps its first 50 and a count)."""
SIDE_ORDER = {"offender": 0, "victim-sent": 1, "participant": 2, "header": 3}
_ROW_EXTRA = ("timestamp_utc", "conversation", "side", "sender")


def _sort_key() -> Any:
    order = {name: i for i, name in enumerate(KINDS.names())}
    return lambda r: (SIDE_ORDER.get(r["side"], 9), order.get(r["kind"], 99), -r["count"], r["normalized"])


def aggregate(indicators: Iterable[Indicator]) -> list[dict[str, Any]]:
    """Deduplicate by (side, kind, normalized): count, first/last seen (UTC, from message times),
    conversations, whether any occurrence is valid, the best confidence, one example context, the senders,
    the first message ids and item ids, and the provenances (first ``MAX_IDS``)."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ind in indicators:
        side = str(ind.extra.get("side") or "offender")
        key = (side, ind.kind, ind.normalized)
        ts = ind.extra.get("timestamp_utc")
        conv = ind.extra.get("conversation")
        row = rows.get(key)
        if row is None:
            row = rows[key] = {
                "side": side,
                "kind": ind.kind,
                "normalized": ind.normalized,
                "value": ind.value,
                "count": 0,
                "valid": False,
                "confidence": 0.0,
                "first_seen": None,
                "last_seen": None,
                "conversations": [],
                "senders": [],
                "context": ind.context,
                "message_ids": [],
                "item_ids": [],
                "sources": [],
                "extra": {k: v for k, v in ind.extra.items() if k not in _ROW_EXTRA},
            }
        row["count"] += 1
        row["valid"] = row["valid"] or ind.valid
        row["confidence"] = max(row["confidence"], ind.confidence)
        if ts:
            if row["first_seen"] is None or ts < row["first_seen"]:
                row["first_seen"] = ts
            if row["last_seen"] is None or ts > row["last_seen"]:
                row["last_seen"] = ts
        if conv and conv not in row["conversations"]:
            row["conversations"].append(conv)
        sender = ind.extra.get("sender")
        if sender and sender not in row["senders"]:
            row["senders"].append(sender)
        prov = ind.provenance
        ids = row["message_ids"]
        if prov.message_id and prov.message_id not in ids and len(ids) < MAX_IDS:
            ids.append(prov.message_id)
        if prov.item_id and prov.item_id not in row["item_ids"] and len(row["item_ids"]) < MAX_IDS:
            row["item_ids"].append(prov.item_id)
        if len(row["sources"]) < MAX_IDS:
            row["sources"].append(prov.model_dump(mode="json"))
    return sorted(rows.values(), key=_sort_key())


def promote_offenders(rows: list[dict[str, Any]], offenders: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Move participants who are known offenders — (conversation, sender) pairs that made the threats or
    demands — to the offender's side; everyone else stays an "other person in these conversations", and so
    do details written by someone else in a conversation whose offender is known."""
    out: list[dict[str, Any]] = []
    merged: dict[tuple[str, str], dict[str, Any]] = {
        (r["kind"], r["normalized"]): r for r in rows if r["side"] == "offender"
    }
    known = {c for c, _ in offenders}
    for row in rows:
        convs, senders = row["conversations"], row["senders"]
        if (
            row["side"] == "offender"
            and senders
            and convs
            and all(c in known for c in convs)
            and not any((c, s) in offenders for c in convs for s in senders)
        ):
            # written by someone else in a conversation whose offender is known: not the offender's
            out.append({**row, "side": "participant"})
            continue
        if row["side"] == "participant" and any(
            (c, s) in offenders for c in row["conversations"] for s in row["senders"]
        ):
            row = {**row, "side": "offender", "extra": {**row["extra"], "source": "sender"}}
            same = merged.get((row["kind"], row["normalized"]))
            if same is not None:  # the offender also wrote it in a message: one row
                same["count"] += row["count"]
                same["message_ids"] = (same["message_ids"] + row["message_ids"])[:MAX_IDS]
                continue
        out.append(row)
    return sorted(out, key=_sort_key())
