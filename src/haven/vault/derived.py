"""Derived data: offender details and red flags, computed once and kept in the encrypted database.

The extractors (``haven.indicators``, ``haven.flags``) are called through their public APIs only, and
never over the whole case by a page view:

* **During import** (``Deriver``, inside the file's write transaction), per batch of new messages:
  offender details of each new message go to ``derived_indicators`` (a sender's own details once per
  conversation); the batch is read for red flags together with the conversation's most recent earlier
  key messages (so a threat from an earlier batch still gives a demand its meaning), and the messages that
  carry a flag or a payment become ``flag_candidates``; per-sender counts go to ``derived_senders``.
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

import hashlib
import json
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haven import __version__
from haven.core.models import Flag, Indicator, Item, Message, MessageKind, is_own_sender
from haven.vault.txn import WriteTxn, dumps

if TYPE_CHECKING:
    from haven.vault.vault import Vault

CONTEXT_MESSAGES = 60
"""Earlier key messages of a conversation read again with each new batch (context for the flags)."""
META_KEY = "derived"

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


@cache
def engine_version() -> str:
    """A hash over the code and data of ``haven.indicators`` and ``haven.flags`` (and Haven's version):
    any change to either engine makes stored derived data stale."""
    import haven.flags
    import haven.indicators

    digest = hashlib.sha256(__version__.encode())
    for pkg in (haven.indicators, haven.flags):
        root = Path(pkg.__file__).parent  # type: ignore[arg-type]
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _is_media(msg: Message) -> bool:
    return msg.kind == MessageKind.MEDIA or bool(msg.attachments)


def _sender_name(msg: Message) -> str:
    return msg.sender or msg.sender_id or "unknown"


def wanted_state(vault: Vault) -> dict[str, Any]:
    case = vault.case
    return {"version": engine_version(), "me": list(case.me), "region": case.phone_region}


def read_state(get_meta: Any) -> dict[str, Any] | None:
    raw = get_meta(META_KEY)
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def is_stale(state: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    return state is None or any(state.get(k) != v for k, v in wanted.items())


class Deriver:
    """Keeps one case's derived data up to date inside one write transaction (see the module docstring)."""

    def __init__(self, vault: Vault, txn: WriteTxn) -> None:
        self.txn = txn
        self.wanted = wanted_state(vault)
        self.me = list(vault.case.me)
        self.region = vault.case.phone_region
        state = read_state(txn.get_meta)
        has_messages = txn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None
        self.stale = is_stale(state, self.wanted) and has_messages
        self.changed = False
        self.error: str | None = None
        self._recent: dict[str, deque[Message]] = {}

    # -- per batch ----------------------------------------------------------------------------------
    def _own(self, msg: Message) -> Message:
        if self.me and msg.from_me is None:
            msg = msg.model_copy(update={"from_me": is_own_sender(self.me, msg.sender, msg.sender_id)})
        return msg

    def add_messages(self, messages: list[Message]) -> None:
        if self.stale or self.error or not messages:
            return
        batch = [self._own(m) for m in messages]
        try:
            self._details(batch)
            self._candidates(batch)
        except Exception as exc:  # an engine's bug must not lose the import: the data is marked stale
            self.error = f"{type(exc).__name__}: {exc}"
        self.changed = True

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

    def _details(self, batch: list[Message]) -> None:
        from haven.indicators import extract_messages

        batch = sorted(batch, key=lambda m: (m.timestamp_utc is None, _ts(m) or ""))  # the case's order
        found = extract_messages(batch, (), region=self.region)
        by_id = {m.id: m for m in batch}
        counts: dict[tuple[str, str, str], list[Any]] = {}
        for m in batch:
            if m.kind == MessageKind.SYSTEM:
                continue
            key = (m.conversation, _sender_name(m), m.sender_id or "")
            entry = counts.setdefault(key, [0, 0, None])
            entry[0] += 1
            entry[1] += int(_is_media(m))
            if m.timestamp_utc is not None and entry[2] is None:
                entry[2] = m.timestamp_utc.isoformat()
        rows = []
        senders: dict[str, list[tuple[Any, ...]]] = {}
        for ind in found:
            msg = by_id.get(ind.provenance.message_id or "")
            if ind.provenance.field in ("sender", "sender_id") and msg is not None:
                # a sender's own details are kept once per conversation, from their earliest message
                skey = dumps([msg.conversation, msg.sender_id, msg.sender])
                senders.setdefault(skey, []).append(
                    (ind.provenance.message_id, skey, _ts(msg), ind.model_dump_json())
                )
                continue
            rows.append((ind.provenance.message_id, None, None, ind.model_dump_json()))
        for skey, hits in senders.items():
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
            [(*key, v[0], v[1], v[2]) for key, v in counts.items()],
        )

    def _context(self, conversation: str) -> deque[Message]:
        recent = self._recent.get(conversation)
        if recent is None:
            rows = self.txn.execute(
                "SELECT m.data FROM flag_candidates c JOIN messages m ON m.id = c.message_id "
                "WHERE c.conversation = ? ORDER BY c.ts DESC LIMIT ?",
                (conversation, CONTEXT_MESSAGES),
            ).fetchall()
            recent = deque(
                (self._own(Message.model_validate_json(r[0])) for r in reversed(rows)),
                maxlen=CONTEXT_MESSAGES,
            )
            self._recent[conversation] = recent
        return recent

    def _candidates(self, batch: list[Message]) -> None:
        from haven.flags import detect

        by_conv: dict[str, list[Message]] = {}
        for m in batch:
            by_conv.setdefault(m.conversation, []).append(m)
        rows = []
        for conv, msgs in by_conv.items():
            recent = self._context(conv)
            report = detect([*recent, *msgs])
            key_ids = {f.message_id for f in report.flags}
            key_ids |= {p.get("message_id") for p in report.summary.get("payments", [])}
            fresh = [m for m in msgs if m.id in key_ids]
            recent.extend(fresh)
            rows += [(m.id, m.conversation, _ts(m)) for m in fresh]
        self.txn.executemany(
            "INSERT OR IGNORE INTO flag_candidates (message_id, conversation, ts) VALUES (?, ?, ?)", rows
        )

    # -- when the file is done ----------------------------------------------------------------------
    def finish(self) -> None:
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

    def _flags(self) -> tuple[int, dict[str, Any]]:
        from haven.flags import detect

        rows = self.txn.execute(
            "SELECT m.data FROM flag_candidates c JOIN messages m ON m.id = c.message_id "
            "ORDER BY c.ts IS NULL, c.ts, m.rowid"
        ).fetchall()
        key_messages = [self._own(Message.model_validate_json(r[0])) for r in rows]
        report = detect(key_messages)
        order = {m.id: i for i, m in enumerate(report.messages)}
        flags = sorted(report.flags, key=lambda f: (order.get(f.message_id, 0), f.flag))
        self.txn.execute("DELETE FROM derived_flags")
        self.txn.executemany(
            "INSERT INTO derived_flags (rank, message_id, flag, data) VALUES (?, ?, ?, ?)",
            [(i, f.message_id, f.flag, f.model_dump_json()) for i, f in enumerate(flags)],
        )
        return len(flags), self._whole_case_summary(report.summary)

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


def _ts(msg: Message) -> str | None:
    from haven.vault.sink import ts_key

    return ts_key(msg)


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
    total = txn.execute("SELECT count(*) FROM messages").fetchone()[0]
    done = 0
    cur = txn.execute("SELECT data FROM messages ORDER BY ts IS NULL, ts, rowid")
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            break
        deriver.add_messages([Message.model_validate_json(r[0]) for r in rows])
        done += len(rows)
        if progress is not None:
            progress(done, total)
    for (data,) in txn.execute('SELECT data FROM items WHERE data LIKE \'%"ocr_text":"%\'').fetchall():
        deriver.add_item(Item.model_validate_json(data))
    deriver.changed = True
    deriver.refresh()
    txn.log("derive", {"reason": reason, "version": engine_version(), "messages": total})


def rebuild(vault: Vault, *, reason: str = "asked", progress: Any = None) -> None:
    """``haven case derive``: recompute the derived data in a write transaction of its own."""
    with vault.write() as txn:
        deriver = Deriver(vault, txn)
        rebuild_in(txn, deriver, reason=reason, progress=progress)


def load_flag(data: str) -> Flag:
    return Flag.model_validate_json(data)
