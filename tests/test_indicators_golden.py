"""The speed work must not change what is found: every finding on the three labelled sets (per message and
with each set as one long text) equals the record made before it (``benchmarks/data/indicators_golden.jsonl``),
with the Hyperscan prefilter on and off, and twice in a row (so per-value caches give the same answers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from haven.indicators.extract import find_hits

GOLDEN = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "indicators_golden.jsonl"


def _records() -> list[dict]:
    return [json.loads(x) for x in GOLDEN.read_text(encoding="utf-8").splitlines() if x.strip()]


def _now(text: str, region: str, prefilter: bool) -> list[list[object]]:
    return [
        [h.kind, h.start, h.end, h.value, h.normalized, h.valid, h.confidence, h.extra]
        for h in find_hits(text, region, prefilter=prefilter)
    ]


def test_golden_file_covers_the_three_sets():
    ids = {r["id"] for r in _records()}
    assert {"indicators_eval.jsonl", "indicators_eval_handwritten.jsonl", "indicators_eval_round2.jsonl"} <= ids
    assert len(ids) > 360
    assert sum(len(r["hits"]) for r in _records()) > 800


@pytest.mark.parametrize("prefilter", [True, False], ids=["prefilter", "everywhere"])
def test_findings_equal_the_record_made_before_the_speed_work(prefilter):
    for _ in range(2):
        for rec in _records():
            assert _now(rec["text"], rec["region"], prefilter) == rec["hits"], rec["id"]
