# ruff: noqa: E501  (SQL reads better one statement per line)
"""Indexed reads for the report (issue 14, item 4): what the PDF shows, without reading every message.

The report needs the whole case only as counts (messages per conversation, the sources, how times were
read, the first and last time) and otherwise a few rows: the first ``limit`` messages, the first message of
each conversation, the first red flag of each kind per conversation, and a few messages either side of
each key moment. Each is one indexed query on the vault's read connection (``Vault.reading``); the counts
are one aggregate inside SQLite (no message becomes a Python object). So the report's time and memory stay
nearly flat however long the chat is.

The order is ``Vault.messages``'s: time order, ties by rowid, messages without a time last.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from haven.core.models import Flag, Message, is_own_sender


@dataclass
class Overview:
    """The whole case in numbers."""

    conversation_counts: dict[str, int] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)
    bases: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(source item id, how its times were read, messages read so and unsure (both counted only where some
    day/month order is unsure; else 0), messages whose day/month order is unsure)."""
    first_time: datetime | None = None
    last_time: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.conversation_counts.values())


def supported(source: Any) -> bool:
    """True for a vault (it has ``reading()``, the read connection); other sources are streamed."""
    return callable(getattr(source, "reading", None))


class Reads:
    """The report's queries on one open vault."""

    def __init__(self, vault: Any) -> None:
        self.vault = vault
        self.me = list(vault.case.me)

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        with self.vault.reading() as conn:
            return list(conn.execute(sql, tuple(args)).fetchall())

    def _message(self, data: str) -> Message:
        msg = Message.model_validate_json(data)
        if self.me and msg.from_me is None:
            msg.from_me = is_own_sender(self.me, msg.sender, msg.sender_id)
        return msg

    def overview(self) -> Overview:
        """Counts per conversation (from their index), the sources and how times were read.

        The sources and time bases are one pass inside SQLite keeping only the distinct values (a few rows:
        memory stays flat); the messages of a time basis, and those whose day/month order is unsure, are
        counted only where some are unsure (a file whose dates could not settle the order)."""
        out = Overview()
        out.conversation_counts = {c: int(n) for c, n in self._rows(
            "SELECT conversation, count(*) FROM messages INDEXED BY messages_by_conversation GROUP BY conversation")}
        keys = self._rows(
            "SELECT DISTINCT json_extract(data, '$.source_item_id'), json_extract(data, '$.timestamp_basis'), "
            "json_extract(data, '$.source_format'), json_extract(data, '$.timestamp_ambiguous') FROM messages")
        out.formats = {fmt for _, _, fmt, _ in keys if fmt}
        unsure = {(item, basis) for item, basis, _, amb in keys if basis and amb}
        counted: dict[tuple[str, str], tuple[int, int]] = {}
        for item, basis in sorted(unsure, key=str):  # one counting pass per such file (no sorting)
            n, amb = self._rows(
                "SELECT count(*), total(json_extract(data, '$.timestamp_ambiguous')) FROM messages "
                "WHERE json_extract(data, '$.source_item_id') IS ? AND json_extract(data, '$.timestamp_basis') = ?",
                (item, basis))[0]
            counted[(item, basis)] = (int(n), int(amb))
        seen: set[tuple[str, str]] = set()
        for item, basis, _, _ in keys:
            if basis and (item, basis) not in seen:
                seen.add((item, basis))
                n, amb = counted.get((item, basis), (0, 0))
                out.bases.append((item or "", basis, n, amb))
        first = self._rows("SELECT data FROM messages INDEXED BY messages_by_time WHERE ts IS NOT NULL "
                           "ORDER BY ts LIMIT 1")
        last = self._rows("SELECT data FROM messages INDEXED BY messages_by_time WHERE ts IS NOT NULL "
                          "ORDER BY ts DESC LIMIT 1")
        out.first_time = self._message(first[0][0]).timestamp_utc if first else None
        out.last_time = self._message(last[0][0]).timestamp_utc if last else None
        return out

    def raw_in_order(self, batch: int = 1000) -> Iterator[str]:
        """Every message's stored JSON, in ``Vault.messages`` order, ``batch`` rows at a time."""
        with self.vault.reading() as conn:
            cursor = conn.execute("SELECT data FROM messages INDEXED BY messages_in_order ORDER BY ts IS NULL, ts, rowid")
        while True:
            with self.vault.reading():
                rows = cursor.fetchmany(batch)
            if not rows:
                return
            for (data,) in rows:
                yield data

    def first_messages(self, limit: int) -> list[Message]:
        """The first ``limit`` messages of the case (the PDF's transcript)."""
        rows = self._rows("SELECT data FROM messages INDEXED BY messages_in_order ORDER BY ts IS NULL, ts, rowid "
                          "LIMIT ?", (limit,))
        return [self._message(r[0]) for r in rows]

    def _ordered(self, conv: str, *, timed: bool, after: tuple[str | None, int] | None, before: bool,
                 limit: int) -> list[Message]:
        """Up to ``limit`` messages of ``conv`` with (``timed``) or without a time, next to ``after`` (the
        key (ts, rowid) of a message; None: from the start or, ``before``, from the end), nearest first."""
        sql = "SELECT data FROM messages WHERE conversation = ? AND ts IS " + ("NOT NULL" if timed else "NULL")
        args: list[Any] = [conv]
        if after is not None:
            op = "<" if before else ">"
            if timed:
                sql += f" AND (ts, rowid) {op} (?, ?)"
                args += [after[0], after[1]]
            else:
                sql += f" AND rowid {op} ?"
                args.append(after[1])
        way = "DESC" if before else ""
        sql += f" ORDER BY ts {way}, rowid {way} LIMIT ?" if timed else f" ORDER BY rowid {way} LIMIT ?"
        return [self._message(r[0]) for r in self._rows(sql, [*args, limit])]

    def first_of(self, conv: str) -> Message | None:
        got = (self._ordered(conv, timed=True, after=None, before=False, limit=1)
               or self._ordered(conv, timed=False, after=None, before=False, limit=1))
        return got[0] if got else None

    def around(self, message_id: str, n: int) -> list[Message]:
        """The message with up to ``n`` messages of its conversation either side, in order ([] if absent)."""
        row = self._rows("SELECT rowid, ts, conversation, data FROM messages WHERE id = ?", (message_id,))
        if not row:
            return []
        rowid, ts, conv, data = row[0]
        key = (ts, rowid)
        if ts is not None:
            before = self._ordered(conv, timed=True, after=key, before=True, limit=n)
            after = self._ordered(conv, timed=True, after=key, before=False, limit=n)
            if len(after) < n:
                after += self._ordered(conv, timed=False, after=None, before=False, limit=n - len(after))
        else:
            before = self._ordered(conv, timed=False, after=key, before=True, limit=n)
            if len(before) < n:
                before += self._ordered(conv, timed=True, after=None, before=True, limit=n - len(before))
            after = self._ordered(conv, timed=False, after=key, before=False, limit=n)
        return [*reversed(before), self._message(data), *after]

    def flag_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM derived_flags")[0][0])

    def first_flags(self) -> list[tuple[Flag, Message]]:
        """The first red flag (in rank order) of each kind in each conversation, with its message."""
        rows = self._rows(
            # the conversation from the (small) flag_candidates table, where the flags were read from
            "SELECT f.data, m.data FROM derived_flags f JOIN messages m ON m.id = f.message_id WHERE f.rank IN "
            "(SELECT min(g.rank) FROM derived_flags g LEFT JOIN flag_candidates c ON c.message_id = g.message_id "
            "GROUP BY g.flag, coalesce(c.conversation, (SELECT conversation FROM messages WHERE id = g.message_id))) "
            "ORDER BY f.rank"
        )
        return [(Flag.model_validate_json(f), self._message(m)) for f, m in rows]

    def flag_senders(self, kinds: Iterable[str]) -> set[tuple[str, str]]:
        """(conversation, sender) of every message with a red flag of one of ``kinds``."""
        kinds = sorted(kinds)
        if not kinds:
            return set()
        marks = ",".join("?" * len(kinds))
        rows = self._rows(
            "SELECT DISTINCT m.conversation, coalesce(nullif(json_extract(m.data, '$.sender'), ''), "
            "nullif(json_extract(m.data, '$.sender_id'), ''), '') FROM derived_flags f "
            f"JOIN messages m ON m.id = f.message_id WHERE f.flag IN ({marks})",
            kinds,
        )
        return {(c, s) for c, s in rows}


