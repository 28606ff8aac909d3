"""Derived data: offender details and red flags, computed once and kept in the encrypted database.

The extractors (``haven.indicators``, ``haven.flags``) are called through their public APIs only, and
never over the whole case by a page view:

* **During import** (``Deriver``, inside the file's write transaction), per batch of new messages:
  offender details of each new message go to ``derived_indicators`` (a sender's own details once per
  conversation); the batch is read for red flags together with the conversation's most recent earlier
  key messages (so a threat from an earlier batch still gives a demand its meaning), and the messages that
  carry a flag or a payment become ``flag_candidates``; per-sender counts go to ``derived_senders``.
  A long input's batches are read by helper processes (``derive_work``) while the import goes on; only
  this process writes, in batch order.
* **When the file is done** (``Deriver.finish``): the details are aggregated into ``derived_details``
  (one row per value, in the order the views show), and the red flags are read once over the key
  messages of every conversation (few, however long the chat) into ``derived_flags``. The summary is kept
  in ``meta['derived']`` with the engine version, the person's own names and the phone region it was made
  with, and its message and sender counts are the whole case's.
* **When the engine changes** (the version is a hash over the two packages' code and data) or the
  person's names or region change, the data is *stale*: ``rebuild`` recomputes it, streaming every message
  in batches (``haven case derive``, or the next import).

Derived data is not evidence: it can always be made again from the messages. It is never part of the
messages' SHA-256; a rebuild is logged (``derive``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from haven.core.models import Flag, Indicator, Item, Message
from haven.vault.derive_state import META_KEY, engine_version, is_stale, read_state, wanted_state
from haven.vault.derive_work import (
    FINAL_FIELDS,
    BatchResult,
    Handle,
    InProcess,
    Runner,
    WorkerPool,
    batch_work,
    final_end,
    final_flags,
    final_part,
    helpers,
    own,
)
from haven.vault.sink import ts_key
from haven.vault.txn import WriteTxn, dumps

if TYPE_CHECKING:
    from haven.vault.vault import Vault

CONTEXT_MESSAGES = 60
"""Earlier key messages of a conversation read again with each new batch (context for the flags)."""
TAIL = 40
"""Last messages of a batch still in flight read with the next batch (its key messages are not known yet)."""
HELPERS_FROM = 10_000
"""After this many new messages in one transaction, helper processes are started (they load the engines
while the import goes on) ..."""
PARALLEL_FROM = 20_000
"""... and from this many on, batches are read by them (a count, so the result never depends on timing).
An input file of ``PARALLEL_BYTES`` or more uses them from its first batch."""
PARALLEL_BYTES = 2 << 20
FINAL_PART = 2000
"""Key messages sent to the final read's helper per request (it parses each part as it comes)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS derived_indicators (
    id INTEGER PRIMARY KEY, message_id TEXT, sender_key TEXT, ts TEXT, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS derived_indicators_by_sender ON derived_indicators (sender_key);
