"""Matcher.sync applies the event feed in batches (issue 18 item 3): a burst of events reaches each index
in a few calls, not one per event, and the result is the same as applying them one at a time, in order
(an add then a withdrawal of the same hash, and a re-add, all in one burst)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from haven.bank import cases as case_ops
from haven.bank.db import make_engine
from haven.bank.index import HammingIndex
from haven.bank.matcher import Matcher


def _hexes(n: int, seed: int) -> list[str]:
    raw = np.random.default_rng(seed).integers(0, 256, size=(n, 32), dtype=np.uint8)
    return [r.tobytes().hex() for r in raw]


def test_sync_batches_and_keeps_order(tmp_path: Path, monkeypatch) -> None:
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    matcher = Matcher(engine)
    matcher.load()  # empty bank: everything after this comes through sync
    values = _hexes(300, 1)
    made = [  # six cases of 50 pictures (a PDQ and an MD5 each)
        case_ops.create_case(
            engine,
            [s for i in range(c * 50, c * 50 + 50) for s in (("pdq", values[i]), ("md5", f"{i:032x}"))],
            "t",
        )
        for c in range(6)
    ]
    for new in made[:2]:  # withdraw a third in the same burst
        case_ops.withdraw_case(engine, new.case_number, new.pin)
    again = case_ops.create_case(engine, [("pdq", values[0])], "t")  # re-added after its withdrawal

    calls = {"add": 0, "remove": 0}
    real_add, real_remove = HammingIndex.add, HammingIndex.remove

    def add(self, words, ids):  # type: ignore[no-untyped-def]
        calls["add"] += 1
        return real_add(self, words, ids)

    def remove(self, words, ids):  # type: ignore[no-untyped-def]
        calls["remove"] += 1
        return real_remove(self, words, ids)

    monkeypatch.setattr(HammingIndex, "add", add)
    monkeypatch.setattr(HammingIndex, "remove", remove)
    applied = matcher.sync()
    assert applied == 300 * 2 + 100 * 2 + 1
    # runs: 600 adds, 200 removes, 1 add -> three index calls, not 801
    assert calls == {"add": 2, "remove": 1}

    # same answers as a matcher built from the database
    fresh = Matcher(engine)
    fresh.load()
    for i, v in enumerate(values):
        got = sorted(m.signal_id for m in matcher.match("pdq", v, 0))
        assert got == sorted(m.signal_id for m in fresh.match("pdq", v, 0))
        want = 0 if 0 < i < 100 else 1
        assert len(got) == want
        exact = matcher.match("md5", f"{i:032x}")
        assert len(exact) == (0 if i < 100 else 1)
    assert [m.signal_id for m in matcher.match("pdq", values[0], 0)] == [again.signal_ids[0]]
    assert matcher.last_seq == fresh.last_seq
    engine.dispose()
