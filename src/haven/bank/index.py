"""Haven's exact Hamming range search for 256-bit PDQ hashes (multi-index hashing, numpy only).

Why hand-written: faiss' ``IndexBinaryMultiHash`` (what python-threatexchange's ``PDQIndex`` wraps) cannot
delete, keeps ~650 bytes per hash, and its speed swings with the allocator; ``IndexBinaryFlat`` scans
everything.
No maintained library offers exact, incremental, compact Hamming range search, so this module does, from numpy
building blocks, with the inner loop compiled by numba (``haven.bank.kernels``; a numpy path is kept as the
reference and fallback).

How it works (Norouzi et al., multi-index hashing, with the generalised pigeonhole principle):

* The 256 bits are cut into ``m`` chunks that never straddle a 64-bit word. Each chunk ``i`` has a probe
  radius ``t_i`` with ``sum(t_i + 1) >= R + 1`` (R = 31, the largest radius served). If two hashes differ in
  at most R bits, some chunk differs in at most ``t_i`` bits (otherwise the total would be >= R + 1), so
  probing every chunk value within ``t_i`` of the query's chunk finds every true match: recall is 1.0.
* Each chunk has a direct-address table (CSR): ``offsets`` (one entry per possible chunk value) and ``ids``
  (row numbers sorted by chunk value). All chunks live in one flat array so a query is a few vectorised
  numpy calls: probe addresses -> bucket ranges -> candidate rows -> XOR + popcount -> distance filter.
* Layouts: up to 500,000 hashes, 16 chunks of 16 bits, ``t = 1`` (272 probes, 4 MB of offsets). Above that,
  12 chunks of 22/21/21 bits per word, ``t = 2`` on 8 chunks and ``t = 1`` on 4 (2,032 probes but ~6x
  fewer candidates). Memory: 32 bytes hash + 8 id + 1 alive + 4 per chunk + offsets (~13 bytes/hash at 10 M).
* Incremental: ``add`` appends to a write buffer that queries scan by brute force (visible at once);
  ``remove`` clears an ``alive`` flag (gone at once). ``maintain`` merges the buffer into the tables by
  insertion (one memcpy, no re-sort) or, when the bank outgrows its layout, rebuilds in the background.
  Readers never lock: each query reads one immutable ``_Tables`` snapshot plus the append-only rows.

The layout and the chunk tables are :mod:`haven.bank.chunks`, the hash-word helpers :mod:`haven.bank.words`
(both re-exported here); this module holds the index itself: rows, writes, maintenance, the compiled and the
numpy reference search (the property tests run both against brute force) and the snapshot.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from haven.bank import kernels
from haven.bank.chunks import MAX_RADIUS, SMALL_LAYOUT_MAX, Layout, _Tables
from haven.bank.words import WORDS, hex_to_words, popcount_rows, words_to_hex

USE_KERNELS = kernels.AVAILABLE  # compiled loops (numba); the numpy path below is the reference
BUFFER_LIMIT = 8192  # rows scanned by brute force before a merge is due
BATCH = 16  # queries verified together
HEADROOM = 4 * BUFFER_LIMIT  # free rows kept ahead of adds


def _layout_for(n: int) -> Layout:
    """``Layout.for_size``, read through this module's ``SMALL_LAYOUT_MAX`` (tests set it to 0 to run the
    large layout)."""
    return Layout.for_size(n, SMALL_LAYOUT_MAX)


class HammingIndex:
    """Exact range search over 256-bit hashes, each with an integer id, with add/remove at any time."""

    def __init__(self, capacity: int = 1024) -> None:
        self._lock = threading.RLock()
        self._words = np.zeros((max(capacity, 16), WORDS), dtype=np.uint64)
        self._ids = np.zeros(max(capacity, 16), dtype=np.int64)
        self._alive = np.zeros(max(capacity, 16), dtype=bool)
        self._n = 0
        self._dead = 0
        self._tables = _Tables.build(Layout.small(), self._words[:0])
        self._maintaining = False

    # ------------------------------------------------------------------ size and memory
    def __len__(self) -> int:
        return self._n - self._dead

    @property
    def layout(self) -> Layout:
        return self._tables.layout

    @property
    def buffered(self) -> int:
        """Rows not yet in the chunk tables (scanned by brute force)."""
        return self._n - self._tables.rows

    def nbytes(self) -> int:
        t = self._tables
        return self._words.nbytes + self._ids.nbytes + self._alive.nbytes + t.offsets.nbytes + t.ids.nbytes

    # ------------------------------------------------------------------ writes
    def _grow(self, need: int) -> None:
        cap = len(self._ids)
        if need <= cap:
            return
        new = max(need, int(cap * 1.25) + 16)
        words = np.zeros((new, WORDS), dtype=np.uint64)
        ids = np.zeros(new, dtype=np.int64)
        alive = np.zeros(new, dtype=bool)
        words[: self._n], ids[: self._n], alive[: self._n] = (
            self._words[: self._n],
            self._ids[: self._n],
            self._alive[: self._n],
        )
        self._words, self._ids, self._alive = words, ids, alive

    def _reserve(self) -> None:
        """Grow capacity ahead of need, copying outside the lock (so an add never waits for a big copy)."""
        with self._lock:
            n0, words, ids, cap = self._n, self._words, self._ids, len(self._ids)
        if cap - n0 >= HEADROOM:
            return
        new = max(int(cap * 1.25), n0 + 2 * HEADROOM)
        new_words = np.zeros((new, WORDS), dtype=np.uint64)
        new_ids = np.zeros(new, dtype=np.int64)
        new_words[:n0], new_ids[:n0] = words[:n0], ids[:n0]  # rows never change once written
        with self._lock:
            n = self._n
            new_words[n0:n], new_ids[n0:n] = self._words[n0:n], self._ids[n0:n]
            new_alive = np.zeros(new, dtype=bool)
            new_alive[:n] = self._alive[:n]  # withdrawals may have happened meanwhile: copy under the lock
            self._words, self._ids, self._alive = new_words, new_ids, new_alive

    def add(self, words: np.ndarray, ids: np.ndarray | list[int]) -> None:
        """Append hashes (n, 4 uint64) with their ids; searchable as soon as this returns."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(words) != len(ids):
            raise ValueError("one id per hash")
        with self._lock:
            n = self._n
            self._grow(n + len(ids))
            self._words[n : n + len(ids)] = words
            self._ids[n : n + len(ids)] = ids
            self._alive[n : n + len(ids)] = True
            self._n = n + len(ids)  # publish last: readers only look at rows below _n

    def remove(self, words: np.ndarray, ids: np.ndarray | list[int]) -> int:
        """Withdraw hashes by (hash, id); they stop matching as soon as this returns. Count removed."""
        ids = np.asarray(ids, dtype=np.int64)
        removed = 0
        with self._lock:
            rows, qidx, _ = self._search_rows(words, 0)
            for row, q in zip(rows.tolist(), qidx.tolist(), strict=True):
                if self._ids[row] == ids[q] and self._alive[row]:
                    self._alive[row] = False
                    removed += 1
            self._dead += removed
        return removed

    def bulk_load(self, words: np.ndarray, ids: np.ndarray) -> None:
        """Replace the contents with these hashes and build the tables at once (start-up, benchmarks)."""
        n = len(ids)
        cap = n + max(HEADROOM, n // 64)  # room for adds without a copy in the foreground
        with self._lock:
            self._words = np.zeros((cap, WORDS), dtype=np.uint64)
            self._words[:n] = words
            self._ids = np.zeros(cap, dtype=np.int64)
            self._ids[:n] = ids
            self._alive = np.zeros(cap, dtype=bool)
            self._alive[:n] = True
            self._n, self._dead = n, 0
            self._tables = _Tables.build(_layout_for(n), self._words[:n])

    def maintenance_due(self) -> bool:
        t = self._tables
        return (
            self.buffered > BUFFER_LIMIT
            or _layout_for(self._n) != t.layout
            or len(self._ids) - self._n < HEADROOM
        )

    def maintain(self) -> None:
        """Fold the write buffer into the tables (or rebuild for a bigger layout). Safe to run in a thread
        while queries and writes go on; queries see either the old or the new tables, both exact."""
        with self._lock:
            if self._maintaining:
                return
            self._maintaining = True
            tables, n, words = self._tables, self._n, self._words
        try:
            self._reserve()
            layout = _layout_for(n)
            if layout != tables.layout or tables.rows == 0:
                new = _Tables.build(layout, words[:n])
            else:
                new = tables.merged(words[tables.rows : n], tables.rows)
            with self._lock:
                self._tables = new
        finally:
            self._maintaining = False

    # ------------------------------------------------------------------ reads
    def _search_rows(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, query index, distance) of live matches; rows unique per query."""
        if not 0 <= radius <= MAX_RADIUS:
            raise ValueError(f"radius must be 0..{MAX_RADIUS}")
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, WORDS)
        if USE_KERNELS:
            if len(queries) == 1:
                return self._search_one_compiled(queries, radius)
            return self._search_rows_compiled(queries, radius)
        return self._search_rows_numpy(queries, radius)

    def _search_one_compiled(
        self, queries: np.ndarray, radius: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One query in one compiled call (chunking, probes, buffer scan and de-duplication inside): the
        request path of ``GET /v1/match`` pays one dispatch instead of ~25 numpy calls."""
        t, n = self._tables, self._n
        query = np.array(queries[0], dtype=np.uint64)  # writable: one compiled version for every caller
        cap = 64
        while True:
            out_r, out_d = np.empty(cap, np.int64), np.empty(cap, np.int64)
            found = kernels.search_one(
                query,
                t.word,
                t.shift,
                t.cmask,
                t.cradius,
                t.probe_chunk,
                t.probe_mask,
                t.probe_base,
                t.offsets,
                t.ids,
                self._words,
                self._alive,
                t.rows,
                n,
                radius,
                out_r,
                out_d,
            )
            if found <= cap:
                return out_r[:found], np.zeros(found, np.int64), out_d[:found]
            cap = found

    def _search_rows_compiled(
        self, queries: np.ndarray, radius: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tables, n, words, alive = self._tables, self._n, self._words, self._alive
        parts = []
        cap = 16 * len(queries) + 16
        for _ in range(2):  # second pass only if the first output arrays were too small
            out_q, out_r, out_d = (np.empty(cap, np.int64) for _ in range(3))
            found = 0
            if tables.rows:
                found = kernels.search_tables(
                    tables.chunk_values(queries),
                    tables.probe_chunk,
                    tables.probe_mask,
                    tables.probe_base,
                    tables.offsets,
                    tables.ids,
                    words,
                    alive,
                    queries,
                    radius,
                    out_q,
                    out_r,
                    out_d,
                )
            if found <= cap:
                parts.append((out_q[:found], out_r[:found], out_d[:found]))
                break
            cap = found
        if n > tables.rows:
            cap = 16 * len(queries) + 16
            for _ in range(2):
                out_q, out_r, out_d = (np.empty(cap, np.int64) for _ in range(3))
                found = kernels.scan_rows(words, alive, tables.rows, n, queries, radius, out_q, out_r, out_d)
                if found <= cap:
                    parts.append((out_q[:found], out_r[:found], out_d[:found]))
                    break
                cap = found
        q = np.concatenate([p[0] for p in parts])
        r = np.concatenate([p[1] for p in parts])
        d = np.concatenate([p[2] for p in parts])
        if len(r) > 1:  # a row can be found through several chunks
            _, first = np.unique(q * (n + 1) + r, return_index=True)
            r, q, d = r[first], q[first], d[first]
        return r, q, d

    def _search_rows_numpy(
        self, queries: np.ndarray, radius: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tables, n, words, alive = self._tables, self._n, self._words, self._alive
        parts_r, parts_q = [], []
        if tables.rows:
            for lo in range(0, len(queries), BATCH):  # small groups keep the temporaries in cache
                group = queries[lo : lo + BATCH]
                rows, qidx = tables.candidates(tables.chunk_values(group))
                cand = np.take(words, rows, axis=0)
                cand ^= group if len(group) == 1 else np.take(group, qidx, axis=0)
                ok = np.flatnonzero(popcount_rows(cand) <= radius)
                rows, qidx = rows[ok], qidx[ok]
                live = alive[rows]  # only the few hits touch the alive flags
                parts_r.append(rows[live])
                parts_q.append(qidx[live] + lo)
        if n > tables.rows:  # write buffer: brute force
            buf, buf_alive = words[tables.rows : n], alive[tables.rows : n]
            for qi in range(len(queries)):
                hit = np.flatnonzero((popcount_rows(buf ^ queries[qi]) <= radius) & buf_alive)
                parts_r.append(hit + tables.rows)
                parts_q.append(np.full(len(hit), qi))
        if not parts_r:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        r, q = np.concatenate(parts_r).astype(np.int64), np.concatenate(parts_q).astype(np.int64)
        if len(r) > 1:  # a row can be found through several chunks
            _, first = np.unique(q * (n + 1) + r, return_index=True)
            r, q = r[first], q[first]
        d = popcount_rows(np.take(words, r, axis=0) ^ np.take(queries, q, axis=0))
        return r, q, d

    def search(self, query: np.ndarray, radius: int = MAX_RADIUS) -> list[tuple[int, int]]:
        """[(id, distance)] of every live hash within ``radius`` of one query (4 uint64), nearest first."""
        rows, _, dist = self._search_rows(query, radius)
        order = np.lexsort((rows, dist))
        return list(zip(self._ids[rows[order]].tolist(), dist[order].tolist(), strict=True))

    def search_arrays(
        self, queries: np.ndarray, radius: int = MAX_RADIUS
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every match of a batch as three int64 arrays (query index, id, distance), ordered by query,
        then distance, then row (what :meth:`search_many` lists; no Python objects per hit)."""
        queries = np.asarray(queries, dtype=np.uint64).reshape(-1, WORDS)
        rows, qidx, dist = self._search_rows(queries, radius)
        order = np.lexsort((rows, dist, qidx))
        return qidx[order], self._ids[rows[order]], dist[order]

    def search_many(self, queries: np.ndarray, radius: int = MAX_RADIUS) -> list[list[tuple[int, int]]]:
        """:meth:`search` for a batch of queries (n, 4), vectorised across the batch."""
        queries = np.asarray(queries, dtype=np.uint64).reshape(-1, WORDS)
        qidx, ids, dist = self.search_arrays(queries, radius)
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(queries))]
        for i, q, d in zip(ids.tolist(), qidx.tolist(), dist.tolist(), strict=True):
            out[q].append((i, d))
        return out

    # ------------------------------------------------------------------ snapshot
    def save(self, path: Path) -> None:
        """Write live hashes and ids (compacted) atomically; tables are rebuilt by :meth:`load`."""
        with self._lock:
            n = self._n
            live = self._alive[:n]
            words, ids = self._words[:n][live], self._ids[:n][live]
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, words=words, ids=ids)
        tmp.replace(path)

    @staticmethod
    def warm_up() -> None:
        """Compile (or load from numba's cache) the kernels now, not on the first request."""
        index = HammingIndex()
        one = np.zeros((1, WORDS), dtype=np.uint64)
        index.bulk_load(one, np.zeros(1, dtype=np.int64))
        index.add(one, [1])
        index.search(one[0])
        index.search_many(np.concatenate([one, one]))

    @classmethod
    def load(cls, path: Path) -> HammingIndex:
        with np.load(path) as data:
            words, ids = data["words"], data["ids"]
        index = cls(capacity=16)
        index.bulk_load(words, ids)
        return index


__all__ = [
    "BATCH",
    "BUFFER_LIMIT",
    "HEADROOM",
    "MAX_RADIUS",
    "SMALL_LAYOUT_MAX",
    "USE_KERNELS",
    "WORDS",
    "HammingIndex",
    "Layout",
    "hex_to_words",
    "popcount_rows",
    "words_to_hex",
]
