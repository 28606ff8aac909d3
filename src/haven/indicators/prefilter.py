"""One pass over the text that tells each kind where to look.

Every kind declares cheap *triggers* (regexes that any of its findings must contain, e.g. ``@`` for emails,
a base58 run for addresses, "western union" for MTCNs) with margins. All triggers of all kinds are compiled
into one Hyperscan database and matched in a single scan (about 1 GB/s); each kind then runs its own exact
regexes and checksums only inside the merged windows around its triggers. Most of a chat has no trigger at
all, so most text is never looked at by Python code.

Hyperscan is an accelerator, not a source of truth: when it is not installed (or a text cannot be encoded)
every kind searches the whole text, which gives the same findings, only slower.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

try:  # pragma: no cover - exercised by the import itself
    import hyperscan
except ImportError:  # pragma: no cover - the fallback is tested by forcing it
    hyperscan = None

Trigger = tuple[str, int, int]
"""(Hyperscan pattern, characters to look before the trigger, characters to look after it)."""

TRIGGER_WIDTH = 100
"""Hyperscan is run without start-of-match tracking (several times faster), so a window starts this many
characters (more than any trigger is long; longer ones say so in their margin) before the trigger's end."""

_WS = re.compile(r"\s")


@cache
def _database(
    kinds: tuple[tuple[str, tuple[Trigger, ...]], ...],
) -> tuple[Any, list[list[tuple[str, int, int]]]]:
    """The compiled database for the registered kinds' triggers, and what each expression id means. Kinds
    that share a trigger (the base58 coins) share one expression: each costs scan time."""
    index: dict[str, int] = {}
    expressions: list[bytes] = []
    meaning: list[list[tuple[str, int, int]]] = []
    for name, triggers in kinds:
        for pattern, before, after in triggers:
            if pattern not in index:
                index[pattern] = len(expressions)
                expressions.append(pattern.encode("utf-8"))
                meaning.append([])
            meaning[index[pattern]].append((name, before, after))
    db = hyperscan.Database()
    db.compile(
        expressions=expressions,
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[0] * len(expressions),
    )
    return db, meaning


def available() -> bool:
    return hyperscan is not None


def windows(
    text: str, kinds: tuple[tuple[str, tuple[Trigger, ...]], ...], enabled: bool = True
) -> dict[str, list[tuple[int, int]]] | None:
    """Merged (start, end) character windows per kind name; None means "search everywhere"."""
    if not enabled or hyperscan is None or not text:
        return None
    db, meaning = _database(kinds)
    data = text.encode("utf-8", "surrogatepass")
    raw: list[tuple[int, int, int]] = []

    def on_match(expr_id: int, start: int, end: int, flags: int, ctx: object) -> None:
        raw.append((expr_id, start, end))

    try:
        db.scan(data, match_event_handler=on_match)
    except Exception:
        return None
    if len(data) != len(text):  # non-ASCII: byte offsets -> character offsets
        try:
            raw = _to_chars(data, raw)
        except UnicodeDecodeError:
            return None
    n = len(text)
    per: dict[str, list[tuple[int, int]]] = {}
    for expr_id, _start, end in raw:
        for name, before, after in meaning[expr_id]:
            per.setdefault(name, []).append((max(0, end - TRIGGER_WIDTH - before), min(n, end + after)))
    out: dict[str, list[tuple[int, int]]] = {}
    for name, spans in per.items():
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        out[name] = [_widen(text, s, e) for s, e in merged]
    return out


def _widen(text: str, s: int, e: int) -> tuple[int, int]:
    """Stretch a window to whole words (up to 2000 characters more), so no token is cut in half."""
    if s > 0:
        lo = max(0, s - 200)
        cut = max(text.rfind(" ", lo, s), text.rfind("\n", lo, s), text.rfind("\t", lo, s))
        s = cut + 1 if cut >= 0 else lo
    if e < len(text):
        hi = min(len(text), e + 2000)
        ends = [i for i in (text.find(" ", e, hi), text.find("\n", e, hi), text.find("\t", e, hi)) if i >= 0]
        e = min(ends) if ends else hi
    return s, e


def _to_chars(data: bytes, raw: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    offsets = sorted({o for _, s, e in raw for o in (s, e)})
    mapping: dict[int, int] = {}
    chars = 0
    prev = 0
    for o in offsets:
        chars += len(data[prev:o].decode("utf-8", "surrogatepass"))  # raises if mid-character
        mapping[o] = chars
        prev = o
    return [(i, mapping[s], mapping[e]) for i, s, e in raw]
