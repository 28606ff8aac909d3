"""The index sharded over Ray actors on a local Ray cluster (loopback only) answers exactly what the
single-process index answers on the same bank: fan-out and merge, adds and withdrawals routed to the owning
shard, and shards rebuilt from the database when they start again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")  # a main dependency; absent only in a broken install

from haven.bank import banks as store  # noqa: E402
from haven.bank.db import make_engine  # noqa: E402
from haven.bank.index import HammingIndex, words_to_hex  # noqa: E402
from haven.bank.shards import ShardedIndex  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    yield
    ray.shutdown()


def flip(words: np.ndarray, rng: np.random.Generator, bits: int) -> np.ndarray:
    out = words.copy()
    for row in out:
        for b in rng.choice(256, size=bits, replace=False):
            row[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    return out


def test_sharded_equals_single(cluster, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 3000
    words = rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64)
    ids = np.arange(1, n + 1, dtype=np.int64)
    queries = np.vstack(
        [
            flip(words[:40], rng, 20),
            flip(words[40:60], rng, 31),
            rng.integers(0, 2**63, (20, 4), dtype=np.uint64),
        ]
    )

    single = HammingIndex()
    single.bulk_load(words, ids)
    sharded = ShardedIndex(3)
    sharded.bulk_load(words, ids)
    assert sharded.size() == n

    def same(found: int) -> None:
        want = [sorted(h, key=lambda x: (x[1], x[0])) for h in single.search_many(queries, 31)]
        got = [[(sid, d) for sid, d, _bank in hits] for hits in sharded.search_many(queries, 31)]
        assert got == want
        assert sum(map(len, got)) == found  # every near copy, nothing else

    same(60)
    # adds and withdrawals go to the owning shard; answers stay equal
    extra = flip(queries[:5], rng, 3)
    extra_ids = np.arange(n + 1, n + 6, dtype=np.int64)
    single.add(extra, extra_ids)
    sharded.add(extra, extra_ids)
    gone = ids[:10]
    single.remove(words[:10], gone)
    assert sharded.remove(words[:10], gone) == 10
    same(60 - 10 + 5)
    sharded.close()


def test_concurrent_callers_share_fan_outs(cluster) -> None:
    """Threads asking at once (as server workers do) get their own answers, equal to the single index,
    with several fan-outs in flight on threaded shard actors."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(8)
    words = rng.integers(0, 2**63, size=(2000, 4), dtype=np.uint64)
    ids = np.arange(1, 2001, dtype=np.int64)
    single = HammingIndex()
    single.bulk_load(words, ids)
    sharded = ShardedIndex(2, inflight=3)
    sharded.bulk_load(words, ids, "B")
    queries = np.vstack([flip(words[:60], rng, 12), rng.integers(0, 2**63, (20, 4), dtype=np.uint64)])
    radii = [31 if i % 2 else 0 for i in range(len(queries))]  # two radii in one shared batch

    def ask(i: int) -> list[tuple[int, int, str]]:
        return sharded.search_many(queries[i : i + 1], radii[i])[0]

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(ask, range(len(queries))))
    want = [
        [
            (sid, d, "B")
            for sid, d in sorted(
                single.search_many(queries[i : i + 1], radii[i])[0], key=lambda h: (h[1], h[0])
            )
        ]
        for i in range(len(queries))
    ]
    assert got == want
    assert sum(map(len, got)) == 30  # the odd near copies at radius 31; radius 0 finds no flipped copy
    sharded.close()


def _bank(tmp_path: Path, seed: int, count: int, withdraw: int | None = None) -> tuple[str, list[str]]:
    """A SQLite bank of ``count`` random hashes (content ``withdraw`` withdrawn, if given)."""
    db = str(tmp_path / "bank.sqlite")
    engine = make_engine(db)
    rng = np.random.default_rng(seed)
    hexes = words_to_hex(rng.integers(0, 2**63, size=(count, 4), dtype=np.uint64))
    for h in hexes:
        store.add_content(engine, "haven", [("pdq", h)], "test")
    if withdraw is not None:
        store.remove_content(engine, "haven", withdraw)
    engine.dispose()
    return db, hexes


