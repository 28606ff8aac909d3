"""The exact PDQ index spread over Ray actors: each shard holds the signals whose id ``% count`` is its
number, queries fan out to every shard and the answers are merged, adds and withdrawals go to the owning
shard only, and a shard (re)builds its slice from the bank database when it starts. With one shard there
is nothing to spread: it is held in the caller's process (the direct path, no Ray hop per query).

Ray does the cluster work (placement, transport, restart); this module only cuts the bank into slices
and merges answers. Each shard is a :class:`haven.bank.index.HammingIndex`, so answers are exactly those of
the single-process index (recall 1.0 at radius 31). One shard (its slice, bank codes and answer format) is
:mod:`haven.bank.shard`; this module holds the fan-out, the merge and the local cluster.

The query path is kept lean (a query sent alone pays one actor call per shard): queries travel as raw
bytes, each shard answers with one bytes object (query index, id, distance and bank code as int64
columns, plus its bank names), the search method reports no task events, the calls to all shards are
submitted at once and the answers decoded as they arrive (``ray.wait``), then merged with numpy. A shard
keeps its ids' banks as a sorted array with codes (10 bytes a hash). Ray compiled graphs were tried for
the fan-out and were slower on this 2-core machine.

Shards are threaded actors (``max_concurrency``, default 2): the compiled search releases the GIL, so a
shard serves several fan-outs at once, and the index keeps up to that many fan-outs in flight (callers
arriving meanwhile join the next one). Writes inside a shard take a lock; reads never do.
"""

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np
import ray
from sqlalchemy import select

from haven.bank.index import MAX_RADIUS
from haven.bank.shard import IndexShard, Shard, pack, unpack

WRITE_RETRY_SECONDS = 120.0
"""How long an add or withdrawal is sent again to a shard Ray is restarting."""


def _last_event(database: str) -> int:
    from sqlalchemy import func

    from haven.bank.db import events, make_engine

    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())
    finally:
        engine.dispose()


def start_local(database: str, count: int) -> "ShardedIndex":
    """``count`` shards of the bank: one is held in this process (no Ray); more are Ray actors on a local
    cluster bound to loopback (unless this process already joined one)."""
    if count > 1 and not ray.is_initialized():
        pin_threads()
        ray.init(
            address="local",
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            configure_logging=False,
        )
    return ShardedIndex(count, database, num_cpus=0)


