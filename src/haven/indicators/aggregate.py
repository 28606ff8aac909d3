"""Per-case summary of findings: one row per (kind, normalised value) with how often, when and where."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from haven.core.models import Indicator
from haven.indicators.base import KINDS


def aggregate(indicators: Iterable[Indicator]) -> list[dict[str, Any]]:
    """Deduplicate by (kind, normalized): count, first/last seen (UTC, from message times), conversations,
    whether any occurrence is valid, the best confidence, one example context and the provenances."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for ind in indicators:
        key = (ind.kind, ind.normalized)
        ts = ind.extra.get("timestamp_utc")
        conv = ind.extra.get("conversation")
        row = rows.get(key)
        if row is None:
            row = rows[key] = {
                "kind": ind.kind,
                "normalized": ind.normalized,
                "value": ind.value,
                "count": 0,
                "valid": False,
                "confidence": 0.0,
                "first_seen": None,
                "last_seen": None,
                "conversations": [],
                "context": ind.context,
                "sources": [],
                "extra": {k: v for k, v in ind.extra.items() if k not in ("timestamp_utc", "conversation")},
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
        row["sources"].append(ind.provenance.model_dump(mode="json"))
    order = {name: i for i, name in enumerate(KINDS.names())}
    return sorted(rows.values(), key=lambda r: (order.get(r["kind"], 99), -r["count"], r["normalized"]))
