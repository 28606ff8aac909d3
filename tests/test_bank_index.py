"""Haven's Hamming index against brute force: random banks, near-duplicate queries, every radius, after
adds, deletes and merges, both layouts, real (skewed) PDQ hashes, and snapshot save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.bank import index as hindex
from haven.bank import kernels
from haven.bank.index import MAX_RADIUS, HammingIndex, Layout, hex_to_words, popcount_rows, words_to_hex


def brute(
    words: np.ndarray, ids: np.ndarray, alive: np.ndarray, q: np.ndarray, r: int
) -> list[tuple[int, int]]:
    d = popcount_rows(words ^ q)
    hit = np.flatnonzero((d <= r) & alive)
    return sorted(zip(ids[hit].tolist(), d[hit].tolist(), strict=True), key=lambda x: (x[1], x[0]))


def near(rng: np.random.Generator, w: np.ndarray, bits: int) -> np.ndarray:
    out = w.copy()
    for b in rng.choice(256, size=bits, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    return out


def rand_words(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)


@pytest.fixture(params=["small", "large"])
def layout(request, monkeypatch) -> str:
    """Run with the 16x16 layout and with the 12-chunk (22/21/21) layout used above 500,000 hashes."""
    if request.param == "large":
        monkeypatch.setattr(hindex, "SMALL_LAYOUT_MAX", 0)
    return request.param


def test_numba_kernels_are_used():
    assert kernels.AVAILABLE and hindex.USE_KERNELS


def test_layouts_cover_radius_31():
    for lay in (Layout.small(), Layout.large()):
        assert lay.covers(MAX_RADIUS) and not lay.covers(MAX_RADIUS + 1)
        assert sum(lay.bits) == 256
        assert all(s + b <= 64 for s, b in zip(lay.shift, lay.bits, strict=True))  # never straddles a word


CASES = dict(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    radius=st.integers(0, MAX_RADIUS),
    n_delete=st.integers(0, 50),
    n_add=st.integers(0, 50),
    merge=st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(**CASES)
def test_matches_brute_force(seed, n, radius, n_delete, n_add, merge):
    check_against_brute_force(seed, n, radius, n_delete, n_add, merge)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**CASES)
def test_matches_brute_force_large_layout(monkeypatch, seed, n, radius, n_delete, n_add, merge):
    """Same property with the 12-chunk layout (each build allocates its 128 MB of offsets: few examples)."""
    monkeypatch.setattr(hindex, "SMALL_LAYOUT_MAX", 0)
    check_against_brute_force(seed, n, radius, n_delete, n_add, merge)


def check_against_brute_force(seed, n, radius, n_delete, n_add, merge):
    rng = np.random.default_rng(seed)
    words = rand_words(rng, n)
    ids = rng.permutation(n * 3)[:n].astype(np.int64)
    index = HammingIndex()
    index.bulk_load(words, ids)
    alive = np.ones(n, dtype=bool)
    # withdraw some, add some near-duplicates of members (incremental: no rebuild)
    for row in rng.choice(n, size=min(n_delete, n), replace=False):
        assert index.remove(words[row : row + 1], [ids[row]]) == 1
        alive[row] = False
    extra = (
        np.array([near(rng, words[rng.integers(n)], int(rng.integers(0, 40))) for _ in range(n_add)])
        .reshape(-1, 4)
        .astype(np.uint64)
    )
    extra_ids = np.arange(10**6, 10**6 + n_add, dtype=np.int64)
    index.add(extra, extra_ids)
    words, ids = np.concatenate([words, extra]), np.concatenate([ids, extra_ids])
    alive = np.concatenate([alive, np.ones(n_add, dtype=bool)])
    if merge:
        index.maintain()
        assert index.buffered == 0
    assert len(index) == int(alive.sum())
    queries = [near(rng, words[rng.integers(len(words))], int(rng.integers(0, 45))) for _ in range(12)]
    queries += list(rand_words(rng, 3))
    for compiled in (True, False):  # the numba kernels and the numpy reference path
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(hindex, "USE_KERNELS", compiled and kernels.AVAILABLE)
            batch = index.search_many(np.array(queries), radius)
            for q, got in zip(queries, batch, strict=True):
                want = brute(words, ids, alive, q, radius)
                assert index.search(q, radius) == want
                assert got == want


def test_merge_then_more_changes(layout):
    """Adds after a merge land in a fresh buffer; deletes reach rows in the tables and in the buffer."""
    rng = np.random.default_rng(5)
    words = rand_words(rng, 2000)
    index = HammingIndex()
    index.add(words[:1000], np.arange(1000))
    index.maintain()
    index.add(words[1000:], np.arange(1000, 2000))
    assert index.buffered == 1000
    index.remove(words[[3, 1500]], [3, 1500])
    for row in (3, 1500):
        assert index.search(words[row], 0) == []
    index.maintain()
    assert index.buffered == 0
    q = near(rng, words[1700], 31)
    assert index.search(q) == [(1700, 31)]
    assert index.search(near(rng, words[1700], 32)) == []


def test_withdrawn_duplicate_keeps_the_other_id():
    index = HammingIndex()
    w = hex_to_words(["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"] * 2)
    index.add(w, [1, 2])
    assert index.remove(w[:1], [1]) == 1
    assert index.remove(w[:1], [1]) == 0
    assert index.search(w[0]) == [(2, 0)]


def test_radius_out_of_range_is_refused():
    index = HammingIndex()
    index.add(rand_words(np.random.default_rng(1), 3), [1, 2, 3])
    with pytest.raises(ValueError):
        index.search(np.zeros(4, np.uint64), 32)


def test_real_pdq_haystack_matches_brute_force(conformance: Path, layout):
    """Real PDQ hashes are skewed (families of near-duplicates share chunk values)."""
    path = conformance / "pdq" / "data" / "reg-test-input" / "haystack.txt"
    needles = conformance / "pdq" / "data" / "reg-test-input" / "needles.txt"
    hexes = [ln.strip().split(",")[0] for ln in path.read_text().splitlines() if ln.strip()]
    words = hex_to_words(hexes)
    ids = np.arange(len(hexes))
    index = HammingIndex()
    index.bulk_load(words, ids)
    alive = np.ones(len(hexes), dtype=bool)
    queries = hex_to_words(
        [ln.strip().split(",")[0] for ln in needles.read_text().splitlines() if ln.strip()]
    )
    total = 0
    for q in queries:
        want = brute(words, ids, alive, q, MAX_RADIUS)
        assert index.search(q) == want
        total += len(want)
    assert total > len(queries)  # the needles have near-duplicates in the haystack
    assert words_to_hex(words[:3]) == hexes[:3]


def test_snapshot_round_trip(tmp_path: Path):
    rng = np.random.default_rng(9)
    words = rand_words(rng, 500)
    index = HammingIndex()
    index.add(words, np.arange(500))
    index.remove(words[:10], np.arange(10))
    index.save(tmp_path / "i.npz")
    again = HammingIndex.load(tmp_path / "i.npz")
    assert len(again) == 490 and again.buffered == 0
    assert again.search(words[0], 0) == []
    assert again.search(near(rng, words[42], 20)) == [(42, 20)]


def test_capacity_grows_in_background_and_foreground():
    """Adds past the reserved rows copy in the foreground; ``maintain`` reserves ahead in the background."""
    rng = np.random.default_rng(11)
    words = rand_words(rng, 100 + 2 * hindex.HEADROOM)
    index = HammingIndex()
    index.bulk_load(words[:100], np.arange(100))
    index.add(words[100:], np.arange(100, len(words)))  # beyond the headroom: grows now
    assert index.maintenance_due()
    index.maintain()  # merges and reserves room for the next adds
    assert index.buffered == 0 and not index.maintenance_due()
    for row in (0, 150, len(words) - 1):
        assert index.search(near(rng, words[row], 25)) == [(row, 25)]


def test_single_query_counts_a_row_once(layout):
    """A member queried as itself sits in every chunk's probed bucket: the one-query kernel lists it once
    (and a near copy in the write buffer once too), equal to the batch path."""
    rng = np.random.default_rng(21)
    words = rand_words(rng, 500)
    index = HammingIndex()
    index.bulk_load(words, np.arange(500))
    index.add(near(rng, words[7], 3)[None, :], [900])
    assert index.search(words[7], MAX_RADIUS) == [(7, 0), (900, 3)]
    assert index.search_many(words[7:8], MAX_RADIUS) == [[(7, 0), (900, 3)]]
