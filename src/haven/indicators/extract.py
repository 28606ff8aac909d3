"""Run every registered kind over a text, settle overlapping findings, and build ``Indicator``s.

Overlaps: two *exclusive* hits may not share characters; the higher-priority kind wins (an MTCN or IBAN
beats a phone-shaped or bare-domain reading of the same characters), then the longer span. Derived hits (a
link's domain, a profile link's handle) are never dropped.
"""

from __future__ import annotations

from bisect import bisect_right

from haven.core.models import Indicator, Provenance
from haven.indicators.base import KINDS, Hit, Scan, context_snippet


def find_hits(text: str, region: str = "GB", *, prefilter: bool = True) -> list[Hit]:
    """All hits of all kinds in ``text``, overlaps settled, in text order. ``prefilter=False`` makes every
    kind search the whole text (same findings, slower; the tests compare the two)."""
    if not text:
        return []
    scan = Scan(text, region, prefilter=prefilter)
    hits: list[Hit] = []
    for name, kind in KINDS.items():
        # Every kind searches only inside its windows, so one without any finds nothing: skip the call
        # (most chat messages open no window at all).
        if scan.windows(name):
            hits.extend(kind.find(scan))
    return settle(hits)


def settle(hits: list[Hit]) -> list[Hit]:
    """Drop exclusive hits that overlap a better one (higher priority, then longer, then earlier). The kept
    spans never overlap each other, so one binary search per hit finds a clash (n log n, not n²)."""
    exclusive = [h for h in hits if h.exclusive]
    exclusive.sort(key=_rank)
    kept: list[Hit] = []
    starts: list[int] = []  # kept spans, sorted by start; disjoint, so also sorted by end
    ends: list[int] = []
    empty: list[int] = []  # kept empty spans (no kind makes them; kept exact all the same)
    for h in exclusive:
        hs, he = h.start, h.end
        if hs >= he:
            if any(hs < e and s < he for s, e in zip(starts, ends, strict=True)):
                continue
            kept.append(h)
            empty.append(hs)
            continue
        i = bisect_right(starts, hs)
        if (i and ends[i - 1] > hs) or (i < len(starts) and starts[i] < he):
            continue
        if empty and any(hs < x < he for x in empty):
            continue
        kept.append(h)
        starts.insert(i, hs)
        ends.insert(i, he)
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Hit] = []
    for h in kept + [h for h in hits if not h.exclusive]:
        key = (h.kind, h.start, h.end, h.normalized)
        if key not in seen:
            seen.add(key)
            out.append(h)
    out.sort(key=_place)
    return out


def _rank(h: Hit) -> tuple[int, int, int]:
    return -h.priority, h.start - h.end, h.start


def _place(h: Hit) -> tuple[int, int, str]:
    return h.start, h.end, h.kind


def to_indicator(hit: Hit, text: str, provenance: Provenance | None) -> Indicator:
    base = provenance or Provenance()
    prov = Provenance(
        item_id=base.item_id, message_id=base.message_id, field=base.field, start=hit.start, end=hit.end
    )
    return Indicator(
        kind=hit.kind,
        value=hit.value,
        normalized=hit.normalized,
        valid=hit.valid,
        confidence=hit.confidence,
        context=context_snippet(text, hit.start, hit.end),
        provenance=prov,
        extra=hit.extra,
    )


def extract(text: str, *, region: str = "GB", provenance: Provenance | None = None) -> list[Indicator]:
    """Every offender detail in ``text``: offsets are relative to ``text``; the item/message ids and field
    of ``provenance`` (when given) are copied into each finding's provenance."""
    return [to_indicator(h, text, provenance) for h in find_hits(text, region)]
