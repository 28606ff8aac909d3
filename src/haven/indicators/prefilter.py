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

import codecs
from collections import defaultdict
from functools import cache
from typing import Any

try:  # pragma: no cover - exercised by the import itself
    import hyperscan
except ImportError:  # pragma: no cover - the fallback is tested by forcing it
    hyperscan = None  # type: ignore[assignment]

Trigger = tuple[str, int, int]
"""(Hyperscan pattern, characters to look before the trigger, characters to look after it)."""

TRIGGER_WIDTH = 100
"""Hyperscan is run without start-of-match tracking (several times faster), so a window starts as many
characters before the trigger's end as the trigger's longest match (from the regex itself), at most this many
(triggers that can be longer, e.g. with ``\\s+``, say so in their margin)."""


def _longest(pattern: str) -> int:
    """The most characters a match of ``pattern`` can span, capped at ``TRIGGER_WIDTH``."""
    from re import _parser as sre_p  # type: ignore[attr-defined]

    try:
        return min(TRIGGER_WIDTH, int(sre_p.parse(pattern).getwidth()[1]))
    except Exception:  # pragma: no cover - every trigger is also a Python regex
        return TRIGGER_WIDTH


# Characters outside Latin-1 that triggers name: each is scanned as one byte of its own.
_SPECIAL = {"€": "\x80", "₹": "\x81", "₦": "\x82", "₱": "\x83", "\u202f": " "}
"""(The narrow no-break space of French and Swiss numbers is scanned as a space.)"""
_OTHER = "\x1a"
"""Every other character outside Latin-1 (emoji, CJK, ...) is scanned as this byte; no trigger uses it."""


def _one_byte_each(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    run = exc.object[exc.start : exc.end]
    return "".join(_SPECIAL.get(c, _OTHER) for c in run), exc.end


codecs.register_error("haven-prefilter", _one_byte_each)


def _scan_bytes(text: str) -> bytes:
    """The text as one byte per character, so Hyperscan's byte offsets are the text's character offsets
    (no UTF-8 decoding of offsets afterwards). ASCII text is taken as it is."""
    if text.isascii():
        return text.encode("ascii")
    return text.encode("latin-1", "haven-prefilter")


def _pattern_bytes(pattern: str) -> bytes:
    """A trigger pattern for the one-byte text: non-ASCII literals become ``\\xNN`` escapes."""
    out = []
    for c in pattern:
        if c.isascii():
            out.append(c)
        else:
            byte = _SPECIAL.get(c, c)
            if ord(byte) > 0xFF:
                raise ValueError(f"trigger character {c!r} cannot be scanned")
            out.append(f"\\x{ord(byte):02x}")
    return "".join(out).encode("ascii")


@cache
def _database(
    kinds: tuple[tuple[str, tuple[Trigger, ...]], ...],
) -> tuple[Any, list[list[tuple[str, int, int]]], list[int]]:
    """The compiled database for the registered kinds' triggers, what each expression id means, and for
    each the largest gap between two trigger ends whose windows always join (for every kind using it).
    A meaning is (kind, characters to look back from a trigger's end, characters to look on after it).
    Kinds that share a trigger (the base58 coins) share one expression: each costs scan time."""
    meaning_of: dict[str, list[tuple[str, int, int]]] = {}
    for name, triggers in kinds:
        for pattern, before, after in triggers:
            meaning_of.setdefault(pattern, []).append((name, before, after))
    expressions = [_pattern_bytes(p) for p in meaning_of]
    db = hyperscan.Database()
    db.compile(
        expressions=expressions,
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[0] * len(expressions),
    )
    meaning = [[(name, _longest(p) + b, a) for name, b, a in m] for p, m in meaning_of.items()]
    gaps = [min(b for _, b, _ in m) + min(a for _, _, a in m) for m in meaning]
    return db, meaning, gaps


def available() -> bool:
    return hyperscan is not None


def windows(
    text: str, kinds: tuple[tuple[str, tuple[Trigger, ...]], ...], enabled: bool = True
) -> dict[str, list[tuple[int, int]]] | None:
    """Merged (start, end) character windows per kind name; None means "search everywhere"."""
    if not enabled or hyperscan is None or not text:
        return None
    db, meaning, gaps = _database(kinds)
    ends: defaultdict[int, list[int]] = defaultdict(list)

    def on_match(expr_id: int, start: int, end: int, flags: int, ctx: object) -> None:
        ends[expr_id].append(end)

    try:
        db.scan(_scan_bytes(text), match_event_handler=on_match)
    except Exception:
        return None
    n = len(text)
    per: dict[str, list[tuple[int, int]]] = {}
    for expr_id, found in ends.items():
        # Runs of trigger ends close enough that every kind's windows around them join into one.
        found.sort()
        gap = gaps[expr_id]
        runs: list[tuple[int, int]] = []
        first = last = found[0]
        for end in found:
            if end - last > gap:
                runs.append((first, last))
                first = end
            last = end
        runs.append((first, last))
        for name, back, after in meaning[expr_id]:
            spans = per.get(name)
            if spans is None:
                spans = per[name] = []
            spans.extend((a - back if a > back else 0, b + after if b + after < n else n) for a, b in runs)
    out: dict[str, list[tuple[int, int]]] = {}
    widened: dict[tuple[int, int], tuple[int, int]] = {}  # kinds with the same trigger share windows
    tabs = "\t" in text
    for name, spans in per.items():
        if len(spans) > 1:
            spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        got = []
        for span in merged:
            w = widened.get(span)
            if w is None:
                w = widened[span] = _widen(text, span[0], span[1], tabs)
            got.append(w)
        out[name] = got
    return out


def _widen(text: str, s: int, e: int, tabs: bool = True) -> tuple[int, int]:
    """Stretch a window to whole words (up to 200 characters back, 2000 more), so no token is cut in half.
    The nearest space is looked for first; newlines and tabs only between it and the window (tabs only when
    ``tabs``: the caller knows whether the text has any)."""
    if s > 0:
        lo = s - 200 if s > 200 else 0
        cut = text.rfind(" ", lo, s)
        nl = text.rfind("\n", cut + 1 if cut >= lo else lo, s)
        if nl > cut:
            cut = nl
        if tabs:
            tab = text.rfind("\t", cut + 1 if cut >= lo else lo, s)
            if tab > cut:
                cut = tab
        s = cut + 1 if cut >= 0 else lo
    n = len(text)
    if e < n:
        hi = e + 2000 if e + 2000 < n else n
        stop = text.find(" ", e, hi)
        nl = text.find("\n", e, stop if stop >= 0 else hi)
        if nl >= 0:
            stop = nl
        if tabs:
            tab = text.find("\t", e, stop if stop >= 0 else hi)
            if tab >= 0:
                stop = tab
        e = stop if stop >= 0 else hi
    return s, e