CREATE TABLE IF NOT EXISTS derived_details (
    rank INTEGER PRIMARY KEY, kind TEXT NOT NULL, search TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS derived_details_by_kind ON derived_details (kind, rank);
CREATE TABLE IF NOT EXISTS flag_candidates (message_id TEXT PRIMARY KEY, conversation TEXT NOT NULL, ts TEXT);
CREATE INDEX IF NOT EXISTS flag_candidates_by_conversation ON flag_candidates (conversation, ts);
CREATE TABLE IF NOT EXISTS derived_flags (
    rank INTEGER PRIMARY KEY, message_id TEXT NOT NULL, flag TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS derived_flags_by_message ON derived_flags (message_id);
CREATE INDEX IF NOT EXISTS derived_flags_by_flag ON derived_flags (flag, rank);
CREATE TABLE IF NOT EXISTS derived_senders (
    conversation TEXT NOT NULL, sender TEXT NOT NULL, sender_id TEXT NOT NULL DEFAULT '',
    messages INTEGER NOT NULL, media INTEGER NOT NULL, first_ts TEXT, details INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation, sender, sender_id)
);
CREATE INDEX IF NOT EXISTS messages_in_order ON messages (ts IS NULL, ts);
"""


def _sender_name(msg: Message) -> str:
    return msg.sender or msg.sender_id or "unknown"


class Deriver:
    """Keeps one case's derived data up to date inside one write transaction (see the module docstring).

    Each batch's work (``derive_work.batch_work``) runs in this process, or, for an input file of
    ``PARALLEL_BYTES`` or once ``PARALLEL_FROM`` new messages have come, in helper processes while the
    import goes on; results are written here in batch order. The context a batch is read with is the
    conversation's key messages from the batches already written, plus the last ``TAIL`` messages of a
    batch still in flight: fixed by the input alone, so the result does not depend on timing.
    ``close()`` must follow (the pipeline does, on every way out)."""

    def __init__(self, vault: Vault, txn: WriteTxn, *, size_hint: int = 0) -> None:
        self.txn = txn
        self.wanted = wanted_state(vault)
        self.me = list(vault.case.me)
        self.region = vault.case.phone_region
        state = read_state(txn.get_meta)
        has_messages = txn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None
        self.stale = is_stale(state, self.wanted) and has_messages
        self.changed = False
        self.error: str | None = None
        self._given = 0
        self._from_start = size_hint >= PARALLEL_BYTES  # the engines never load in this process
        self._runner: Runner = InProcess()
        self._helpers: Runner | None = None
        self._final: Runner | None = None
        self._recent: dict[str, deque[str]] = {}
        self._inflight: deque[tuple[Handle, dict[str, tuple[Message, str]], dict[str, list[str]]]] = deque()

    def _own(self, msg: Message) -> Message:
        return own(msg, self.me)

    @property
    def runner(self) -> Runner:
        """In this process for a short input; the helpers from ``PARALLEL_FROM`` messages on."""
        if self._helpers is None and (self._from_start or self._given >= HELPERS_FROM):
            self._helpers = helpers()
        use = self._from_start or self._given >= PARALLEL_FROM
        if self._helpers is not None and use and self._runner is not self._helpers:
            self.drain()
            self._runner = self._helpers
        return self._runner

    def close(self, *, kill: bool = False) -> None:
        """Stop the helper processes (``kill``: at once, the import is being abandoned)."""
        self._inflight.clear()
        for runner in (self._helpers, self._final):
            if runner is not None:
                runner.close(kill=kill)
        self._helpers, self._final, self._runner = None, None, InProcess()

    # -- per batch ----------------------------------------------------------------------------------
    def add_messages(self, messages: list[Message], data: list[str] | None = None) -> None:
        """Hand a batch of new messages (and their stored JSON, when the caller has it) to the work."""
        if self.stale or self.error or not messages:
            return
        data = data if data is not None else [m.model_dump_json() for m in messages]
        runner = self.runner
        self._given += len(messages)
        while len(self._inflight) >= runner.depth:
            self._apply_next()
        by_conv: dict[str, list[str]] = {}
        by_id: dict[str, tuple[Message, str]] = {}  # kept, so key messages are not parsed again
        for m, d in zip(messages, data, strict=True):
            by_conv.setdefault(m.conversation, []).append(d)
            by_id[m.id] = (m, d)
        context: dict[str, list[str]] = {}
        for conv in by_conv:
            ctx = list(self._context(conv))
            for _h, _ids, pending in self._inflight:
                ctx += pending.get(conv, [])[-TAIL:]
            context[conv] = ctx
        handle = runner.submit(batch_work, data, context, self.me, self.region)
        self._inflight.append((handle, by_id, by_conv))
        self.changed = True

    def drain(self) -> None:
        """Write every batch still in flight."""
        while self._inflight:
            self._apply_next()

    def _apply_next(self) -> None:
        handle, by_id, _by_conv = self._inflight.popleft()
        try:
            result: BatchResult = handle.get()
        except Exception as exc:  # a worker that died: the import stands, the data is marked failed
            result = BatchResult(error=f"{type(exc).__name__}: {exc}")
        if self.error is not None:
            return
        if result.error is not None:
            self.error = result.error
            return
        self._write(result)
        convs: dict[str, list[str]] = {}
        rows = []
        for mid in result.key_ids:
            msg, data = by_id[mid]
            convs.setdefault(msg.conversation, []).append(data)
            rows.append((mid, msg.conversation, _ts(msg)))
        for conv, fresh in convs.items():
            self._context(conv).extend(fresh)
        self.txn.executemany(
            "INSERT OR IGNORE INTO flag_candidates (message_id, conversation, ts) VALUES (?, ?, ?)", rows
        )

    def add_item(self, item: Item) -> None:
        if self.stale or self.error or not item.ocr_text:
            return
        from haven.indicators import extract_messages

        try:
            found = extract_messages([], [item], region=self.region)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            return
        self.txn.executemany(
            "INSERT INTO derived_indicators (message_id, data) VALUES (?, ?)",
            [(None, ind.model_dump_json()) for ind in found],
        )
        self.changed = True

    def _write(self, result: BatchResult) -> None:
        rows: list[tuple[Any, ...]] = [(mid, None, None, data) for mid, data in result.indicators]
        for skey, hits in result.senders.items():
            # a sender's own details are kept once per conversation, from their earliest message
            old = self.txn.execute(
                "SELECT ts FROM derived_indicators WHERE sender_key = ? LIMIT 1", (skey,)
            ).fetchone()
            new_ts = hits[0][2]
            if old is not None:
                if old[0] is None if new_ts is None else (old[0] is not None and old[0] <= new_ts):
                    continue
                self.txn.execute("DELETE FROM derived_indicators WHERE sender_key = ?", (skey,))
            rows += hits
        self.txn.executemany(
            "INSERT INTO derived_indicators (message_id, sender_key, ts, data) VALUES (?, ?, ?, ?)", rows
        )
        self.txn.executemany(
            "INSERT INTO derived_senders "
            "(conversation, sender, sender_id, messages, media, first_ts, details) "
            "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (conversation, sender, sender_id) DO UPDATE SET "
            "messages = messages + excluded.messages, media = media + excluded.media, "
            "first_ts = CASE WHEN first_ts IS NULL OR excluded.first_ts < first_ts THEN excluded.first_ts "
            "ELSE first_ts END",
            result.counts,
        )

    def _context(self, conversation: str) -> deque[str]:
        recent = self._recent.get(conversation)
        if recent is None:
            rows = self.txn.execute(
                "SELECT m.data FROM flag_candidates c JOIN messages m ON m.id = c.message_id "
                "WHERE c.conversation = ? ORDER BY c.ts DESC LIMIT ?",
                (conversation, CONTEXT_MESSAGES),
            ).fetchall()
            recent = deque((r[0] for r in reversed(rows)), maxlen=CONTEXT_MESSAGES)
            self._recent[conversation] = recent
        return recent

    # -- when the file is done ----------------------------------------------------------------------
    def finish(self) -> None:
        if not self.stale and self.changed:
            self._start_final()  # it loads the engines while the last batches are written
        self.drain()
        if self.stale:
            rebuild_in(self.txn, self, reason="engine or case settings changed")
            return
        if not self.changed:
            return
        self.refresh()

    def refresh(self) -> None:
        """Aggregate the details and read the flags over the key messages; store the summary."""
        state: dict[str, Any] = dict(self.wanted)
        if self.error is not None:
            state.update(version="failed", error=self.error)
            self.txn.set_meta(META_KEY, dumps(state))
            return
        try:
            details = self._aggregate()
            flags, summary = self._flags()
        except Exception as exc:
            state.update(version="failed", error=f"{type(exc).__name__}: {exc}")
            self.txn.set_meta(META_KEY, dumps(state))
            return
        state.update(details=details, flags=flags, summary=summary)
        self.txn.set_meta(META_KEY, dumps(state))

    def _aggregate(self) -> int:
        from haven.indicators import aggregate

        def indicators() -> Iterator[Indicator]:
            cur = self.txn.execute("SELECT data FROM derived_indicators ORDER BY id")
            while rows := cur.fetchmany(1000):
                for (data,) in rows:
                    yield Indicator.model_validate_json(data)

        rows = aggregate(indicators())
        self.txn.execute("DELETE FROM derived_details")
        self.txn.executemany(
            "INSERT INTO derived_details (rank, kind, search, data) VALUES (?, ?, ?, ?)",
            [
                (i, r["kind"], f"{r['value']} {r['normalized']}".casefold(), dumps(r))
                for i, r in enumerate(rows)
            ],
        )
        return len(rows)

    def _start_final(self) -> None:
        """The final read over a long input runs in a fresh helper process of its own: the batch helpers
        have grown caches over the whole file, and the read holds every key message at once."""
        if self._final is None and isinstance(self._helpers, WorkerPool):
            self._final = WorkerPool(1)

    def _flags(self) -> tuple[int, dict[str, Any]]:
        self.drain()
        self._start_final()
        if self._helpers is not None:  # their work is written: they are done
            self._helpers.close()
            self._helpers, self._runner = None, InProcess()
        trimmed = ", ".join(f"'$.{name}'" for name in FINAL_FIELDS)
        cur = self.txn.execute(
            f"SELECT json_remove(m.data, {trimmed}) FROM flag_candidates c "
            "JOIN messages m ON m.id = c.message_id ORDER BY c.ts IS NULL, c.ts, m.rowid"
        )
        final, self._final = self._final, None
        try:
            if final is None:
                rows, summary = final_flags([r[0] for r in cur.fetchall()], self.me)
            else:  # streamed to the helper in parts: this process never holds them all
                token = f"{os.getpid()}-{id(self)}"
                while part := cur.fetchmany(FINAL_PART):
                    final.submit(final_part, token, [r[0] for r in part], self.me).get()
                rows, summary = final.submit(final_end, token).get()
        finally:
            if final is not None:
                final.close()
        self.txn.execute("DELETE FROM derived_flags")
        self.txn.executemany(
            "INSERT INTO derived_flags (rank, message_id, flag, data) VALUES (?, ?, ?, ?)",
            ((i, *row) for i, row in enumerate(rows)),
        )
        return len(rows), self._whole_case_summary(summary)

    def _whole_case_summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The flags were read over the key messages only: counts and first contact come from the case."""
        q = self.txn.execute
        summary = dict(summary)
        summary["messages"] = q("SELECT count(*) FROM messages").fetchone()[0]
        summary["conversations"] = [
            r[0] for r in q("SELECT DISTINCT conversation FROM messages ORDER BY conversation").fetchall()
        ]
        victims = set(summary.get("victim") or [])
        others = set(summary.get("other_side") or [])
        before = summary.get("who_sent_what") or {}
        who: dict[str, dict[str, Any]] = {}
        senders = q(
            "SELECT sender, sum(messages), sum(media), min(first_ts) FROM derived_senders GROUP BY sender "
            "ORDER BY min(first_ts) IS NULL, min(first_ts), sender"
        ).fetchall()
        inferred = bool(others) and summary.get("victim_source") in ("inferred", "me")
        for sender, count, media, _first in senders:
            if sender in others:
                role = "other side"
            elif sender in victims or (inferred and sender != "unknown"):
                role = "you"
                victims.add(sender)
            else:
                role = "unknown"
            who[sender] = {
                "role": before.get(sender, {}).get("role", role),
                "messages": count,
                "media": media,
                "flags": before.get(sender, {}).get("flags", {}),
            }
        summary["who_sent_what"] = who
        if victims:
            summary["victim"] = sorted(victims)
        summary["participants"] = [s[0] for s in senders]
        first = q(
            "SELECT data FROM messages INDEXED BY messages_in_order WHERE ts IS NOT NULL "
            "AND json_extract(data, '$.kind') != 'system' ORDER BY ts IS NULL, ts LIMIT 1"
        ).fetchone()
        if first is not None:
            msg = Message.model_validate_json(first[0])
            summary["first_contact"] = {
                "message_id": msg.id,
                "time": msg.timestamp_utc.isoformat() if msg.timestamp_utc else msg.timestamp_original,
                "sender": _sender_name(msg),
                "conversation": msg.conversation,
                "evidence": msg.text[:200],
            }
        return summary


_ts = ts_key


def rebuild_in(txn: WriteTxn, deriver: Deriver, *, reason: str, progress: Any = None) -> None:
    """Recompute all derived data from the stored messages, in ``txn`` (streamed in batches)."""
    from haven.vault.sink import BATCH

    for table in (
        "derived_indicators",
        "derived_details",
        "flag_candidates",
        "derived_flags",
        "derived_senders",
    ):
        txn.execute(f"DELETE FROM {table}")
    deriver.stale, deriver.error, deriver._recent = False, None, {}
    deriver.drain()
    total = txn.execute("SELECT count(*) FROM messages").fetchone()[0]
    done = 0
    cur = txn.execute("SELECT data FROM messages ORDER BY ts IS NULL, ts, rowid")
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            break
        data = [r[0] for r in rows]
        deriver.add_messages([Message.model_validate_json(d) for d in data], data)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    deriver.drain()
    for (data,) in txn.execute('SELECT data FROM items WHERE data LIKE \'%"ocr_text":"%\'').fetchall():
        deriver.add_item(Item.model_validate_json(data))
    deriver.changed = True
    deriver.refresh()
    txn.log("derive", {"reason": reason, "version": engine_version(), "messages": total})


def rebuild(vault: Vault, *, reason: str = "asked", progress: Any = None) -> None:
    """``haven case derive``: recompute the derived data in a write transaction of its own."""
    with vault.write() as txn:
        deriver = Deriver(vault, txn)
        try:
            rebuild_in(txn, deriver, reason=reason, progress=progress)
        except BaseException:
            deriver.close(kill=True)
            raise
        deriver.close()


def load_flag(data: str) -> Flag:
    return Flag.model_validate_json(data)
