"""The audit log: who did what, when, to which case — every sign-in, view, search, ingest, export,
deletion and PSI run. Rows are ``core.LedgerEntry`` records (the vault ledger's hash chain); the database
refuses UPDATE and DELETE on the table, and the head (last sequence number and hash) is kept in
``console_meta`` with an HMAC under the console key, so a cut tail or a rewritten chain is found by
``verify``. Appends are serialised by a conditional UPDATE of that head (compare-and-swap), so two
workers can never both write entry *n*.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from haven.console.crypto import ConsoleKey
from haven.console.db import audit, meta
from haven.core.models import GENESIS, LedgerEntry, verify_chain

HEAD = "audit_head"
CHAIN_FORMAT = "haven-console-audit/1"  # in every entry, so a new Haven version re-checks old entries


def _seal(key: ConsoleKey, seq: int, entry_hash: str) -> str:
    mac = hmac.new(key.master, f"audit:{seq}:{entry_hash}".encode(), hashlib.sha256).hexdigest()
    return f"{seq}:{entry_hash}:{mac}"


def _append(
    conn: Connection, key: ConsoleKey, actor: str, action: str, target: str, detail: dict[str, Any]
) -> LedgerEntry:
    head = conn.execute(select(meta.c.value).where(meta.c.key == HEAD)).scalar()
    if head is None:
        seq, prev = 0, GENESIS
    else:
        last, prev, _ = str(head).split(":")
        seq = int(last) + 1
    entry = LedgerEntry(
        seq=seq,
        time_utc=datetime.now(UTC),
        tool_version=CHAIN_FORMAT,
        action=action,
        params={"actor": actor, "target": target, **detail},
        prev_hash=prev,
    ).sealed()
    conn.execute(
        insert(audit).values(
            seq=seq,
            time_utc=entry.time_utc,
            actor=actor,
            action=action,
            target=target,
            detail=entry.params,
            prev_hash=prev,
            entry_hash=entry.entry_hash,
        )
    )
    new = _seal(key, seq, entry.entry_hash)
    if head is None:
        conn.execute(insert(meta).values(key=HEAD, value=new))
    elif (
        conn.execute(meta.update().where(meta.c.key == HEAD, meta.c.value == head).values(value=new)).rowcount
        != 1
    ):
        raise IntegrityError("audit head moved", None, Exception("concurrent append"))
    return entry


def record(
    engine: Engine,
    key: ConsoleKey,
    actor: str,
    action: str,
    target: str = "",
    conn: Connection | None = None,
    **detail: Any,
) -> LedgerEntry:
    """Append one entry; inside ``conn``'s transaction when given (the action and its log commit together)."""
    if conn is not None:
        return _append(conn, key, actor, action, target, detail)
    for attempt in range(50):
        try:
            with engine.begin() as c:
                return _append(c, key, actor, action, target, detail)
        except (IntegrityError, OperationalError):
            time.sleep(0.01 * (attempt + 1))
    raise RuntimeError("the audit log is busy; the action was not done")


def entries(engine: Engine, limit: int | None = None) -> list[LedgerEntry]:
    q = select(audit).order_by(audit.c.seq.desc() if limit else audit.c.seq)
    if limit:
        q = q.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [
        LedgerEntry(
            seq=r["seq"],
            time_utc=_utc(r["time_utc"]),
            tool_version=CHAIN_FORMAT,
            action=r["action"],
            params={**r["detail"], "actor": r["actor"], "target": r["target"]},
            prev_hash=r["prev_hash"],
            entry_hash=r["entry_hash"],
        )
        for r in rows
    ]


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def verify(engine: Engine, key: ConsoleKey) -> list[str]:
    """Every problem with the audit log (empty: intact, and it ends at the sealed head)."""
    chain = entries(engine)
    problems = verify_chain(chain)
    with engine.connect() as conn:
        head = conn.execute(select(meta.c.value).where(meta.c.key == HEAD)).scalar()
    if head is None:
        if chain:
            problems.append("the log has entries but no sealed head")
        return problems
    seq, entry_hash, _ = str(head).split(":")
    if not hmac.compare_digest(str(head), _seal(key, int(seq), entry_hash)):
        problems.append("the sealed head is not signed by this console's key (it was changed)")
    if not chain or chain[-1].seq != int(seq) or chain[-1].entry_hash != entry_hash:
        problems.append("the log does not end at the sealed head (entries were cut or added)")
    return problems
