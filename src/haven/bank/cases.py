"""Cases: a person's submitted hashes, with a case number, a PIN and the StopNCII status vocabulary.

The PIN is argon2-hashed. Wrong PINs are counted per case: after ``MAX_PIN_FAILURES`` the case is locked
for ``LOCK_SECONDS`` (brute force then takes centuries). Each check reserves its attempt atomically before
argon2 runs (one conditional ``UPDATE … RETURNING``), so concurrent requests on any number of workers get
at most ``MAX_PIN_FAILURES`` PINs evaluated per lock window. Case numbers and PINs never leave this module
towards platforms: matches name only the bank signal id.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError

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


CLIENT_NUMBER = re.compile(r"^HVN-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")  # haven protect's numbers
VERIFIER = re.compile(r"^[0-9a-f]{64}$")


def _check_signals(validated: list[tuple[str, str]]) -> None:
    if not validated:
        raise CaseError("a case needs at least one signal", 422)
    if len(validated) > MAX_SIGNALS_PER_CASE:
        raise CaseError(f"a case holds at most {MAX_SIGNALS_PER_CASE} signals", 422)


def _insert_case(
    conn: Any, number: str, pin_hash: str, validated: list[tuple[str, str]], submitted_by: str, bank: str
) -> list[int]:
    now = _now()
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
    return ids


def client_number(number: str) -> str:
    """A ``haven protect`` case number, normalised (CaseError 422 when it is not one)."""
    number = number.strip().upper()
    if not CLIENT_NUMBER.match(number):
        raise CaseError("The case number should look like HVN-7K2M-Q9TD (from haven protect).", 422)
    return number


def create_case(
    engine: Engine,
    validated: list[tuple[str, str]],
    submitted_by: str,
    bank: str = DEFAULT_BANK,
    number: str | None = None,
) -> NewCase:
    """Store a case with already-validated ``(signal_type, normalised value)`` pairs, in one transaction,
    with a new PIN. ``number``: the person's own ``haven protect`` case number, kept as the bank's (409
    when another case has it); default: a new bank number."""
    _check_signals(validated)
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    pin_hash = _hasher.hash(pin)
    own = None if number is None else client_number(number)
    try:
        with engine.begin() as conn:
            if own is not None:
                if conn.execute(select(cases.c.id).where(cases.c.number == own)).first() is not None:
                    raise CaseError("This case number is already used at this bank.", 409)
                chosen = own
            else:
                for _ in range(5):
                    chosen = "HVN-" + secrets.token_hex(5).upper()
                    if conn.execute(select(cases.c.id).where(cases.c.number == chosen)).first() is None:
                        break
            ids = _insert_case(conn, chosen, pin_hash, validated, submitted_by, bank)
    except IntegrityError:
        raise CaseError("This case number is already used at this bank.", 409) from None
    return NewCase(chosen, pin, CaseStatus.Active.value, ids)


def register_case(
    engine: Engine,
    number: str,
    verifier: str,
    validated: list[tuple[str, str]],
    submitted_by: str,
    bank: str = DEFAULT_BANK,
) -> tuple[NewCase, bool]:
    """Store a case under the number the person's own device chose (``haven protect``), so the victim has
    one case number everywhere. ``verifier`` stands in for the PIN (the device derives it from the PIN; the
    bank never sees the PIN) and is kept argon2-hashed like a PIN. Returns (case, created): sending the same
    number with the same verifier again is answered with the existing case (a retried request); the number
    taken by any other case is refused (409), and a wrong verifier counts as a wrong PIN."""
    number = client_number(number)
    if not VERIFIER.match(verifier):
        raise CaseError("pin_verifier should be 64 hexadecimal characters.", 422)
    _check_signals(validated)
    pin_hash = _hasher.hash(verifier)
    try:
        with engine.begin() as conn:
            taken = conn.execute(select(cases.c.id).where(cases.c.number == number)).first()
            if taken is None:
                ids = _insert_case(conn, number, pin_hash, validated, submitted_by, bank)
                return NewCase(number, "", CaseStatus.Active.value, ids), True
    except IntegrityError:  # registered by a concurrent request a moment ago
        pass
    try:
        row = _check_pin(engine, number, verifier)
    except CaseError as exc:
        if exc.status == 404:
            raise CaseError("This case number is already used at this bank.", 409) from None
        raise
    if row.bank != bank:
        raise CaseError("This case number is already used at this bank.", 409)
    with engine.connect() as conn:
        found = conn.execute(select(signals.c.id).where(signals.c.case_id == row.id)).scalars().all()
    return NewCase(number, "", row.status, [int(i) for i in found]), False


def _reserve_attempt(conn: Any, number: str, now: float) -> Any:
    """Take one of the window's ``MAX_PIN_FAILURES`` attempts in a single conditional ``UPDATE …
    RETURNING`` (atomic on SQLite and PostgreSQL, across every worker): the attempt is counted *before*
    the PIN is checked, and the one that fills the window sets the lock in the same statement. None when
    the case is locked (or unknown)."""
    expired = and_(cases.c.locked_until > 0, cases.c.locked_until <= now)
    stmt = (
        update(cases)
        .where(
            cases.c.number == number,
            or_(expired, and_(cases.c.locked_until <= now, cases.c.failed_pins < MAX_PIN_FAILURES)),
        )
        .values(
            failed_pins=sql_case((expired, 1), else_=cases.c.failed_pins + 1),
            locked_until=sql_case(
                (expired, 0.0 if MAX_PIN_FAILURES > 1 else now + LOCK_SECONDS),
                (cases.c.failed_pins + 1 >= MAX_PIN_FAILURES, now + LOCK_SECONDS),
                else_=cases.c.locked_until,
            ),
        )
        .returning(cases.c.id, cases.c.pin_hash)
    )
    return conn.execute(stmt).first()


def _check_pin(engine: Engine, number: str, pin: str) -> Any:
    """The case row if ``pin`` is right. At most ``MAX_PIN_FAILURES`` PINs are ever checked per lock
    window, however many requests arrive at once: each check first reserves an attempt atomically."""
    now = time.time()
    with engine.begin() as conn:
        reserved = _reserve_attempt(conn, number, now)
        if reserved is None:
            row = conn.execute(select(cases.c.locked_until).where(cases.c.number == number)).first()
    if reserved is None:
        if row is None:
            raise CaseError("No case has this number and PIN.", 404)
        wait = max(int(row.locked_until - now) + 1, 1)
        raise CaseError(f"Too many wrong PINs. Please try again in {wait // 60 + 1} minutes.", 429, wait)
    right: bool
    try:  # argon2 runs outside any transaction: no lock is held while it works
        right = _hasher.verify(reserved.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        right = False
    if not right:
        raise CaseError("No case has this number and PIN.", 404)  # the attempt stays counted
    with engine.begin() as conn:  # the right PIN starts a fresh window
        conn.execute(update(cases).where(cases.c.id == reserved.id).values(failed_pins=0, locked_until=0.0))
        return conn.execute(select(cases).where(cases.c.id == reserved.id)).first()


def get_case(engine: Engine, number: str, pin: str) -> dict[str, Any]:
    """The case's status and, per signal, its status and the platforms' feedback counts."""
    row = _check_pin(engine, number, pin)
    with engine.connect() as conn:
        sigs = conn.execute(
            select(signals.c.id, signals.c.signal_type, signals.c.value, signals.c.active)
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
                "signal": s.value,  # the person's own hashes (the PIN was checked); CaseOut leaves it out
                "signal_id": int(s.id),
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
