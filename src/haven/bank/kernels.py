"""Compiled inner loops of the Hamming index (numba): probe the chunk tables, verify each candidate with a
popcount, keep the ones within the radius. One pass, no temporaries, the GIL released.

Why: the same steps as vectorised numpy calls (``HammingIndex`` keeps that path as the reference and for
machines without numba) cost ~25 array allocations per query; compiled, a query at 10 M hashes is bound
by memory latency alone. numba is a maintained JIT compiler; the loops here are the part no library offers.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit

    AVAILABLE = True
except ImportError:  # pragma: no cover - numba is a dependency; the numpy path still works without it
    AVAILABLE = False

    def njit(*_args, **_kwargs):  # type: ignore[no-redef]
        return lambda f: f


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> np.int64:  # pragma: no cover - compiled
    # SWAR popcount; LLVM turns this idiom into the POPCNT instruction
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def search_tables(
    chunks,
    probe_chunk,
    probe_mask,
    probe_base,
    offsets,
    ids,
    words,
    alive,
    queries,
    radius,
    out_q,
    out_r,
    out_d,
):  # pragma: no cover - compiled
    """Matches of each query (rows of ``queries``) in the chunk tables; returns how many were found (may
    exceed the output size: then the caller retries with bigger arrays). A row can appear more than once."""
    count = 0
    cap = out_r.shape[0]
    for qi in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        for p in range(probe_mask.shape[0]):
            a = probe_base[p] + (chunks[qi, probe_chunk[p]] ^ probe_mask[p])
            for k in range(offsets[a], offsets[a + 1]):
                r = ids[k]
                d = (
                    _popcount(words[r, 0] ^ q0)
                    + _popcount(words[r, 1] ^ q1)
                    + _popcount(words[r, 2] ^ q2)
                    + _popcount(words[r, 3] ^ q3)
                )
                if d <= radius and alive[r]:
                    if count < cap:
                        out_q[count] = qi
                        out_r[count] = r
                        out_d[count] = d
                    count += 1
    return count


@njit(cache=True, nogil=True)
def scan_rows(words, alive, start, stop, queries, radius, out_q, out_r, out_d):  # pragma: no cover - compiled
    """Brute force over rows ``[start, stop)`` (the write buffer); same output convention."""
    count = 0
    cap = out_r.shape[0]
    for qi in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        for r in range(start, stop):
            d = (
                _popcount(words[r, 0] ^ q0)
                + _popcount(words[r, 1] ^ q1)
                + _popcount(words[r, 2] ^ q2)
                + _popcount(words[r, 3] ^ q3)
            )
            if d <= radius and alive[r]:
                if count < cap:
                    out_q[count] = qi
                    out_r[count] = r
                    out_d[count] = d
                count += 1
    return count


@njit(cache=True, nogil=True)
def search_one(
    query,
    chunk_word,
    chunk_shift,
    chunk_mask,
    chunk_radius,
    probe_chunk,
    probe_mask,
    probe_base,
    offsets,
    ids,
    words,
    alive,
    table_rows,
    n,
    radius,
    out_r,
    out_d,
):  # pragma: no cover - compiled
    """One query (4 uint64) against the chunk tables and the write buffer (rows ``[table_rows, n)``), each
    live match once: a row reached through chunk ``c`` is skipped when an earlier chunk also holds it
    within its probe radius (it was counted there). Same output convention as :func:`search_tables`."""
    count = 0
    cap = out_r.shape[0]
    m = chunk_word.shape[0]
    q = (query[0], query[1], query[2], query[3])
    qchunk = np.empty(m, np.int64)
    for c in range(m):
        qchunk[c] = np.int64((query[chunk_word[c]] >> chunk_shift[c]) & chunk_mask[c])
    if table_rows > 0:
        for p in range(probe_mask.shape[0]):
            c = probe_chunk[p]
            a = probe_base[p] + (qchunk[c] ^ probe_mask[p])
            for k in range(offsets[a], offsets[a + 1]):
                r = ids[k]
                d = (
                    _popcount(words[r, 0] ^ q[0])
                    + _popcount(words[r, 1] ^ q[1])
                    + _popcount(words[r, 2] ^ q[2])
                    + _popcount(words[r, 3] ^ q[3])
                )
                if d <= radius and alive[r]:
                    seen = False
                    for e in range(c):
                        v = np.int64((words[r, chunk_word[e]] >> chunk_shift[e]) & chunk_mask[e])
                        if _popcount(np.uint64(v ^ qchunk[e])) <= chunk_radius[e]:
                            seen = True
                            break
                    if not seen:
                        if count < cap:
                            out_r[count] = r
                            out_d[count] = d
                        count += 1
    for r in range(table_rows, n):
        d = (
            _popcount(words[r, 0] ^ q[0])
            + _popcount(words[r, 1] ^ q[1])
            + _popcount(words[r, 2] ^ q[2])
            + _popcount(words[r, 3] ^ q[3])
        )
        if d <= radius and alive[r]:
            if count < cap:
                out_r[count] = r
                out_d[count] = d
            count += 1
    return count
