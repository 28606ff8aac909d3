"""Named banks and their content (HMA's ``BankConfig`` and ``BankContentConfig``), stored beside the cases.

A bank is a name with a ``matching_enabled_ratio`` (1.0 on, 0.0 off, between: that share of lookups) and
free metadata. A bank with signals but no row (such as ``haven``, where cases land by default) is fully
enabled. A content item is a case: its id is the case id, its signals the case's signals; curation details
(metadata, note, ``disable_until_ts``) live in ``bank_content``. Removing content withdraws its signals
through the same event feed, so every worker stops matching them within a second.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from haven.bank import cases as case_ops
from haven.bank.db import bank_content, banks, cases, events, signals

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$")
CONTENT_KEYS = frozenset({"content_id", "content_uri", "json"})
MAX_NOTE = 255


class BankError(ValueError):
    """A curation request that cannot be done: ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _now() -> datetime:
    return datetime.now(UTC)


def config(name: str, ratio: float) -> dict[str, Any]:
    """HMA's BankConfig shape."""
    return {"name": name, "matching_enabled_ratio": float(ratio)}


def list_banks(engine: Engine) -> list[dict[str, Any]]:
    """Every bank: the configured ones and any holding live signals without a row (enabled)."""
    with engine.connect() as conn:
        rows = {r.name: r.matching_enabled_ratio for r in conn.execute(select(banks))}
        used = (
            conn.execute(select(signals.c.bank).where(signals.c.active.is_(True)).distinct()).scalars().all()
        )
    for name in used:
        rows.setdefault(name, 1.0)
    return [config(n, r) for n, r in sorted(rows.items())]


def get_bank(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(banks).where(banks.c.name == name)).first()
        if row is not None:
            return config(row.name, row.matching_enabled_ratio)
        used = conn.execute(
            select(signals.c.id).where(signals.c.bank == name, signals.c.active.is_(True)).limit(1)
        ).first()
    return config(name, 1.0) if used is not None or name == case_ops.DEFAULT_BANK else None


def _ratio(data: dict[str, Any], default: float | None) -> float | None:
    if data.get("enabled_ratio") is not None:
        try:
            ratio = float(data["enabled_ratio"])
        except (TypeError, ValueError):
            raise BankError("enabled_ratio must be a number from 0 to 1") from None
        if not 0.0 <= ratio <= 1.0:
            raise BankError("enabled_ratio must be a number from 0 to 1")
        return ratio
    if data.get("enabled") is not None:
        value = data["enabled"]
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "on")
        return 1.0 if value else 0.0
    return default


