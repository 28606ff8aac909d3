"""Bulk writes into a bank: a page of adds and withdrawals (from an exchange such as StopNCII) applied in
one transaction, with the page's checkpoint, through the database driver's bulk paths.

Each new hash becomes one content item (a case in the bank, as :func:`haven.bank.banks.add_content` makes
one), but without a PIN: nobody outside the exchange holds the case, so its ``pin_hash`` is ``!exchange``,
which no PIN opens, and its number is ``EXCH-<id>``. A hash already live in the bank is not added twice; a
withdrawn one withdraws every live signal of the bank with that value. Every change is written to the
``events`` feed like any other, so serving workers and mirrors follow it as usual.

Speed (issue 18: 1,000,000 fetched hashes in 60 s): rows are written with the driver's ``executemany`` on
SQLite and ``COPY`` on PostgreSQL; ids are reserved up front (SQLite: after taking the write lock, so no
other writer can take them; PostgreSQL: from the tables' sequences), so cases, signals and events go in as
three bulk writes per page. Whether a value is already live is answered from memory: a
:class:`BankWriter` reads the bank's live signals once, then, inside each page's transaction, the events
written since (by anyone), so its picture is that of the database at that moment (no index on values is
needed; it costs ~200 bytes of memory per live hash of the bank while a fetch runs).

The checkpoint (``bank_meta`` keys given by the caller) is written in the same transaction as the page, so
a fetch that is stopped or killed resumes after the last page that was stored, never half-way through one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, insert, select, text, update

from haven.bank.cases import CaseStatus
from haven.bank.db import bank_meta, events, signals

NO_PIN = "!exchange"  # not an argon2 hash: no PIN opens an exchange's case
_SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime format


_LENGTH = {"pdq": 64, "md5": 32, "sha256": 64}  # hex digits of the checked types
_HEX = {kind: re.compile(f"[0-9a-f]{{{n}}}") for kind, n in _LENGTH.items()}


@dataclass
class Applied:
    added: int = 0
    withdrawn: int = 0
    skipped: int = 0  # adds whose value is not a well-formed hash of its type


def well_formed(signal_type: str, value: str) -> bool:
    """A lower-case hex hash of the right length for the exact and PDQ types (others are not checked)."""
    pattern = _HEX.get(signal_type)
    return pattern is None or pattern.fullmatch(value) is not None


_HEX_LINES = {kind: re.compile(f"[0-9a-f]{{{n}}}(?:\n[0-9a-f]{{{n}}})*") for kind, n in _LENGTH.items()}


def _keep_well_formed(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``keys`` without malformed values; a page of one type is checked in one pass over its values
    joined a line each (one regular-expression match, no per-value call)."""
    kinds = {t for t, _v in keys}
    if len(kinds) == 1:
        (kind,) = kinds
        lines = _HEX_LINES.get(kind)
        if lines is None:
            return keys
        if lines.fullmatch("\n".join([v for _t, v in keys])):
            return keys
    return [k for k in keys if well_formed(*k)]


def _set_meta(conn: Any, values: Mapping[str, str]) -> None:
    for key, value in values.items():
        if conn.execute(update(bank_meta).where(bank_meta.c.key == key).values(value=value)).rowcount == 0:
            conn.execute(insert(bank_meta).values(key=key, value=value))


