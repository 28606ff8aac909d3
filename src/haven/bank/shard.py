"""One shard of the sharded PDQ index (:mod:`haven.bank.shards`): a slice of the bank's signals, its
bank codes, and the wire format of its answers.

:class:`Shard` holds a :class:`haven.bank.index.HammingIndex` over the signals whose id ``% count`` is its
number and which bank each of them belongs to (:class:`_Banks`: a sorted array with codes, 10 bytes a
hash); it is a Ray actor as :data:`IndexShard`, or held in the caller's process when the bank has one
shard. Its answers travel as one bytes object (:func:`pack`, :func:`unpack`): query index, id, distance
and bank code as int64 columns. Writes take a lock; reads never do.
"""

import threading
import time

import numpy as np
import ray
from sqlalchemy import select

from haven.bank.index import HammingIndex, hex_to_words


class _Banks:
    """Which bank each id of a shard belongs to: bulk-loaded ids as sorted arrays, later adds in a dict."""

    def __init__(self, ids: np.ndarray | None = None, banks: list[str] | str = "haven") -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}
        ids = np.zeros(0, np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        if isinstance(banks, str):
            codes = np.full(len(ids), self.code(banks), dtype=np.int16)
        else:
            codes = np.array([self.code(b) for b in banks], dtype=np.int16)
        order = np.argsort(ids, kind="stable")
        self.ids, self.base = ids[order], codes[order]
        self.extra: dict[int, int] = {}

    def code(self, bank: str) -> int:
        if bank not in self.codes:
            self.codes[bank] = len(self.names)
            self.names.append(bank)
        return self.codes[bank]

    def add(self, ids: np.ndarray, bank: str) -> None:
        self.extra.update(dict.fromkeys(ids.tolist(), self.code(bank)))

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` this shard already holds (an add replayed after a restart is skipped)."""
        hit = np.zeros(len(ids), dtype=bool)
        if len(self.ids):
            pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
            hit = self.ids[pos] == ids
        return hit | np.fromiter((int(i) in self.extra for i in ids), dtype=bool, count=len(ids))

    def of(self, ids: np.ndarray) -> np.ndarray:
        """Bank codes of ``ids`` (each id known)."""
        out = np.zeros(len(ids), dtype=np.int64)
        if len(self.ids):
            pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
            hit = self.ids[pos] == ids
            out[hit] = self.base[pos[hit]]
        else:
            hit = np.zeros(len(ids), dtype=bool)
        for k in np.flatnonzero(~hit).tolist():
            out[k] = self.extra.get(int(ids[k]), 0)
        return out


def pack(qidx: np.ndarray, ids: np.ndarray, dist: np.ndarray, codes: np.ndarray) -> bytes:
    """Hits as one bytes object: four int64 columns, column after column."""
    return np.concatenate([qidx, ids, dist, codes]).astype("<i8").tobytes()


def unpack(payload: bytes) -> np.ndarray:
    """(4, hits) int64: query index, id, distance, bank code."""
    return np.frombuffer(payload, dtype="<i8").reshape(4, -1)


class Shard:
    """One slice of the bank's PDQ signals (a Ray actor as :data:`IndexShard`, or held in the caller's
    process when the bank has one shard)."""

    def __init__(self, number: int, count: int, database: str | None = None) -> None:
        self.number, self.count = number, count
        self._write = threading.Lock()  # threaded actor: writes one at a time, reads never wait
        self.index = HammingIndex()
        self.banks = _Banks()
        if database is not None:
            self.rebuild(database)

    def rebuild(self, database: str) -> int:
        """Load this shard's live PDQ signals from the database (start-up and restart)."""
        from haven.bank.db import make_engine, signals

        engine = make_engine(database)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(signals.c.id, signals.c.bank, signals.c.value).where(
                        signals.c.active.is_(True),
                        signals.c.signal_type == "pdq",
                        signals.c.id % self.count == self.number,
                    )
                ).all()
        finally:
            engine.dispose()
        ids = np.array([r.id for r in rows], dtype=np.int64)
        index = HammingIndex()
        index.bulk_load(hex_to_words([r.value for r in rows]), ids)
        with self._write:
            self.banks, self.index = _Banks(ids, [r.bank for r in rows]), index
        return len(rows)

    def bulk_load(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> int:
        index = HammingIndex()
        index.bulk_load(words, ids)
        with self._write:
            self.banks, self.index = _Banks(ids, bank), index
        return len(ids)

    def add(self, words: np.ndarray, ids: np.ndarray, bank: str) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        with self._write:
            new = ~self.banks.known(ids)  # a restarted shard already loaded what the database held
            words, ids = np.asarray(words)[new], ids[new]
            self.banks.add(ids, bank)  # bank first: a hit always has one
            self.index.add(words, ids)
            if self.index.maintenance_due():
                self.index.maintain()

    def remove(self, words: np.ndarray, ids: np.ndarray) -> int:
        with self._write:
            return self.index.remove(words, ids)

    def _search(self, queries: bytes, radius: int) -> tuple[bytes, list[str]]:
        words = np.frombuffer(queries, dtype="<u8").reshape(-1, 4)
        qidx, ids, dist = self.index.search_arrays(words, radius)
        if not len(ids):
            return b"", []
        return pack(qidx, ids, dist, self.banks.of(ids)), self.banks.names

    @ray.method(enable_task_events=False)
    def search_packed(self, queries: bytes, radius: int) -> tuple[bytes, list[str]]:
        """Matches of the queries (raw little-endian uint64, four a hash) as :func:`pack` bytes and this
        shard's bank names (the codes index them)."""
        return self._search(queries, radius)

    def size(self) -> int:
        return len(self.index)

    def nbytes(self) -> int:
        """Bytes held by this shard's index and bank codes."""
        return self.index.nbytes() + self.banks.ids.nbytes + self.banks.base.nbytes

    @ray.method(enable_task_events=False)
    def ping(self) -> bytes:
        """Nothing: a fan-out of pings measures the round trip alone."""
        return b""

    def cpu_seconds(self) -> float:
        """CPU time of this shard's process (the benchmark adds it to the driver's)."""
        return time.process_time()


IndexShard = ray.remote(Shard)
"""The Ray actor class of :class:`Shard`."""