def pin_threads() -> None:
    """One BLAS/OpenMP thread per process, for the driver and the workers Ray starts from it (the search is
    single-threaded; pools of idle threads per shard would only oversubscribe the cores). And the shards
    at the server's own priority: Ray starts its workers 15 nice levels lower by default
    (``worker_niceness``), which on a busy machine starves every fan-out behind other processes."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("RAY_worker_niceness", "0")


def stop_local(index: "ShardedIndex") -> None:
    index.close()
    if ray.is_initialized():
        ray.shutdown()


def _remote(cls: Any) -> Any:
    """A Ray actor class as ``Any`` (Ray adds ``.remote``/``.options`` at run time)."""
    return cls


class ShardedIndex:
    """``count`` Ray actors, one slice each; the same answers as one ``HammingIndex`` over everything.

    ``inflight``: fan-outs out at once (each shard is an actor with that ``max_concurrency``).
    ``direct``: with one shard, hold it in this process (no Ray call per query; Ray is then not needed)."""

    def __init__(
        self,
        count: int,
        database: str | None = None,
        inflight: int = 2,
        direct: bool = True,
        **actor_options: Any,
    ) -> None:
        if count < 1 or inflight < 1:
            raise ValueError("at least one shard and one fan-out in flight")
        self.count, self.inflight = count, inflight
        self.since = _last_event(database) if database is not None else 0  # read before the slices
        self.local: Shard | None = None
        self.shards: list[Any] = []
        if count == 1 and direct:
            self.local = Shard(0, 1, database)
        else:
            actor_options.setdefault("max_concurrency", inflight)
            if database is not None:  # a shard that dies is started again by Ray and reloads its slice
                actor_options.setdefault("max_restarts", -1)
            self.shards = [
                _remote(IndexShard).options(**actor_options).remote(i, count, database) for i in range(count)
            ]
        self._lock = threading.Lock()
        self._waiting: list[tuple[np.ndarray, int, Future[list[list[tuple[int, int, str]]]]]] = []
        self._leaders = 0  # callers running fan-outs (at most ``inflight``)

    @property
    def direct(self) -> bool:
        """True when the one shard lives in this process."""
        return self.local is not None

    def owner(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(ids, dtype=np.int64) % self.count

    def bulk_load(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> None:
        if self.local is not None:
            self.local.bulk_load(words, ids, bank)
            return
        own = self.owner(ids)
        ray.get([s.bulk_load.remote(words[own == i], ids[own == i], bank) for i, s in enumerate(self.shards)])

    def _on_owners(self, ids: np.ndarray, call: Callable[[Any, np.ndarray], Any]) -> list[Any]:
        """``call(shard, mask)`` on each shard owning some of ``ids``. A shard Ray is restarting answers
        "unavailable": the call is sent again (adds are skipped by a shard that already holds them, and a
        restarted shard reloads withdrawals from the database) until ``WRITE_RETRY_SECONDS`` have passed."""
        own = self.owner(ids)
        pending = [i for i in range(self.count) if (own == i).any()]
        results: dict[int, Any] = {}
        deadline = time.monotonic() + WRITE_RETRY_SECONDS
        while pending:
            refs = {i: call(self.shards[i], own == i) for i in pending}
            pending = []
            for i, ref in refs.items():
                try:
                    results[i] = ray.get(ref)
                except ray.exceptions.ActorUnavailableError:
                    if time.monotonic() > deadline:
                        raise
                    pending.append(i)
            if pending:
                time.sleep(0.2)
        return list(results.values())

    def add(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> None:
        if self.local is not None:
            self.local.add(words, ids, bank)
            return
        self._on_owners(ids, lambda s, mask: s.add.remote(words[mask], ids[mask], bank))

    def remove(self, words: np.ndarray, ids: np.ndarray) -> int:
        """Withdraw; the count may miss a withdrawal applied by a call Ray reported as unavailable."""
        if self.local is not None:
            return self.local.remove(words, ids)
        return sum(self._on_owners(ids, lambda s, mask: s.remove.remote(words[mask], ids[mask])))

    def search_many(self, words: np.ndarray, radius: int = MAX_RADIUS) -> list[list[tuple[int, int, str]]]:
        """Fan out to every shard, merge per query: (signal id, distance, bank), nearest first.

        Callers on several threads share fan-outs: up to ``inflight`` fan-outs are out at once, and a call
        made while they are joins the next one, so N concurrent single-hash requests cost a few calls per
        shard, not N (a lone call waits for nothing). The direct (one local shard) path searches on the
        caller's thread: the compiled search releases the GIL, so callers run side by side."""
        queries = np.ascontiguousarray(words, dtype="<u8").reshape(-1, 4)
        if self.local is not None:
            return self._direct(queries, radius)
        mine: Future[list[list[tuple[int, int, str]]]] = Future()
        with self._lock:
            self._waiting.append((queries, radius, mine))
            lead = self._leaders < self.inflight
            self._leaders += lead
        while lead:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._leaders -= 1
                    break
            self._run(batch)
        return mine.result()

    def _direct(self, queries: np.ndarray, radius: int) -> list[list[tuple[int, int, str]]]:
        """The one local shard, without packing: its index's arrays, ordered as a merge orders them."""
        local = self.local
        assert local is not None
        qidx, ids, dist = local.index.search_arrays(queries, radius)
        out: list[list[tuple[int, int, str]]] = [[] for _ in range(len(queries))]
        if not len(ids):
            return out
        order = np.lexsort((ids, dist, qidx))
        names = local.banks.names
        codes = local.banks.of(ids[order]).tolist()
        hits = zip(qidx[order].tolist(), ids[order].tolist(), dist[order].tolist(), codes, strict=True)
        for qi, sid, d, code in hits:
            out[qi].append((sid, d, names[code]))
        return out

    def _run(self, batch: list[tuple[np.ndarray, int, Future[list[list[tuple[int, int, str]]]]]]) -> None:
        for radius in sorted({r for _q, r, _f in batch}):
            group = [(q, f) for q, r, f in batch if r == radius]
            try:
                merged = self._fan_out(np.concatenate([q for q, _f in group]), radius)
            except BaseException as exc:  # every waiting caller gets the error, not a hang
                for _q, f in group:
                    f.set_exception(exc)
                continue
            start = 0
            for q, f in group:
                f.set_result(merged[start : start + len(q)])
                start += len(q)

    def _fan_out(self, queries: np.ndarray, radius: int) -> list[list[tuple[int, int, str]]]:
        """Send to every shard, then take the answers as they arrive (``ray.wait``): each is decoded
        while slower shards are still searching; a failed shard fails the whole fan-out."""
        raw = queries.tobytes()  # serialised once, for every shard
        pending = [s.search_packed.remote(raw, radius) for s in self.shards]
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for payload, names in ray.get(ready):
                if payload:
                    cols = unpack(payload)
                    parts.append((cols, np.asarray(names, dtype=object)[cols[3]]))
        return _merge_columns(parts, len(queries))

    def size(self) -> int:
        if self.local is not None:
            return self.local.size()
        return int(sum(ray.get([s.size.remote() for s in self.shards])))

    def ping(self) -> None:
        """One fan-out that does no work (the round-trip cost of a query, measured by the benchmark)."""
        if self.local is None:
            ray.get([s.ping.remote() for s in self.shards])

    def nbytes(self) -> int:
        """Bytes held by all shards (index and bank codes)."""
        if self.local is not None:
            return self.local.nbytes()
        return int(sum(ray.get([s.nbytes.remote() for s in self.shards])))

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the shards' processes (0 for a direct shard: it is the caller's)."""
        if self.local is not None:
            return 0.0
        return float(sum(ray.get([s.cpu_seconds.remote() for s in self.shards])))

    def close(self) -> None:
        for s in self.shards:
            ray.kill(s)
        self.local = None


def _merge_columns(
    parts: list[tuple[np.ndarray, np.ndarray]], count: int
) -> list[list[tuple[int, int, str]]]:
    """Per query, (id, distance, bank) nearest first, from shards' (columns, bank names per hit)."""
    merged: list[list[tuple[int, int, str]]] = [[] for _ in range(count)]
    if not parts:
        return merged
    cols = parts[0][0] if len(parts) == 1 else np.concatenate([c for c, _b in parts], axis=1)
    banks = parts[0][1] if len(parts) == 1 else np.concatenate([b for _c, b in parts])
    order = np.lexsort((cols[1], cols[2], cols[0]))  # by query, then distance, then id
    q, i, d = cols[0][order].tolist(), cols[1][order].tolist(), cols[2][order].tolist()
    for qi, sid, dist, bank in zip(q, i, d, banks[order].tolist(), strict=True):
        merged[qi].append((sid, dist, bank))
    return merged


__all__ = [
    "WRITE_RETRY_SECONDS",
    "IndexShard",
    "Shard",
    "ShardedIndex",
    "pack",
    "pin_threads",
    "start_local",
    "stop_local",
    "unpack",
]
