"""Load many cases' identifiers at once, without packages: a migration from another system's records,
and the scale benchmarks. Each case gets a summary and encrypted, blind-indexed identifiers exactly as an
ingest stores them, so linking and PSI treat them the same."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from haven.console import audit
from haven.console.crypto import ConsoleKey
from haven.console.db import cases, identifiers
from haven.console.identifiers import parse


def bulk_load(
    engine: Engine,
    key: ConsoleKey,
    records: Iterable[tuple[str, list[str]]],
    *,
    unit: str = "default",
    actor: str = "bulk-load",
    batch: int = 20_000,
) -> int:
    """Store ``(case_id, ["btc:…", "phone:…"])`` records; returns the number of identifier rows written."""
    now = datetime.now(UTC)
    case_rows: list[dict[str, object]] = []
    id_rows: list[dict[str, object]] = []
    written = 0

    def flush() -> None:
        nonlocal written
        with engine.begin() as conn:
            if case_rows:
                conn.execute(insert(cases), case_rows)
            if id_rows:
                conn.execute(insert(identifiers), id_rows)
        written += len(id_rows)
        case_rows.clear()
        id_rows.clear()

    count = 0
    for case_id, values in records:
        count += 1
        summary: dict[str, object] = {
            "reference": None,
            "month": now.strftime("%Y-%m"),
            "platforms": [],
            "messages": 0,
            "age": None,
            "minor": None,
            "age_band": "not known",
            "payment_methods": [],
            "demanded": [],
            "paid": [],
            "identifiers": len(values),
            "package_sha256": "",
            "bulk": True,
        }
        case_rows.append(
            {
                "id": case_id,
                "unit": unit,
                "ingested_at": now,
                "ingested_by": actor,
                "package_sha256": f"bulk:{case_id}",
                "summary_enc": key.encrypt(json.dumps(summary).encode(), f"summary:{case_id}"),
            }
        )
        for value in values:
            lid = parse(value)
            if lid is None:
                continue
            id_rows.append(
                {
                    "case_id": case_id,
                    "token": key.token(lid.identifier),
                    "kind": lid.kind,
                    "weight": lid.weight,
                    "value_enc": key.encrypt_text(lid.identifier, f"id:{case_id}"),
                }
            )
        if len(id_rows) >= batch:
            flush()
    flush()
    audit.record(engine, key, actor, "bulk-load", "", cases=count, identifiers=written)
    return written
