"""Cases: a person's submitted hashes, with a case number, a PIN and the StopNCII status vocabulary.

The PIN is argon2-hashed. Wrong PINs are counted per case: after ``MAX_PIN_FAILURES`` the case is locked
for ``LOCK_SECONDS`` (brute force then takes centuries). Case numbers and PINs never leave this module
towards platforms: matches name only the bank signal id.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update

from haven.bank.db import cases, events, feedback, signals

MAX_PIN_FAILURES = 5
LOCK_SECONDS = 15 * 60
PIN_DIGITS = 8
MAX_SIGNALS_PER_CASE = 1000
DEFAULT_BANK = "haven"

_hasher = PasswordHasher()


class CaseStatus(StrEnum):
    """StopNCII's case status vocabulary (python-threatexchange ``StopNCIICaseStatus``)."""

    Received = "Received"
    Active = "Active"
    Withdrawn = "Withdrawn"
    Deleted = "Deleted"


class Feedback(StrEnum):
    """What a platform did about a match (StopNCII ``StopNCIICSPFeedbackValue``)."""

    PendingReview = "PendingReview"
    Blocked = "Blocked"
    NotBlocked = "NotBlocked"


class CaseError(Exception):
    """A case operation refused; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass
class NewCase:
    case_number: str
    pin: str
    status: str
    signal_ids: list[int] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def signals_from_export(data: Any) -> list[dict[str, Any]]:
    """``{"signals": [...]}`` (the API's shape) or a ``haven protect`` submission export
    (``"format": "haven-protect-submission/1"``, a ``hashes`` list per file) as API signals."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if "signals" in data:
        return list(data["signals"])
    if str(data.get("format", "")).startswith("haven-protect-submission/") and isinstance(
        data.get("hashes"), list
    ):
        out: list[dict[str, Any]] = []
        for item in data["hashes"]:
            for stype in ("pdq", "vpdq", "md5", "sha256"):
                if isinstance(item, dict) and item.get(stype):
                    out.append({"signal_type": stype, "signal": item[stype]})
        return out
    raise ValueError('expected {"signals": [...]} or a haven protect submission export')


def create_case(
    engine: Engine, validated: list[tuple[str, str]], submitted_by: str, bank: str = DEFAULT_BANK
) -> NewCase:
    """Store a case with already-validated ``(signal_type, normalised value)`` pairs, in one transaction."""
    if not validated:
        raise CaseError("a case needs at least one signal", 422)
    if len(validated) > MAX_SIGNALS_PER_CASE:
        raise CaseError(f"a case holds at most {MAX_SIGNALS_PER_CASE} signals", 422)
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    pin_hash = _hasher.hash(pin)
    now = _now()
    with engine.begin() as conn:
        for _ in range(5):
            number = "HVN-" + secrets.token_hex(5).upper()
            if conn.execute(select(cases.c.id).where(cases.c.number == number)).first() is None:
                break
        case_id = conn.execute(
            insert(cases)
            .values(
                number=number,
                pin_hash=pin_hash,
                status=CaseStatus.Active.value,
                bank=bank,
                submitted_by=submitted_by,
                created_at=now,
                updated_at=now,
                failed_pins=0,
                locked_until=0.0,
            )
            .returning(cases.c.id)
        ).scalar_one()
        ids = []
        for signal_type, value in dict.fromkeys(validated):  # duplicates within a case stored once
            sid = conn.execute(
                insert(signals)
                .values(
                    case_id=case_id,
                    bank=bank,
                    signal_type=signal_type,
                    value=value,
                    active=True,
                    created_at=now,
                )
                .returning(signals.c.id)
            ).scalar_one()
            conn.execute(insert(events).values(signal_id=sid, op="add", created_at=now))
            ids.append(sid)
    return NewCase(number, pin, CaseStatus.Active.value, ids)


def _check_pin(engine: Engine, number: str, pin: str) -> Any:
    """The case row if ``pin`` is right; counts failures and locks the case after too many."""
    with engine.begin() as conn:
        row = conn.execute(select(cases).where(cases.c.number == number)).first()
        if row is None:
            raise CaseError("No case has this number and PIN.", 404)
        now = time.time()
        if row.locked_until > now:
            wait = int(row.locked_until - now) + 1
            raise CaseError(f"Too many wrong PINs. Please try again in {wait // 60 + 1} minutes.", 429, wait)
        try:
            _hasher.verify(row.pin_hash, pin)
            right = True
        except (VerificationError, InvalidHashError):
            right = False
        if right:
            if row.failed_pins:
                conn.execute(update(cases).where(cases.c.id == row.id).values(failed_pins=0))
            return row
        failures = row.failed_pins + 1
        locked = now + LOCK_SECONDS if failures >= MAX_PIN_FAILURES else 0.0
        conn.execute(
            update(cases)
            .where(cases.c.id == row.id)
            .values(failed_pins=0 if locked else failures, locked_until=locked)
        )
    # raised after the commit, so the failure count is kept
    raise CaseError("No case has this number and PIN.", 404)


def get_case(engine: Engine, number: str, pin: str) -> dict[str, Any]:
    """The case's status and, per signal, its status and the platforms' feedback counts."""
    row = _check_pin(engine, number, pin)
    with engine.connect() as conn:
        sigs = conn.execute(
            select(signals.c.id, signals.c.signal_type, signals.c.active)
            .where(signals.c.case_id == row.id)
            .order_by(signals.c.id)
        ).all()
        counts: dict[int, dict[str, int]] = {}
        if sigs:
            latest = (
                select(feedback.c.signal_id, feedback.c.platform, func.max(feedback.c.id).label("last"))
                .where(feedback.c.signal_id.in_([s.id for s in sigs]))
                .group_by(feedback.c.signal_id, feedback.c.platform)
                .subquery()
            )
            for sid, value in conn.execute(
                select(feedback.c.signal_id, feedback.c.value).join(latest, feedback.c.id == latest.c.last)
            ):
                per = counts.setdefault(sid, {})
                per[value] = per.get(value, 0) + 1
    return {
        "case_number": row.number,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "signals": [
            {
                "signal_type": s.signal_type,
                "status": CaseStatus.Active.value if s.active else CaseStatus.Withdrawn.value,
                "feedback": {f.value: counts.get(s.id, {}).get(f.value, 0) for f in Feedback},
            }
            for s in sigs
        ],
    }


def withdraw_case(engine: Engine, number: str, pin: str) -> dict[str, Any]:
    """Withdraw every signal of the case (they stop matching) and mark it Withdrawn. Idempotent."""
    row = _check_pin(engine, number, pin)
    now = _now()
    with engine.begin() as conn:
        active = (
            conn.execute(select(signals.c.id).where(signals.c.case_id == row.id, signals.c.active.is_(True)))
            .scalars()
            .all()
        )
        if active:
            conn.execute(
                update(signals).where(signals.c.id.in_(active)).values(active=False, withdrawn_at=now)
            )
            conn.execute(
                insert(events), [{"signal_id": s, "op": "remove", "created_at": now} for s in active]
            )
        conn.execute(
            update(cases)
            .where(cases.c.id == row.id)
            .values(status=CaseStatus.Withdrawn.value, updated_at=now)
        )
    return {"case_number": row.number, "status": CaseStatus.Withdrawn.value, "withdrawn_signals": len(active)}


def add_feedback(engine: Engine, signal_id: int, platform: str, value: Feedback, tags: list[str]) -> None:
    """Record a platform's feedback on a bank signal (the latest per platform counts)."""
    with engine.begin() as conn:
        if conn.execute(select(signals.c.id).where(signals.c.id == signal_id)).first() is None:
            raise CaseError(f"No bank signal has id {signal_id}.", 404)
        conn.execute(
            insert(feedback).values(
                signal_id=signal_id, platform=platform, value=value.value, tags=tags, created_at=_now()
            )
        )