def collect_indexed(source: Any, items: list[Any], exhibits: dict[str, str], details: list[dict[str, Any]],
                    flag_summary: dict[str, Any], transcript_limit: int, tick: Any,
                    consume: Any = None, view: Overview | None = None) -> Any:
    """``data.collect`` for a vault whose derived data is current: indexed reads only (see the module
    docstring). ``consume`` is not called: the package reads every message itself (``fullcase``), and
    hands its counts in as ``view``."""
    from collections import defaultdict

    from haven import __version__
    from haven.indicators.aggregate import promote_offenders
    from haven.report.data import (
        CONTEXT,
        OFFENDER_FLAGS,
        PAYMENT_KINDS,
        ReportData,
        TimeBasis,
        _exhibit_sort,
        _key_moments,
    )

    reads = Reads(source)
    tick("reading the case", 0, 0)
    view = view if view is not None else reads.overview()
    item_by_id = {i.id: i for i in items}
    bases = [TimeBasis(exhibits.get(item_id, ""), getattr(item_by_id.get(item_id), "filename", ""), basis, n, unsure)
             for item_id, basis, n, unsure in view.bases]
    shown = reads.first_messages(transcript_limit)
    first_of = {c: m for c in view.conversation_counts if (m := reads.first_of(c)) is not None}
    first_flags = reads.first_flags()
    flags = [f for f, _ in first_flags]
    flagged = {m.id: m for _, m in first_flags}
    offenders = reads.flag_senders(OFFENDER_FLAGS)
    paying = [r for r in details if r.get("side", "offender") == "offender" and r["kind"] in PAYMENT_KINDS]
    offenders |= {(c, s) for r in paying for c in r.get("conversations") or [] for s in r.get("senders", [])}
    aggregated = promote_offenders([{"side": "offender", "senders": [], **r} for r in details], offenders)
    moments = _key_moments(first_of, flagged, flags, aggregated)
    tick("key moments", 0, len(moments))
    for n, k in enumerate(moments, start=1):
        if k.message_id:
            k.context = reads.around(k.message_id, CONTEXT)
        tick("key moments", n, len(moments))
    by_conv: dict[str, list[Message]] = defaultdict(list)
    for m in shown:
        by_conv[m.conversation].append(m)
    notes_fn = getattr(source, "notes", None)
    return ReportData(
        case=source.case, tool_version=__version__, items=items, messages=shown, indicators=[],
        aggregated=aggregated, flags=flags, flag_summary=flag_summary, key_moments=moments,
        ledger=source.ledger(), by_conversation=dict(by_conv), exhibits=exhibits,
        notes=list(notes_fn()) if callable(notes_fn) else [], message_count=view.total,
        conversation_counts=view.conversation_counts, first_time=view.first_time, last_time=view.last_time,
        sources=sorted(view.formats),
        time_bases=sorted(bases, key=lambda b: (_exhibit_sort(b.exhibit), b.basis)),
        transcript_limit=transcript_limit,
    )
