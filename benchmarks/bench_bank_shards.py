"""Benchmark: the exact PDQ index sharded over Ray actors (1-4 shards) against the single-process
``HammingIndex`` on the same bank, in one run, on a local loopback Ray cluster.

    python benchmarks/bench_bank_shards.py --size 1000000
    python benchmarks/bench_bank_shards.py --size 10000000      # issue 18's size (needs ~4 GB RAM)

Prints per configuration: build seconds, the round trip of an empty fan-out (Ray's cost per query, no
search), single-query q/s (one query at a time, each waiting for its answer), concurrent single-query q/s
(``--threads`` callers each sending one query at a time, as an HTTP server's workers do; the sharded index
shares fan-outs between them), batched q/s (batches of 1,000, one at a time, and two callers at once: the
single process's compiled search releases the GIL too, so both use the two cores), recall against the
single-process index (equal answers = 1.0 at radius 31), wall and CPU seconds (driver + shards), and LAST
``ratio (ours / anchor)``: the largest shard count's sequential single-query q/s over the single
process's, both measured in alternating rounds of 20 queries (median rounds; issue 18 asks >= 0.5).
"""

import argparse
import threading
import time
from collections.abc import Callable

import numpy as np
import ray

from haven.bank.index import HammingIndex
from haven.bank.shards import ShardedIndex, pin_threads


