"""Benchmark: Haven's Hamming index vs python-threatexchange's PDQIndex (faiss multi-hash) and faiss
IndexBinaryFlat, exact range search at radius 31 over 256-bit PDQ hashes, in one run.

    python benchmarks/bench_bank.py                      # 200,000 hashes (quick)
    python benchmarks/bench_bank.py --size 1000000
    python benchmarks/bench_bank.py --size 10000000 --data skewed

Prints build time, RAM per hash, single-query and batched queries/s, recall against brute force on a
sample, add/withdraw visibility, and as the LAST line ``ratio haven/PDQIndex: X`` (single-query q/s).
Queries: half near-duplicates of bank members (10-30 bits flipped), half random misses.
``--data skewed``: hashes are real PDQ hashes from the conformance haystack with 25% of bits flipped,
so chunk values are skewed the way real banks are (families of near-duplicate images).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

from haven.bank.index import MAX_RADIUS, HammingIndex, popcount_rows

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HAVEN_SHARED", ROOT.parent / "shared"))
HAYSTACK = SHARED / "conformance/threatexchange/pdq/data/reg-test-input/haystack.txt"


def rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def make_bank(n: int, data: str, rng: np.random.Generator) -> np.ndarray:
    words = np.empty((n, 4), dtype=np.uint64)
    step = 1_000_000
    if data == "skewed":
        seeds = np.frombuffer(
            bytes.fromhex("".join(ln.strip() for ln in HAYSTACK.read_text().splitlines() if ln.strip())),
            dtype="<u8",
        ).reshape(-1, 4)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        r = rng.integers(0, 2**64 - 1, size=(hi - lo, 4), dtype=np.uint64, endpoint=True)
        if data == "skewed":  # seed XOR noise with P(bit) = 1/4
            noise = r & rng.integers(0, 2**64 - 1, size=(hi - lo, 4), dtype=np.uint64, endpoint=True)
            r = seeds[rng.integers(0, len(seeds), hi - lo)] ^ noise
        words[lo:hi] = r
    return words


def make_queries(words: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    half = count // 2
    q = words[rng.integers(0, len(words), half)].copy()
    bits = np.unpackbits(q.view(np.uint8), axis=1)
    for i in range(half):
        bits[i, rng.choice(256, int(rng.integers(10, 31)), replace=False)] ^= 1
    near = np.packbits(bits, axis=1).view(np.uint64).reshape(half, 4)
    miss = rng.integers(0, 2**64 - 1, size=(count - half, 4), dtype=np.uint64, endpoint=True)
    out = np.concatenate([near, miss])
    return out[rng.permutation(len(out))]


def brute(words: np.ndarray, q: np.ndarray) -> set[int]:
    return set(np.flatnonzero(popcount_rows(words ^ q) <= MAX_RADIUS).tolist())


def recall(found: list[set[int]], truth: list[set[int]]) -> float:
    want = sum(len(t) for t in truth)
    got = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    extra = sum(len(f - t) for f, t in zip(found, truth, strict=True))
    if extra:
        print(f"    WARNING: {extra} results beyond radius 31")
    return got / want if want else 1.0


def bench_haven(words, queries, sample, truth, batch) -> float:
    print("haven (multi-index hashing; numpy tables, numba kernels)")
    HammingIndex.warm_up()  # numba kernels compiled / loaded from cache before timing
    gc.collect()
    r0 = rss()
    t = time.perf_counter()
    index = HammingIndex()
    index.bulk_load(words, np.arange(len(words), dtype=np.int64))
    build = time.perf_counter() - t
    gc.collect()
    grown = rss() - r0
    n = len(words)
    print(f"  build: {build:.2f} s  layout: {index.layout.chunks} chunks")
    print(
        f"  RAM: {index.nbytes() / n:.1f} bytes/hash (arrays incl. the hashes); "
        f"RSS growth {(grown + words.nbytes) / n:.1f} bytes/hash incl. hashes"
    )
    found = [{i for i, _ in index.search(q)} for q in sample]
    print(f"  recall@31 on {len(sample)} queries vs brute force: {recall(found, truth):.4f}")
    t = time.perf_counter()
    for q in queries:
        index.search(q)
    single = len(queries) / (time.perf_counter() - t)
    t = time.perf_counter()
    index.search_many(batch)
    batched = len(batch) / (time.perf_counter() - t)
    print(f"  single-query: {single:,.0f} q/s   batched ({len(batch)}): {batched:,.0f} q/s")
    # incremental add / withdraw: visible as soon as the call returns
    new = queries[0].copy()
    new[0] ^= np.uint64(0xFF)
    t = time.perf_counter()
    index.add(new[None, :], [n + 1])
    seen = any(i == n + 1 for i, _ in index.search(new))
    t_add = time.perf_counter() - t
    t = time.perf_counter()
    index.remove(new[None, :], [n + 1])
    gone = not any(i == n + 1 for i, _ in index.search(new))
    t_del = time.perf_counter() - t
    print(
        f"  add->match: {t_add * 1000:.2f} ms ({'visible' if seen else 'NOT visible'}); "
        f"withdraw->no match: {t_del * 1000:.2f} ms ({'gone' if gone else 'STILL MATCHES'})"
    )
    extra = make_queries(words, 8192, np.random.default_rng(3))
    index.add(extra, np.arange(n + 10, n + 10 + len(extra)))
    t = time.perf_counter()
    index.maintain()
    print(f"  background merge of {len(extra)} buffered adds: {time.perf_counter() - t:.2f} s (no re-sort)")
    del index
    gc.collect()
    return single


def bench_flat(words, queries, sample, truth) -> None:
    import faiss

    print("faiss IndexBinaryFlat (brute force)")
    faiss.omp_set_num_threads(1)
    index = faiss.IndexBinaryFlat(256)
    t = time.perf_counter()
    index.add(words.view(np.uint8).reshape(-1, 32))
    print(f"  build: {time.perf_counter() - t:.2f} s  RAM: 32.0 bytes/hash")
    q8 = sample.view(np.uint8).reshape(-1, 32)
    lims, _, ids = index.range_search(q8, MAX_RADIUS + 1)  # radius is exclusive
    found = [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(len(sample))]
    print(f"  recall@31: {recall(found, truth):.4f}")
    few = queries[: max(5, min(len(queries), int(2e8 / len(words))))].view(np.uint8).reshape(-1, 32)
    t = time.perf_counter()
    for i in range(len(few)):
        index.range_search(few[i : i + 1], MAX_RADIUS + 1)
    print(f"  single-query: {len(few) / (time.perf_counter() - t):,.1f} q/s ({len(few)} queries)")
    del index
    gc.collect()


def bench_pdqindex(words, queries, sample, truth, batch) -> float:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    print("python-threatexchange PDQIndex (faiss IndexBinaryMultiHash 16x16)")
    faiss.omp_set_num_threads(1)
    raw = words.tobytes()
    gc.collect()
    r0 = rss()
    t = time.perf_counter()
    index = PDQIndex((raw[i * 32 : i * 32 + 32].hex(), i) for i in range(len(words)))
    build = time.perf_counter() - t
    gc.collect()
    per = (rss() - r0) / len(words)
    print(f"  build: {build:.2f} s  RAM: {per:.1f} bytes/hash (RSS growth incl. its hex entries)")
    hexes = [q.tobytes().hex() for q in queries]
    found = [{m.metadata for m in index.query(q.tobytes().hex())} for q in sample]
    print(f"  recall@31: {recall(found, truth):.4f}")
    t = time.perf_counter()
    for h in hexes:
        index.query(h)
    single = len(hexes) / (time.perf_counter() - t)
    bhex = [q.tobytes().hex() for q in batch]
    t = time.perf_counter()
    index.index.search_with_distance_in_result(bhex, MAX_RADIUS)
    batched = len(bhex) / (time.perf_counter() - t)
    print(f"  single-query: {single:,.0f} q/s   batched ({len(bhex)}): {batched:,.0f} q/s")
    del index
    gc.collect()
    return single


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=2000, help="single queries per index")
    ap.add_argument("--batch", type=int, default=5000, help="queries in the batched run")
    ap.add_argument("--sample", type=int, default=50, help="queries checked against brute force")
    ap.add_argument("--data", choices=["random", "skewed"], default="random")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.data == "skewed" and not HAYSTACK.exists():
        sys.exit(f"--data skewed needs the conformance haystack at {HAYSTACK}")
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    words = make_bank(args.size, args.data, rng)
    queries = make_queries(words, args.queries, rng)
    batch = make_queries(words, args.batch, rng)
    sample = make_queries(words, args.sample, rng)
    truth = [brute(words, q) for q in sample]
    print(
        f"bank: {args.size:,} {args.data} hashes; {sum(map(len, truth))} true matches in the "
        f"{args.sample}-query sample; setup {time.perf_counter() - t:.1f} s"
    )
    haven = bench_haven(words, queries, sample, truth, batch)
    bench_flat(words, queries, sample, truth)
    anchor = bench_pdqindex(words, queries[: max(200, args.queries // 4)], sample, truth, batch)
    print(f"ratio haven/PDQIndex: {haven / anchor:.2f}")


if __name__ == "__main__":
    main()
