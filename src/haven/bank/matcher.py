"""In-memory matching state of one server process: a Hamming index per bank for PDQ and for vPDQ frames,
exact maps for MD5/SHA-256, kept in step with the database's ``events`` feed, saved as a snapshot.

``sync()`` applies every event after the last one seen; the route that writes calls it before answering
(so its own change is live at once) and a background thread calls it a few times a second (so every other
worker sees the change within a second). Start-up loads the snapshot, then replays newer events.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from haven.bank.db import banks, events, instance_id, signals
from haven.bank.index import MAX_RADIUS, HammingIndex, hex_to_words
from haven.protect.signals import VPDQ_MATCH_PERCENT, VPDQ_QUALITY_THRESHOLD, parse_vpdq

PERCEPTUAL = ("pdq", "vpdq")
EXACT = ("md5", "sha256")


@dataclass(frozen=True)
class Match:
    bank: str
    signal_id: int
    signal_type: str
    distance: float
    query_match_percent: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bank": self.bank,
            "signal_id": self.signal_id,
            "signal_type": self.signal_type,
            "distance": self.distance,
        }
        if self.query_match_percent is not None:
            out["query_match_percent"] = self.query_match_percent
        return out


def vpdq_frames(value: str) -> list[str]:
    """Distinct PDQ hashes of a vPDQ value's good-quality frames (Meta's matcher ignores quality < 50)."""
    return list(dict.fromkeys(f.pdq for f in parse_vpdq(value) if f.quality >= VPDQ_QUALITY_THRESHOLD))


class Matcher:
    """All signals of the bank, searchable; thread-safe (writes under a lock, reads lock-free)."""

    def __init__(self, engine: Engine, snapshot_dir: Path | None = None, pdq_backend: Any = None) -> None:
        self.engine = engine
        # PDQ held elsewhere (``haven.bank.shards.ShardedIndex``): it loads itself from the database, and
        # gets this process's adds and withdrawals; no snapshot then.
        self.pdq_backend = pdq_backend
        self.snapshot_dir = None if pdq_backend is not None else snapshot_dir
        self.indexes: dict[tuple[str, str], HammingIndex] = {}  # (signal_type, bank) -> index
        self.exact: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)  # (type, value)
        self.last_seq = 0
        self.loaded_from = "empty"
        self.disabled: frozenset[str] = frozenset()  # banks whose matching_enabled_ratio is 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, poll_seconds: float = 0.2, load: bool = True) -> None:
        """Load (snapshot, else database) and follow the event feed in a daemon thread. ``load=False``:
        already loaded (a worker forked from the process that loaded it, ``bank/prefork.py``)."""
        HammingIndex.warm_up()
        if load:
            self.load()

        def follow() -> None:
            while not self._stop.wait(poll_seconds):
                try:
                    self.sync()
                    self.refresh_banks()
                    for index in list(self.indexes.values()):
                        if index.maintenance_due():
                            index.maintain()
                except Exception:  # a database hiccup must not kill the follower; retry next tick
                    continue

        self._thread = threading.Thread(target=follow, name="haven-bank-follow", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _index(self, signal_type: str, bank: str) -> HammingIndex:
        key = (signal_type, bank)
        if key not in self.indexes:
            self.indexes[key] = HammingIndex()
        return self.indexes[key]

    # ------------------------------------------------------------------ loading and following
    def load(self) -> None:
        with self._lock:
            if not self._load_snapshot():
                self._load_database()
            self.sync()
            self.refresh_banks()

    def refresh_banks(self) -> None:
        """Re-read which banks are switched off (``/c/bank/<name>`` with ``enabled: false``)."""
        with self.engine.connect() as conn:
            off = conn.execute(select(banks.c.name).where(banks.c.matching_enabled_ratio <= 0)).scalars()
            self.disabled = frozenset(off)

    def _load_database(self) -> None:
        """Everything active, in one bulk build per index."""
        with self.engine.connect() as conn:
            self.last_seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
            if self.pdq_backend is not None:  # replay from before the shards read their slices
                self.last_seq = min(self.last_seq, int(self.pdq_backend.since))
            rows = conn.execute(
                select(signals.c.id, signals.c.bank, signals.c.signal_type, signals.c.value).where(
                    signals.c.active.is_(True)
                )
            ).all()
        grouped: dict[tuple[str, str], tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
        self.exact.clear()
        for sid, bank, stype, value in rows:
            if stype in EXACT:
                self.exact[(stype, value)].append((bank, sid))
                continue
            if stype == "pdq" and self.pdq_backend is not None:
                continue  # the shards loaded their slices themselves
            hexes = [value] if stype == "pdq" else vpdq_frames(value)
            grouped[(stype, bank)][0].extend(hexes)
            grouped[(stype, bank)][1].extend([sid] * len(hexes))
        self.indexes = {}
        for key, (hexes, ids) in grouped.items():
            index = HammingIndex()
            index.bulk_load(hex_to_words(hexes), np.array(ids, dtype=np.int64))
            self.indexes[key] = index
        self.loaded_from = "database"

    def sync(self) -> int:
        """Apply events newer than the last one applied; returns how many."""
        with self._lock:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(
                        events.c.seq,
                        events.c.op,
                        signals.c.id,
                        signals.c.bank,
                        signals.c.signal_type,
                        signals.c.value,
                    )
                    .join(signals, signals.c.id == events.c.signal_id)
                    .where(events.c.seq > self.last_seq)
                    .order_by(events.c.seq)
                ).all()
            self._apply_batch(rows)
            if rows:
                self.last_seq = rows[-1][0]
            return len(rows)

    def _apply_batch(self, rows: Any) -> None:
        """Apply events in order, in batches: each run of consecutive events with the same op goes to each
        index in one ``add``/``remove`` call (one array build, one index update), so a burst of 100,000
        events costs a few calls, not 100,000. Runs keep the feed's order between adds and removes."""
        start = 0
        while start < len(rows):
            op = rows[start][1]
            end = start
            while end < len(rows) and rows[end][1] == op:
                end += 1
            self._apply_run(op, rows[start:end])
            start = end

    def _apply_run(self, op: str, run: Any) -> None:
        grouped: dict[tuple[str, str], tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
        for _seq, _op, sid, bank, stype, value in run:
            if stype in EXACT:
                entries = self.exact[(stype, value)]
                if op == "add" and (bank, sid) not in entries:
                    entries.append((bank, sid))
                elif op == "remove":
                    self.exact[(stype, value)] = [e for e in entries if e[1] != sid]
                continue
            hexes = [value] if stype == "pdq" else vpdq_frames(value)
            hexes_of, ids_of = grouped[(stype, bank)]
            hexes_of.extend(hexes)
            ids_of.extend([sid] * len(hexes))
        for (stype, bank), (hexes, sids) in grouped.items():
            if not hexes:
                continue
            words = hex_to_words(hexes)
            ids = np.array(sids, dtype=np.int64)
            if stype == "pdq" and self.pdq_backend is not None:  # routed to the owning shard(s)
                if op == "add":
                    self.pdq_backend.add(words, ids, bank)
                else:
                    self.pdq_backend.remove(words, ids)
            elif op == "add":
                self._index(stype, bank).add(words, ids)
            else:
                self._index(stype, bank).remove(words, ids)

    def _apply(self, op: str, sid: int, bank: str, stype: str, value: str) -> None:
        """One event (kept for callers of the old single-event path)."""
        self._apply_run(op, [(0, op, sid, bank, stype, value)])

    # ------------------------------------------------------------------ matching
    def match(
        self, signal_type: str, value: str, max_distance: int = MAX_RADIUS, include_disabled: bool = False
    ) -> list[Match]:
        """Every live bank signal matching one validated query value (switched-off banks left out unless
        ``include_disabled``)."""
        return self.match_many(signal_type, [value], max_distance, include_disabled)[0]

    def match_many(
        self,
        signal_type: str,
        values: list[str],
        max_distance: int = MAX_RADIUS,
        include_disabled: bool = False,
    ) -> list[list[Match]]:
        off = frozenset() if include_disabled else self.disabled
        if signal_type in EXACT:
            return [
                [
                    Match(bank, sid, signal_type, 0)
                    for bank, sid in self.exact.get((signal_type, v), ())
                    if bank not in off
                ]
                for v in values
            ]
        if signal_type == "pdq" and self.pdq_backend is not None:
            merged = self.pdq_backend.search_many(hex_to_words(values), max_distance)
            return [self._distinct(hits, off) for hits in merged]
        if signal_type == "pdq":
            out: list[list[Match]] = [[] for _ in values]
            words = hex_to_words(values)
            for (stype, bank), index in list(self.indexes.items()):
                if stype != "pdq" or bank in off:
                    continue
                for qi, hits in enumerate(index.search_many(words, max_distance)):
                    seen: set[int] = set()
                    for sid, dist in hits:
                        if sid not in seen:
                            seen.add(sid)
                            out[qi].append(Match(bank, sid, "pdq", dist))
            for found in out:
                found.sort(key=lambda m: (m.distance, m.signal_id))
            return out
        return [self._match_vpdq(v, max_distance, off) for v in values]

    @staticmethod
    def _distinct(hits: list[tuple[int, int, str]], off: frozenset[str]) -> list[Match]:
        seen: set[int] = set()
        found = []
        for sid, dist, bank in hits:
            if sid not in seen and bank not in off:
                seen.add(sid)
                found.append(Match(bank, sid, "pdq", dist))
        return found

    def _match_vpdq(self, value: str, max_distance: int, off: frozenset[str] = frozenset()) -> list[Match]:
        """A bank video matches when >= 80% of the query's distinct good frames have a frame within range."""
        frames = vpdq_frames(value)
        if not frames:
            return []
        words = hex_to_words(frames)
        found: list[Match] = []
        for (stype, bank), index in list(self.indexes.items()):
            if stype != "vpdq" or bank in off:
                continue
            per_signal: dict[int, set[int]] = defaultdict(set)
            best: dict[int, int] = {}
            for qi, hits in enumerate(index.search_many(words, max_distance)):
                for sid, dist in hits:
                    per_signal[sid].add(qi)
                    best[sid] = min(best.get(sid, 256), dist)
            for sid, matched in per_signal.items():
                percent = round(100.0 * len(matched) / len(frames), 2)
                if percent >= VPDQ_MATCH_PERCENT:
                    found.append(Match(bank, sid, "vpdq", best[sid], percent))
        found.sort(key=lambda m: (m.distance, m.signal_id))
        return found

    def stats(self) -> dict[str, Any]:
        per_type: dict[str, dict[str, int]] = {}
        for (stype, _bank), index in self.indexes.items():
            entry = per_type.setdefault(stype, {"hashes": 0, "buffered": 0, "bytes": 0})
            entry["hashes"] += len(index)
            entry["buffered"] += index.buffered
            entry["bytes"] += index.nbytes()
        if self.pdq_backend is not None:
            per_type["pdq"] = {"hashes": self.pdq_backend.size(), "shards": self.pdq_backend.count}
        for (stype, _value), entries in self.exact.items():
            entry = per_type.setdefault(stype, {"hashes": 0, "buffered": 0, "bytes": 0})
            entry["hashes"] += len(entries)
        return {
            "last_event": self.last_seq,
            "loaded_from": self.loaded_from,
            "worker": os.getpid(),
            "index": per_type,
        }

    # ------------------------------------------------------------------ snapshot
    def save_snapshot(self) -> bool:
        """Write the indexes and the last event they contain (one writer at a time; atomic files)."""
        if self.snapshot_dir is None:
            return False
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        with open(self.snapshot_dir / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            meta_path = self.snapshot_dir / "meta.json"
            with self._lock:
                if meta_path.exists():
                    old = json.loads(meta_path.read_text())
                    if old.get("seq", -1) >= self.last_seq and old.get("instance") == instance_id(
                        self.engine
                    ):
                        return False  # another worker already saved this state or a newer one
                names = {}
                for n, ((stype, bank), index) in enumerate(sorted(self.indexes.items())):
                    name = f"index-{n}.npz"
                    index.save(self.snapshot_dir / name)
                    names[name] = [stype, bank]
                exact = [[t, v, b, s] for (t, v), entries in self.exact.items() for b, s in entries]
                meta = {
                    "seq": self.last_seq,
                    "instance": instance_id(self.engine),
                    "indexes": names,
                    "exact": exact,
                }
            tmp = meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(meta))
            tmp.replace(meta_path)
        return True

    def _load_snapshot(self) -> bool:
        if self.snapshot_dir is None or not (self.snapshot_dir / "meta.json").exists():
            return False
        try:
            meta = json.loads((self.snapshot_dir / "meta.json").read_text())
            if meta.get("instance") != instance_id(self.engine):
                return False  # a snapshot of another database
            indexes = {
                (stype, bank): HammingIndex.load(self.snapshot_dir / name)
                for name, (stype, bank) in meta["indexes"].items()
            }
        except (OSError, ValueError, KeyError):
            return False  # unreadable snapshot: rebuild from the database instead
        self.indexes = indexes
        self.exact.clear()
        for stype, value, bank, sid in meta.get("exact", []):
            self.exact[(stype, value)].append((bank, sid))
        self.last_seq = int(meta["seq"])
        self.loaded_from = "snapshot"
        return True