def near(words: np.ndarray, rng: np.random.Generator, bits: int) -> np.ndarray:
    out = words.copy()
    for row in out:
        for b in rng.choice(256, size=bits, replace=False):
            row[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    return out


def concurrent(search: Callable[[np.ndarray], object], queries: np.ndarray, threads: int) -> float:
    """q/s of ``threads`` callers, each sending one query at a time until the queries are used up."""
    todo = iter(range(len(queries)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            search(queries[i : i + 1])

    pool = [threading.Thread(target=work) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(queries) / (time.perf_counter() - t0)


def alternate(
    ours: Callable[[np.ndarray], object], anchor: Callable[[np.ndarray], object], queries: np.ndarray
) -> tuple[float, float]:
    """Single-query q/s of both, measured in alternating rounds of 20 queries each, the median round
    each: on a shared machine the load moves between minutes, so a baseline measured once before is
    not "the same run". Each round gives the two different queries (even and odd ones) so that neither
    finds the other's cache lines warm, and the one that goes first alternates."""
    mine, theirs = [], []
    for k, lo in enumerate(range(0, len(queries) - 39, 40)):
        part = queries[lo : lo + 40]
        runs = [(ours, part[0::2], mine), (anchor, part[1::2], theirs)]
        for search, qs, out in runs if k % 2 == 0 else runs[::-1]:
            t0 = time.perf_counter()
            for q in qs:
                search(q[None, :])
            out.append(len(qs) / (time.perf_counter() - t0))
    return float(np.median(mine)), float(np.median(theirs))


def batched(search: Callable[[np.ndarray], object], queries: np.ndarray, callers: int) -> float:
    """q/s of ``callers`` threads sending batches of 1,000 (repeated to 4 batches a caller at least)."""
    reps = max(1, (4 * callers * 1000) // len(queries))
    batches = [queries[i : i + 1000] for _ in range(reps) for i in range(0, len(queries), 1000)]
    todo = iter(batches)
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                b = next(todo, None)
            if b is None:
                return
            search(b)

    pool = [threading.Thread(target=work) for _ in range(callers)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(map(len, batches)) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--single", type=int, default=300, help="single queries timed per configuration")
    ap.add_argument("--threads", type=int, default=8, help="concurrent single-query callers")
    ap.add_argument("--shards", default="1,2,3,4", help="shard counts to measure")
    args = ap.parse_args(argv)
    pin_threads()
    rng = np.random.default_rng(11)
    words = rng.integers(0, 2**63, size=(args.size, 4), dtype=np.uint64)
    ids = np.arange(1, args.size + 1, dtype=np.int64)
    pick = rng.choice(args.size, size=500, replace=False)
    queries = np.vstack([near(words[pick], rng, 20), rng.integers(0, 2**63, (500, 4), dtype=np.uint64)])

    mixed = queries[rng.permutation(len(queries))]  # near copies and misses, shuffled
    w0, c0 = time.perf_counter(), time.process_time()
    single = HammingIndex()
    single.bulk_load(words, ids)
    build = time.perf_counter() - w0
    want = [sorted((s, d) for s, d in h) for h in single.search_many(queries, 31)]
    t0 = time.perf_counter()
    for q in queries[: args.single]:
        single.search_many(q[None, :], 31)
    base_single = args.single / (time.perf_counter() - t0)
    base_conc = concurrent(lambda q: single.search_many(q, 31), queries, args.threads)
    base_batch = batched(lambda q: single.search_many(q, 31), queries, 1)
    base_batch2 = batched(lambda q: single.search_many(q, 31), queries, 2)
    print(
        f"single process: {args.size:,} hashes, build {build:.1f} s, {base_single:,.0f} q/s single, "
        f"{base_conc:,.0f} q/s with {args.threads} callers, {base_batch:,.0f} q/s batched "
        f"({base_batch2:,.0f} with 2 callers), {single.nbytes() / args.size:.1f} bytes/hash, "
        f"wall {time.perf_counter() - w0:.1f} s, "
        f"CPU {time.process_time() - c0:.1f} s"
    )

    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    last_single = 0.0
    try:
        configs = [(int(x), False) for x in args.shards.split(",")]
        if 1 in [n for n, _d in configs]:
            configs.insert(0, (1, True))  # the direct path (one shard in this process) beside one Ray actor
        for n, direct in configs:
            w0, c0 = time.perf_counter(), time.process_time()
            sharded = ShardedIndex(n, direct=direct, num_cpus=2 / n)
            sharded.bulk_load(words, ids)
            build = time.perf_counter() - w0
            cpu0 = sharded.cpu_seconds()
            for _ in range(20):
                sharded.ping()
            t0 = time.perf_counter()
            for _ in range(args.single):
                sharded.ping()
            trip = (time.perf_counter() - t0) / args.single * 1e3
            got = [sorted((s, d) for s, d, _b in h) for h in sharded.search_many(queries, 31)]
            found = sum(len(set(g) & set(w)) for g, w in zip(got, want, strict=True))
            recall = found / max(1, sum(map(len, want)))
            exact = got == want
            for q in queries[:5]:  # warm: compiled variants, connections
                sharded.search_many(q[None, :], 31)
            qs, alone = alternate(
                lambda q, s=sharded: s.search_many(q, 31),
                lambda q: single.search_many(q, 31),
                mixed[: 2 * args.single],
            )
            conc = concurrent(lambda q, s=sharded: s.search_many(q, 31), queries, args.threads)
            batch = batched(lambda q, s=sharded: s.search_many(q, 31), queries, 1)
            batch2 = batched(lambda q, s=sharded: s.search_many(q, 31), queries, 2)
            where = "direct (no Ray)" if direct else "on Ray"
            print(
                f"{n} shard(s) {where}: build {build:.1f} s, {sharded.nbytes() / args.size:.1f} bytes/hash, "
                f"empty fan-out {trip:.2f} ms, "
                f"{qs:,.0f} q/s single vs {alone:,.0f} single process alternately ({qs / alone:.2f}x), "
                f"{conc:,.0f} q/s with {args.threads} callers ({conc / base_conc:.2f}x), "
                f"{batch:,.0f} q/s batched ({batch / base_batch:.2f}x), "
                f"{batch2:,.0f} with 2 callers ({batch2 / base_batch2:.2f}x), recall {recall:.3f}, "
                f"answers identical: {exact}, wall {time.perf_counter() - w0:.1f} s, CPU driver "
                f"{time.process_time() - c0:.1f} s + shards {sharded.cpu_seconds() - cpu0:.1f} s "
                "(after build)"
            )
            last_single = qs / alone
            sharded.close()
    finally:
        ray.shutdown()
    print(f"ratio (ours / anchor): {last_single:.2f}")


if __name__ == "__main__":
    main()
