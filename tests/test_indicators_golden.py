"""The speed work must not change what is found: every finding on the three labelled sets (per message,
and with each set as one long text) equals the record made before it
(``benchmarks/data/indicators_golden.jsonl``), with the Hyperscan prefilter on and off, and twice in a row
(so per-value caches give the same answers). The faster overlap settling equals the plain one."""

from __future__ import annotations

import json
import re
from importlib import import_module
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.indicators.base import Hit, Scan
from haven.indicators.extract import find_hits, settle
from haven.indicators.kinds import amount, phone

GOLDEN = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "indicators_golden.jsonl"


def _records() -> list[dict]:
    return [json.loads(x) for x in GOLDEN.read_text(encoding="utf-8").splitlines() if x.strip()]


# Kinds added after the record was made (issue 15): they carry their own examples in the registry.
NEWER_KINDS = {"revolut", "cashapp", "paypalme", "monzo", "venmo", "payee-name"}


def _now(text: str, region: str, prefilter: bool) -> list[list[object]]:
    return [
        [h.kind, h.start, h.end, h.value, h.normalized, h.valid, h.confidence, h.extra]
        for h in find_hits(text, region, prefilter=prefilter)
        if h.kind not in NEWER_KINDS
    ]


def test_golden_file_covers_the_three_sets():
    ids = {r["id"] for r in _records()}
    sets = {"indicators_eval.jsonl", "indicators_eval_handwritten.jsonl", "indicators_eval_round2.jsonl"}
    assert sets <= ids
    assert len(ids) > 360
    assert sum(len(r["hits"]) for r in _records()) > 800


@pytest.mark.parametrize("prefilter", [True, False], ids=["prefilter", "everywhere"])
def test_findings_equal_the_record_made_before_the_speed_work(prefilter):
    for _ in range(2):
        for rec in _records():
            assert _now(rec["text"], rec["region"], prefilter) == rec["hits"], rec["id"]


def _settle_plainly(hits: list[Hit]) -> list[Hit]:
    """The overlap rule as first written (every kept span checked for each hit, n²)."""
    exclusive = sorted(
        (h for h in hits if h.exclusive), key=lambda h: (-h.priority, h.start - h.end, h.start)
    )
    kept: list[Hit] = []
    spans: list[tuple[int, int]] = []
    for h in exclusive:
        if any(h.start < e and s < h.end for s, e in spans):
            continue
        kept.append(h)
        spans.append((h.start, h.end))
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Hit] = []
    for h in kept + [h for h in hits if not h.exclusive]:
        key = (h.kind, h.start, h.end, h.normalized)
        if key not in seen:
            seen.add(key)
            out.append(h)
    out.sort(key=lambda h: (h.start, h.end, h.kind))
    return out


_HITS = st.lists(
    st.builds(
        lambda kind, start, length, norm, priority, exclusive: Hit(
            kind, start, start + length, "v", norm, priority=priority, exclusive=exclusive
        ),
        st.sampled_from("abc"),
        st.integers(0, 40),
        st.integers(0, 8),
        st.sampled_from("xyz"),
        st.sampled_from([10, 50, 90]),
        st.booleans(),
    ),
    max_size=15,
)


@settings(max_examples=400, deadline=None)
@given(_HITS)
def test_fast_settle_equals_the_plain_rule(hits):
    assert [id(h) for h in settle(hits)] == [id(h) for h in _settle_plainly(hits)]


_CASELESS = [
    pytest.param(pattern, id=f"{module}.{name}")
    for module, name in (
        ("deadline", "_DEADLINE"),
        ("amount", "_SYM"),
        ("amount", "_WORD"),
        ("handle", "_PROSE"),
    )
    for pattern in [getattr(import_module(f"haven.indicators.kinds.{module}"), name)]
]
_MIXED = st.lists(
    st.sampled_from(
        [
            *"0123456789 .,:;@#$£€_-!?\n",
            *"aAbBkKsSiIİıſK",
            "Within ",
            "IN 24 HOURS",
            "By Tonight",
            "you HAVE 2 Days",
            "USD",
            " Pounds",
            "SNAP: ",
            "Kik Me At ",
            "Live:",
            "Insta @",
            "😀",
        ]
    ),
    max_size=40,
).map("".join)


@pytest.mark.parametrize("caseless", _CASELESS)
@settings(max_examples=300, deadline=None)
@given(text=_MIXED)
def test_caseless_regex_on_lowercase_equals_ignorecase(caseless, text):
    scan = Scan(text)
    fast = [
        [m.span(g) for g in range(caseless.on_text.groups + 1)] for m in caseless.finditer(scan, 0, len(text))
    ]
    slow = [[m.span(g) for g in range(caseless.on_text.groups + 1)] for m in caseless.on_text.finditer(text)]
    assert fast == slow


_DIGITISH = st.lists(
    st.sampled_from(
        [
            *"0000123456789 +()-./#,:a\t_$£€k\n",
            "٣",
            "00",
            "+44 ",
            "\u00a0",
            "\u202f",
            "'",
            "€",
            "(0)",
            " usd",
            " pounds",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_DIGITISH, st.integers(0, 40), st.integers(0, 40))
def test_fast_candidate_regexes_equal_the_plain_ones(text, a, b):
    """The phone candidate and amount number regexes rewritten for speed match exactly what the plainly
    written ones match, also inside windows (pos/endpos)."""
    ws, we = min(a, b, len(text)), min(max(a, b), len(text))
    plain_phone = re.compile(phone.CANDIDATE)
    assert [m.span() for m in phone._CAND.finditer(text, ws, we)] == [
        m.span() for m in plain_phone.finditer(text, ws, we)
    ]
    plain_number = re.compile(amount.NUMBER)
    fast_number = re.compile(amount._NUM_LEADING)
    assert [m.span(0) + m.span(1) for m in fast_number.finditer(text, ws, we)] == [
        m.span(0) + m.span(1) for m in plain_number.finditer(text, ws, we)
    ]