def test_shards_rebuild_from_database(cluster, tmp_path: Path) -> None:
    db, hexes = _bank(tmp_path, 5, 30, withdraw=1)  # the first item withdrawn: not loaded
    first = ShardedIndex(2, db)
    assert first.size() == 29
    first.close()
    again = ShardedIndex(2, db)  # a restart: each shard reloads its slice from the database
    from haven.bank.index import hex_to_words

    hits = again.search_many(hex_to_words(hexes[:3]), 0)
    assert hits[0] == [] and [len(h) for h in hits[1:]] == [1, 1] and hits[1][0][2] == "haven"
    again.close()


def test_dead_shard_is_restarted_from_the_database(cluster, tmp_path: Path) -> None:
    """A shard that dies: the fan-out out at the time fails (never a partial answer), Ray starts it again,
    it reloads its slice from the database, and an add replayed to it is not held twice."""
    import time

    from haven.bank.index import hex_to_words

    db, hexes = _bank(tmp_path, 6, 20)
    sharded = ShardedIndex(2, db)
    want = sharded.search_many(hex_to_words(hexes), 0)
    assert [len(h) for h in want] == [1] * 20
    ray.kill(sharded.shards[0], no_restart=False)
    deadline, got = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        try:
            got = sharded.search_many(hex_to_words(hexes), 0)
            break
        except ray.exceptions.RayError:  # actor died / unavailable / its task failed while it restarted
            time.sleep(0.2)  # this fan-out failed whole; the shard is being started again
    assert got == want
    sid, _d, _b = want[1][0]  # replay the add of a signal the restarted shard loaded
    sharded.add(hex_to_words([hexes[1]]), np.array([sid]), "haven")
    assert sharded.search_many(hex_to_words([hexes[1]]), 0) == [want[1]]
    assert sharded.size() == 20
    sharded.close()


def test_serve_with_shards(tmp_path: Path) -> None:
    """``haven bank serve --shards 2`` answers /v1/match like the single-process server on the same bank,
    and a new case and a withdrawal are live at once through the shards."""
    from test_bank_support import make_key, running

    db = str(tmp_path / "bank.sqlite")
    sub, plat = make_key(db, "submitter", "intake"), make_key(db, "matcher", "platform")
    rng = np.random.default_rng(9)
    hexes = words_to_hex(rng.integers(0, 2**63, size=(12, 4), dtype=np.uint64))
    with running(db) as plain, plain.client(sub) as s:
        for h in hexes[:10]:
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": h}]})
    with running(db, "--shards", "2") as sharded, sharded.client(plat) as p, sharded.client(sub) as s:
        assert p.get("/v1/status").json()["index"]["pdq"] == {"hashes": 10, "shards": 2}
        for h in hexes[:10]:
            (m,) = p.get("/v1/match", params={"signal_type": "pdq", "signal": h}).json()["matches"]
            assert m["distance"] == 0 and m["bank"] == "haven"
        new = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": hexes[11]}]}).json()
        assert (
            len(p.get("/v1/match", params={"signal_type": "pdq", "signal": hexes[11]}).json()["matches"]) == 1
        )
        s.post(f"/v1/cases/{new['case_number']}/withdraw", json={"pin": new["pin"]})
        assert p.get("/v1/match", params={"signal_type": "pdq", "signal": hexes[11]}).json()["matches"] == []


def test_one_shard_is_held_in_process(tmp_path: Path) -> None:
    """One shard: no Ray actor, no Ray hop (Ray need not even be running); same answers, adds and
    withdrawals, and the slice loaded from the database."""
    from haven.bank.index import hex_to_words
    from haven.bank.shards import start_local, stop_local

    db, hexes = _bank(tmp_path, 12, 25, withdraw=2)
    one = start_local(db, 1)
    assert one.direct and one.shards == [] and one.size() == 24
    hits = one.search_many(hex_to_words(hexes[:3]), 0)
    assert [len(h) for h in hits] == [1, 0, 1] and hits[0][0][1:] == (0, "haven")
    sid = hits[0][0][0]
    one.remove(hex_to_words(hexes[:1]), np.array([sid]))
    one.add(hex_to_words(hexes[1:2]), np.array([999]), "other")
    assert one.search_many(hex_to_words(hexes[:2]), 0) == [[], [(999, 0, "other")]]
    stop_local(one)