def create_bank(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise BankError("name is required: letters, digits, _ or -, at most 100")
    if get_bank(engine, name) is not None:
        raise BankError("Bank already exists", 403)
    ratio = _ratio(data, 1.0)
    meta = data.get("metadata") or {}
    if not isinstance(meta, dict):
        raise BankError("metadata should be a JSON object")
    with engine.begin() as conn:
        conn.execute(
            insert(banks).values(name=name, matching_enabled_ratio=ratio, metadata=meta, created_at=_now())
        )
    return config(name, ratio or 0.0)


def update_bank(engine: Engine, name: str, data: dict[str, Any]) -> dict[str, Any]:
    found = get_bank(engine, name)
    if found is None:
        raise BankError("Bank not found", 404)
    if data.get("name") not in (None, name):
        raise BankError("Haven does not rename banks: make a new bank and move content instead")
    ratio = _ratio(data, found["matching_enabled_ratio"])
    with engine.begin() as conn:
        done = conn.execute(
            update(banks).where(banks.c.name == name).values(matching_enabled_ratio=ratio)
        ).rowcount
        if not done:
            conn.execute(
                insert(banks).values(name=name, matching_enabled_ratio=ratio, metadata={}, created_at=_now())
            )
    return config(name, ratio or 0.0)


def _withdraw(conn: Any, where: Any) -> int:
    ids = conn.execute(select(signals.c.id).where(where, signals.c.active.is_(True))).scalars().all()
    if ids:
        now = _now()
        conn.execute(update(signals).where(signals.c.id.in_(ids)).values(active=False, withdrawn_at=now))
        conn.execute(insert(events), [{"signal_id": s, "op": "remove", "created_at": now} for s in ids])
    return len(ids)


def delete_bank(engine: Engine, name: str) -> int:
    """Withdraw every signal of the bank and forget its configuration."""
    with engine.begin() as conn:
        gone = _withdraw(conn, signals.c.bank == name)
        conn.execute(delete(banks).where(banks.c.name == name))
    return gone


def check_metadata(meta: Any) -> dict[str, Any] | None:
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise BankError("metadata should be a json object")
    unexpected = set(meta) - CONTENT_KEYS
    if unexpected:
        raise BankError(f"metadata contains unexpected keys: {' ,'.join(sorted(unexpected))}")
    return meta or None


def check_note(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise BankError(f"note must be text of at most {MAX_NOTE} characters")
    return note


def add_content(
    engine: Engine,
    bank: str,
    validated: list[tuple[str, str]],
    by: str,
    metadata: dict[str, Any] | None = None,
    note: str | None = None,
) -> int:
    """A new content item (a case in ``bank``) with validated signals; returns its id."""
    try:
        new = case_ops.create_case(engine, validated, by, bank)
    except case_ops.CaseError as exc:
        raise BankError(exc.message, 400) from None
    with engine.begin() as conn:
        case_id = conn.execute(select(cases.c.id).where(cases.c.number == new.case_number)).scalar_one()
        conn.execute(
            insert(bank_content).values(case_id=case_id, metadata=metadata, note=note, disable_until_ts=0)
        )
    return int(case_id)


def get_content(engine: Engine, bank: str, content_id: int) -> dict[str, Any] | None:
    """Everything about one content item, or None when the bank has no such item."""
    with engine.connect() as conn:
        case = conn.execute(
            select(cases.c.id, cases.c.bank).where(cases.c.id == content_id, cases.c.bank == bank)
        ).first()
        if case is None:
            return None
        extra = conn.execute(select(bank_content).where(bank_content.c.case_id == content_id)).first()
        sigs = conn.execute(
            select(signals.c.signal_type, signals.c.value).where(
                signals.c.case_id == content_id, signals.c.active.is_(True)
            )
        ).all()
    return {
        "id": int(case.id),
        "disable_until_ts": int(extra.disable_until_ts) if extra else 0,
        "original_media_uri": None,
        "bank": get_bank(engine, bank) or config(bank, 1.0),
        "signals": dict(sigs),
        "metadata": extra.metadata if extra else None,
        "note": extra.note if extra else None,
    }


def update_content(engine: Engine, bank: str, content_id: int, data: dict[str, Any]) -> dict[str, Any]:
    found = get_content(engine, bank, content_id)
    if found is None:
        raise BankError(f"content '{content_id}' not found", 404)
    values: dict[str, Any] = {}
    if "disable_until_ts" in data:
        try:
            ts = int(data["disable_until_ts"])
        except (TypeError, ValueError):
            raise BankError("disable_until_ts must be a non-negative integer") from None
        if ts < 0:
            raise BankError("disable_until_ts must be a non-negative integer")
        if ts > time.time() + 5 * 365 * 86400:
            raise BankError("disable_until_ts must be less than 5 years in the future")
        values["disable_until_ts"] = ts
    if "note" in data:
        values["note"] = check_note(data["note"])
    if values:
        with engine.begin() as conn:
            done = conn.execute(
                update(bank_content).where(bank_content.c.case_id == content_id).values(**values)
            ).rowcount
            if not done:
                row = {"case_id": content_id, "disable_until_ts": 0, **values}
                conn.execute(insert(bank_content).values(**row))
    return get_content(engine, bank, content_id) or found


def remove_content(engine: Engine, bank: str, content_id: int) -> int:
    """Withdraw the item's signals (they stop matching); returns how many were live."""
    with engine.begin() as conn:
        return _withdraw(conn, (signals.c.case_id == content_id) & (signals.c.bank == bank))


def contents_of(engine: Engine, signal_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Signal id -> (content id, disable_until_ts) for matched signals."""
    if not signal_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(signals.c.id, signals.c.case_id, func.coalesce(bank_content.c.disable_until_ts, 0))
            .outerjoin(bank_content, bank_content.c.case_id == signals.c.case_id)
            .where(signals.c.id.in_(signal_ids))
        ).all()
    return {int(sid): (int(cid), int(ts)) for sid, cid, ts in rows}