def _reserve_ids(conn: Any, table: str, count: int) -> list[int]:
    """``count`` fresh ids for ``table`` (the caller holds SQLite's write lock)."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":  # one row holding them all (an array: no per-id row)
        ids = conn.execute(
            text(
                "SELECT array_agg(nextval(q.s)) FROM generate_series(1, :n), "
                "(SELECT pg_get_serial_sequence(:t, 'id')::regclass AS s) q"
            ),
            {"t": table, "n": count},
        ).scalar_one()
        return sorted(ids)
    top = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
    return list(range(top + 1, top + 1 + count))


def _write_sqlite(
    conn: Any,
    rows: _Rows,
    gone: list[int],
    now: datetime,
) -> None:
    """The rows in a few statements (ids are consecutive here: the write lock is held): the cases and the
    ``add`` events made by SQLite itself from the id ranges, the signals of one type from one JSON array
    of their values (``json_each``: ~3x less work than ``executemany``'s per-row binding)."""
    stamp = now.strftime(_SQLITE_STAMP)
    cur = conn.connection.driver_connection.cursor()
    try:
        if gone:
            cur.executemany(
                "UPDATE signals SET active = 0, withdrawn_at = ? WHERE id = ?", [(stamp, s) for s in gone]
            )
            cur.executemany(
                "INSERT INTO events (signal_id, op, created_at) VALUES (?, 'remove', ?)",
                [(s, stamp) for s in gone],
            )
        if rows.new:
            case_lo, signal_lo, count = rows.case_ids[0], rows.signal_ids[0], len(rows.new)
            cur.execute(
                "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO cases (id, number, pin_hash, status, bank, submitted_by, created_at, "
                "updated_at, failed_pins, locked_until) SELECT i, 'EXCH-' || i, ?, ?, ?, ?, ?, ?, 0, 0.0 "
                "FROM n",
                (case_lo, case_lo + count - 1, NO_PIN, rows.status, rows.bank, rows.by, stamp, stamp),
            )
            kinds = {stype for stype, _v in rows.new}
            if len(kinds) == 1:
                cur.execute(
                    "INSERT INTO signals (id, case_id, bank, signal_type, value, active, created_at) "
                    "SELECT ? + key, ? + key, ?, ?, value, 1, ? FROM json_each(?) ORDER BY key",
                    (
                        signal_lo,
                        case_lo,
                        rows.bank,
                        kinds.pop(),
                        stamp,
                        orjson.dumps([v for _t, v in rows.new]).decode(),
                    ),
                )
            else:
                cur.executemany(
                    "INSERT INTO signals (id, case_id, bank, signal_type, value, active, created_at) "
                    f"VALUES (?, ?, '{rows.bank.replace(chr(39), chr(39) * 2)}', ?, ?, 1, '{stamp}')",
                    [
                        (sid, cid, stype, value)
                        for sid, cid, (stype, value) in zip(
                            rows.signal_ids, rows.case_ids, rows.new, strict=True
                        )
                    ],
                )
            cur.execute(
                "INSERT INTO events (signal_id, op, created_at) SELECT id, 'add', ? FROM signals "
                "WHERE id BETWEEN ? AND ? ORDER BY id",
                (stamp, signal_lo, signal_lo + count - 1),
            )
    finally:
        cur.close()


def _write_postgres(
    conn: Any,
    rows: _Rows,
    gone: list[int],
    now: datetime,
) -> None:
    """The rows as a few ``INSERT … SELECT FROM unnest(arrays)``: each column of the page is one array
    parameter (sent and read in C by psycopg), so no Python object is made per row (``COPY``'s
    ``write_row`` cost ~10 µs a row here)."""
    cur = conn.connection.driver_connection.cursor()
    try:
        if gone:
            cur.execute(
                "UPDATE signals SET active = false, withdrawn_at = %s WHERE id = ANY(%s)", (now, gone)
            )
            cur.execute(
                "INSERT INTO events (signal_id, op, created_at) "
                "SELECT s, 'remove', %s FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
                (now, gone),
            )
        if rows.new:
            cur.execute(
                "INSERT INTO cases (id, number, pin_hash, status, bank, submitted_by, created_at, "
                "updated_at, failed_pins, locked_until) "
                "SELECT i, 'EXCH-' || i, %s, %s, %s, %s, %s, %s, 0, 0.0 "
                "FROM unnest(%s::bigint[]) AS u(i)",
                (NO_PIN, rows.status, rows.bank, rows.by, now, now, rows.case_ids),
            )
            cur.execute(
                "INSERT INTO signals (id, case_id, bank, signal_type, value, active, created_at) "
                "SELECT s, c, %s, t, v, true, %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                "WITH ORDINALITY AS u(s, c, t, v, n) ORDER BY n",
                (
                    rows.bank,
                    now,
                    rows.signal_ids,
                    rows.case_ids,
                    [stype for stype, _v in rows.new],
                    [value for _t, value in rows.new],
                ),
            )
            cur.execute(
                "INSERT INTO events (signal_id, op, created_at) "
                "SELECT s, 'add', %s FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(s, n) ORDER BY n",
                (now, rows.signal_ids),
            )
    finally:
        cur.close()


@dataclass
class _Rows:
    """A page's new content: ``new[i]`` becomes case ``case_ids[i]`` holding signal ``signal_ids[i]``."""

    bank: str
    by: str
    status: str
    new: list[tuple[str, str]]
    case_ids: list[int]
    signal_ids: list[int]


SCANS = 3  # pages of withdrawals only answered by one scan each before the live set is read instead


def _live_ids(conn: Any, bank: str, keys: list[tuple[str, str]]) -> list[int]:
    """The ids of the bank's live signals with these (type, value) pairs, found by the database in one
    scan (there is no index on values): a fetch that only withdraws, such as the next fetch after a
    big one, need not read the whole bank into memory (measured: 1,000,000 live hashes read into the
    live set cost ~3 CPU-s; one scan costs a fraction of that)."""
    if not keys:
        return []
    types, values = [k[0] for k in keys], [k[1] for k in keys]
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cur.execute(
                "SELECT s.id FROM signals s JOIN unnest(%s::text[], %s::text[]) AS k(t, v) "
                "ON s.signal_type = k.t AND s.value = k.v WHERE s.bank = %s AND s.active ORDER BY s.id",
                (types, values, bank),
            )
        else:
            cur.execute(
                "SELECT id FROM signals WHERE bank = ? AND active = 1 AND signal_type || ' ' || value IN "
                "(SELECT value FROM json_each(?)) ORDER BY id",
                (bank, orjson.dumps([f"{t} {v}" for t, v in keys]).decode()),
            )
        return [int(r[0]) for r in cur.fetchall()]
    finally:
        cur.close()


class BankWriter:
    """Applies pages of adds and withdrawals to one bank (one fetch run; not shared between threads)."""

    def __init__(self, engine: Engine, bank: str, submitted_by: str) -> None:
        self.engine, self.bank, self.submitted_by = engine, bank, submitted_by
        self._live: dict[tuple[str, str], list[int]] | None = None
        self._seq = 0  # the last event reflected in ``_live``
        self._scans = 0  # pages of withdrawals only, answered by the database before ``_live`` is read

    def _catch_up(self, conn: Any) -> dict[tuple[str, str], list[int]]:
        """The bank's live signals as the database has them now (read once, then event by event)."""
        if self._live is None:
            self._seq = int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())
            self._live = {}
            mark = "%s" if conn.dialect.name == "postgresql" else "?"
            cur = conn.connection.driver_connection.cursor()  # plain tuples: ~5x less work than Rows
            try:
                cur.execute(
                    f"SELECT id, signal_type, value FROM signals WHERE bank = {mark} AND active = {mark}",
                    (self.bank, True),
                )
                while rows := cur.fetchmany(50_000):
                    for sid, stype, value in rows:
                        self._live.setdefault((stype, value), []).append(sid)
            finally:
                cur.close()
            return self._live
        rows = conn.execute(
            select(events.c.seq, events.c.op, signals.c.id, signals.c.signal_type, signals.c.value)
            .join(signals, signals.c.id == events.c.signal_id)
            .where(events.c.seq > self._seq, signals.c.bank == self.bank)
            .order_by(events.c.seq)
        ).all()
        for seq, op, sid, stype, value in rows:
            ids = self._live.setdefault((stype, value), [])
            if op == "add" and sid not in ids:
                ids.append(int(sid))
            elif op == "remove" and sid in ids:
                ids.remove(sid)
                if not ids:
                    del self._live[(stype, value)]
            self._seq = max(self._seq, int(seq))
        return self._live

    def apply(
        self,
        adds: Iterable[tuple[str, str]],
        deletes: Iterable[tuple[str, str]] = (),
        meta: Mapping[str, str] | None = None,
    ) -> Applied:
        """Apply one page in one transaction: each ``(signal_type, value)`` of ``adds`` not live in the bank
        becomes a new content item; every live signal of the bank matching one of ``deletes`` is withdrawn;
        ``meta`` (the page's checkpoint) is stored with them. Values must be normalised (lower-case hex);
        malformed adds are skipped. A pair in both lists is withdrawn, not added."""
        gone_keys = list(dict.fromkeys(deletes))
        unique = dict.fromkeys(adds)
        for key in gone_keys:
            unique.pop(key, None)
        add_keys = _keep_well_formed(list(unique))
        skipped = len(unique) - len(add_keys)
        now = datetime.now(UTC)
        bank = self.bank
        with self.engine.begin() as conn:
            # first a write, so SQLite's write lock is held before the live set is read and ids reserved
            conn.execute(
                update(bank_meta).where(bank_meta.c.key == "instance").values(value=bank_meta.c.value)
            )
            _set_meta(conn, meta or {})
            live: dict[tuple[str, str], list[int]] | None = None
            if self._live is None and not add_keys and self._scans < SCANS:
                gone, new = _live_ids(conn, bank, gone_keys), []  # withdrawals only: no live set needed
                self._scans += 1
            else:
                live = self._catch_up(conn)
                gone = [sid for key in gone_keys for sid in live.get(key, ())]
                new = [key for key in add_keys if key not in live]
            rows = _Rows(
                bank,
                self.submitted_by,
                CaseStatus.Active.value,
                new,
                _reserve_ids(conn, "cases", len(new)),
                _reserve_ids(conn, "signals", len(new)),
            )
            write = _write_postgres if conn.dialect.name == "postgresql" else _write_sqlite
            write(conn, rows, gone, now)
            if gone or new:
                self._seq = int(conn.execute(select(func.max(events.c.seq))).scalar_one())
        # the transaction is committed: now the picture may change
        if live is None:
            return Applied(added=0, withdrawn=len(gone), skipped=skipped)
        for key in gone_keys:
            live.pop(key, None)
        for sid, key in zip(rows.signal_ids, new, strict=True):
            live[key] = [sid]
        return Applied(added=len(new), withdrawn=len(gone), skipped=skipped)


def apply_page(
    engine: Engine,
    bank: str,
    adds: Iterable[tuple[str, str]],
    deletes: Iterable[tuple[str, str]] = (),
    *,
    submitted_by: str,
    meta: Mapping[str, str] | None = None,
) -> Applied:
    """One page on its own (:meth:`BankWriter.apply`; a fetch of many pages keeps one writer)."""
    return BankWriter(engine, bank, submitted_by).apply(adds, deletes, meta)
