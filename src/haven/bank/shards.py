"""The exact PDQ index spread over Ray actors: each shard holds the signals whose id ``% count`` is its
number, queries fan out to every shard and the answers are merged, adds and withdrawals go to the owning
shard only, and a shard (re)builds its slice from the bank database when it starts.

Ray does the cluster work (placement, transport, restart); this module only cuts the bank into slices
and merges answers. Each shard is a :class:`haven.bank.index.HammingIndex`, so answers are exactly those of
the single-process index (recall 1.0 at radius 31).
"""

from typing import Any

import numpy as np
import ray
from sqlalchemy import select

from haven.bank.index import MAX_RADIUS, HammingIndex, hex_to_words


@ray.remote
class IndexShard:
    """One slice of the bank's PDQ signals."""

    def __init__(self, number: int, count: int, database: str | None = None) -> None:
        self.number, self.count = number, count
        self.index = HammingIndex()
        self.bank: dict[int, str] = {}
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
        self.index = HammingIndex()
        self.bank = {int(r.id): r.bank for r in rows}
        self.index.bulk_load(
            hex_to_words([r.value for r in rows]), np.array([r.id for r in rows], dtype=np.int64)
        )
        return len(rows)

    def bulk_load(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> int:
        self.index.bulk_load(words, ids)
        self.bank = dict.fromkeys(ids.tolist(), bank)
        return len(ids)

    def add(self, words: np.ndarray, ids: np.ndarray, bank: str) -> None:
        self.index.add(words, ids)
        self.bank.update(dict.fromkeys(ids.tolist(), bank))
        if self.index.maintenance_due():
            self.index.maintain()

    def remove(self, words: np.ndarray, ids: np.ndarray) -> int:
        return self.index.remove(words, ids)

    def search_many(self, words: np.ndarray, radius: int) -> list[list[tuple[int, int, str]]]:
        return [
            [(sid, dist, self.bank.get(sid, "")) for sid, dist in hits]
            for hits in self.index.search_many(words, radius)
        ]

    def size(self) -> int:
        return len(self.index)


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
    """A local Ray cluster on loopback (unless one is already joined) and ``count`` shards of the bank."""
    if not ray.is_initialized():
        ray.init(
            address="local",
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            configure_logging=False,
        )
    return ShardedIndex(count, database, num_cpus=0)


def stop_local(index: "ShardedIndex") -> None:
    index.close()
    ray.shutdown()


def _remote(cls: Any) -> Any:
    """A Ray actor class as ``Any`` (Ray adds ``.remote``/``.options`` at run time)."""
    return cls


class ShardedIndex:
    """``count`` Ray actors, one slice each; the same answers as one ``HammingIndex`` over everything."""

    def __init__(self, count: int, database: str | None = None, **actor_options: Any) -> None:
        if count < 1:
            raise ValueError("at least one shard")
        self.count = count
        self.since = _last_event(database) if database is not None else 0  # read before the slices
        self.shards = [
            _remote(IndexShard).options(**actor_options).remote(i, count, database) for i in range(count)
        ]

    def owner(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(ids, dtype=np.int64) % self.count

    def bulk_load(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> None:
        own = self.owner(ids)
        ray.get([s.bulk_load.remote(words[own == i], ids[own == i], bank) for i, s in enumerate(self.shards)])

    def add(self, words: np.ndarray, ids: np.ndarray, bank: str = "haven") -> None:
        own = self.owner(ids)
        ray.get(
            [
                s.add.remote(words[own == i], ids[own == i], bank)
                for i, s in enumerate(self.shards)
                if (own == i).any()
            ]
        )

    def remove(self, words: np.ndarray, ids: np.ndarray) -> int:
        own = self.owner(ids)
        return sum(
            ray.get(
                [
                    s.remove.remote(words[own == i], ids[own == i])
                    for i, s in enumerate(self.shards)
                    if (own == i).any()
                ]
            )
        )

    def search_many(self, words: np.ndarray, radius: int = MAX_RADIUS) -> list[list[tuple[int, int, str]]]:
        """Fan out to every shard, merge per query: (signal id, distance, bank), nearest first."""
        parts = ray.get([s.search_many.remote(words, radius) for s in self.shards])
        merged: list[list[tuple[int, int, str]]] = [[] for _ in range(len(words))]
        for part in parts:
            for qi, hits in enumerate(part):
                merged[qi].extend(hits)
        for hits in merged:
            hits.sort(key=lambda h: (h[1], h[0]))
        return merged

    def size(self) -> int:
        return int(sum(ray.get([s.size.remote() for s in self.shards])))

    def close(self) -> None:
        for s in self.shards:
            ray.kill(s)
