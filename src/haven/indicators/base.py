"""The indicator-kind registry and the small types every kind module shares.

A kind module defines a ``find(scan)`` function that yields :class:`Hit`s (spans in the scanned text, already
validated and normalised) and registers itself in :data:`KINDS` with its own positive and negative
:class:`Example`s. :mod:`haven.indicators.extract` runs every kind over a text, settles overlaps and turns the
hits into :class:`haven.core.models.Indicator`s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from haven.core.registry import Registry
from haven.indicators.prefilter import Trigger
from haven.indicators.prefilter import windows as prefilter_windows


@dataclass(slots=True)
class Hit:
    """One finding before it becomes an ``Indicator``: a span of the scanned text and what it means."""

    kind: str
    start: int
    end: int
    value: str
    normalized: str
    valid: bool = True
    confidence: float = 0.9
    extra: dict[str, Any] = field(default_factory=dict)
    priority: int = 50
    """When two exclusive hits overlap, the higher priority wins (an MTCN beats a phone-shaped number)."""
    exclusive: bool = True
    """False for findings derived from another (a URL's domain, a profile URL's handle): never dropped."""


@dataclass(frozen=True)
class Example:
    """A kind's own test case: ``text`` must yield exactly ``expect`` (valid) and ``invalid`` (found but
    marked invalid) for this kind; an example with neither is a negative (must yield nothing of it)."""

    text: str
    expect: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    region: str = "GB"


@dataclass(frozen=True)
class IndicatorKind:
    name: str
    description: str
    find: Callable[[Scan], Iterable[Hit]]
    examples: tuple[Example, ...]
    triggers: tuple[Trigger, ...] = ()
    """Hyperscan patterns any finding of this kind contains, with margins (see ``prefilter``). Empty:
    the kind always searches the whole text."""


KINDS: Registry[IndicatorKind] = Registry("indicator kind")

_F = TypeVar("_F", bound=Callable[..., Any])
_R = TypeVar("_R")
_RESULT_CACHES: list[Any] = []


def result_cache(maxsize: int = 4096) -> Callable[[_F], _F]:
    """``functools.lru_cache`` for a pure check of one written value (a phone number, an address, an
    IBAN): a chat repeats the same details many times and the checks are the slow part. Results must be
    immutable. :func:`clear_caches` empties them all (the benchmark does, so repeats are not free)."""

    def deco(fn: _F) -> _F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _RESULT_CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return deco


def clear_caches() -> None:
    for cached in _RESULT_CACHES:
        cached.cache_clear()


def register(
    name: str, description: str, examples: Iterable[Example], triggers: Iterable[Trigger] = ()
) -> Callable[[Callable], Callable]:
    """Decorator for a kind module's ``find`` function."""

    def deco(find: Callable[[Scan], Iterable[Hit]]) -> Callable[[Scan], Iterable[Hit]]:
        KINDS.add(name, IndicatorKind(name, description, find, tuple(examples), tuple(triggers)))
        return find

    return deco


_SPEC: list[tuple[int, tuple[tuple[str, tuple[Trigger, ...]], ...]]] = []


_UNTRIGGERED: list[tuple[int, tuple[str, ...]]] = []


def _trigger_spec() -> tuple[tuple[str, tuple[Trigger, ...]], ...]:
    """Every registered kind's triggers (rebuilt only when a kind is added)."""
    if not _SPEC or _SPEC[0][0] != len(KINDS):
        spec = tuple((name, kind.triggers) for name, kind in KINDS.items() if kind.triggers)
        _SPEC[:] = [(len(KINDS), spec)]
    return _SPEC[0][1]


def _untriggered() -> tuple[str, ...]:
    """The kinds without triggers: they always search the whole text."""
    if not _UNTRIGGERED or _UNTRIGGERED[0][0] != len(KINDS):
        _UNTRIGGERED[:] = [(len(KINDS), tuple(name for name, kind in KINDS.items() if not kind.triggers))]
    return _UNTRIGGERED[0][1]


_NOWHERE: list[tuple[int, int]] = []


# The only characters that a case-insensitive regex matches to a different ASCII letter than their
# lowercase form is (dotless i and long s match "i" and "s"); texts with them use the slower regex.
_CASE_ODD = ("ı", "ſ")


class Caseless:
    """A case-insensitive regex, run on the scan's lowercase twin without ``re.IGNORECASE`` (Python's
    regex engine is two to three times faster so) — the same matches at the same offsets, as long as the
    pattern is written in lowercase and its character classes name both cases or none. Texts holding one
    of the few characters for which the two differ are searched the slow way, on the text itself.
    Matched strings come from the lowercase twin: take values from ``scan.text`` by offsets."""

    __slots__ = ("on_lower", "on_text", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.on_lower = re.compile(pattern, flags)
        self.on_text = re.compile(pattern, flags | re.IGNORECASE)

    def finditer(self, scan: Scan, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        if scan.case_exact:
            return self.on_lower.finditer(scan.lower, pos, endpos)
        return self.on_text.finditer(scan.text, pos, endpos)

    def search(self, scan: Scan, pos: int, endpos: int) -> re.Match[str] | None:
        if scan.case_exact:
            return self.on_lower.search(scan.lower, pos, endpos)
        return self.on_text.search(scan.text, pos, endpos)


class Scan:
    """One text being scanned: the text, its lowercase twin (same offsets) and the default phone region."""

    __slots__ = ("_case_exact", "_lower", "_windows", "memo", "prefilter", "region", "text")

    def __init__(self, text: str, region: str = "GB", *, prefilter: bool = True) -> None:
        self.text = text
        self.region = (region or "GB").upper()
        self.prefilter = prefilter
        self._lower: str | None = None
        self._case_exact: bool | None = None
        self.memo: dict[Any, Any] = {}
        """Work several kinds share, done once per scan (e.g. the base58 runs all coins look at)."""
        self._windows: dict[str, list[tuple[int, int]]] | None = None

    def windows(self, kind: str) -> list[tuple[int, int]]:
        """Where ``kind`` should search: the merged windows around its triggers (whole text without
        Hyperscan, or for kinds without triggers); empty when none of its triggers is in the text."""
        found = self._windows
        if found is None:
            found = self._windows = self._find_windows()
        return found.get(kind, _NOWHERE)

    def _find_windows(self) -> dict[str, list[tuple[int, int]]]:
        found = prefilter_windows(self.text, _trigger_spec(), self.prefilter)
        whole = [(0, len(self.text))]
        if found is None:  # prefilter off or unavailable: everything everywhere
            return dict.fromkeys(KINDS.names(), whole)
        for name in _untriggered():
            found[name] = whole
        return found

    @property
    def lower(self) -> str:
        if self._lower is None:
            low = self.text.lower()
            if len(low) != len(self.text):  # a few characters (e.g. 'İ') lower to two: keep offsets
                low = "".join(c.lower()[:1] or c for c in self.text)
            self._lower = low
        return self._lower

    @property
    def case_exact(self) -> bool:
        """True when matching the lowercase twin equals case-insensitive matching of the text."""
        if self._case_exact is None:
            self._case_exact = self.text.isascii() or not any(c in self.text for c in _CASE_ODD)
        return self._case_exact

    def near(self, start: int, end: int, pattern: re.Pattern[str], before: int = 80, after: int = 60) -> bool:
        """True when ``pattern`` (written for lowercase text) occurs within the window around a span."""
        return (
            pattern.search(self.lower, max(0, start - before), min(len(self.text), end + after)) is not None
        )

    def nearest(
        self, start: int, end: int, pattern: re.Pattern[str], before: int = 80, after: int = 60
    ) -> re.Match[str] | None:
        """The match of ``pattern`` closest to the span within the window, or None."""
        best: re.Match[str] | None = None
        best_d = 1 << 30
        for m in pattern.finditer(self.lower, max(0, start - before), min(len(self.text), end + after)):
            d = start - m.end() if m.end() <= start else max(0, m.start() - end)
            if d < best_d:
                best, best_d = m, d
        return best


def context_snippet(text: str, start: int, end: int, width: int = 40) -> str:
    """A short one-line snippet around a span, for people reading the findings."""
    a = max(0, start - width)
    b = min(len(text), end + width)
    snippet = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + snippet + ("…" if b < len(text) else "")


def first_char_hint(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same regex with a look-ahead for the characters its matches can start with, when it is a word
    boundary then alternatives that each start with a plain letter or digit (``\\b(?:send|pay|...)``):
    Python's engine then skips to those characters instead of trying every alternative at every position
    (about twice as fast on a chat line). Any other shape is returned unchanged."""
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_p  # type: ignore[attr-defined]

    def firsts(items: Any) -> set[str] | None:
        items = list(items)
        if not items:
            return None
        op, av = items[0]
        if op is sre_c.LITERAL:
            return {chr(av)}
        if op is sre_c.SUBPATTERN:
            if av[1] & re.IGNORECASE:  # an inline (?i:...) group: its letters match either case
                return None
            return firsts(av[-1])
        if op is sre_c.BRANCH:
            out: set[str] = set()
            for branch in av[1]:
                got = firsts(branch)
                if got is None:
                    return None
                out |= got
            return out
        return None

    try:
        tree = list(sre_p.parse(pattern.pattern, pattern.flags))
    except Exception:  # pragma: no cover - a pattern that compiled always parses
        return pattern
    if len(tree) < 2 or tree[0] != (sre_c.AT, sre_c.AT_BOUNDARY) or pattern.flags & re.IGNORECASE:
        return pattern
    chars = firsts(tree[1:2])
    if not chars or not all(len(c) == 1 and c.isalnum() for c in chars):
        return pattern
    return re.compile("(?=[" + "".join(sorted(chars)) + "])" + pattern.pattern, pattern.flags)


_GLOBAL_FLAGS = re.compile(r"\A\(\?[aiLmsux]+\)")
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


def lead_hint(pattern: re.Pattern[str], most: int = 40) -> re.Pattern[str]:
    """The same regex behind a look-ahead for the characters any match can start with, found by walking
    its parse tree (literals, classes, groups, repeats, alternatives; anchors and look-arounds take no
    character): Python's engine then skips the other positions quickly. Returned unchanged when a match can
    start with any character, can be empty, or could start with more than ``most`` characters."""
    from re import _parser as sre_p  # type: ignore[attr-defined]

    caseless = bool(pattern.flags & re.IGNORECASE)

    def chars_of(op: Any, av: Any) -> set[str] | None:
        name = str(op)
        if name == "LITERAL":
            c = chr(av)
            return {c.lower(), c.upper()} if caseless else {c}
        if name == "IN":
            out: set[str] = set()
            for sub_op, sub_av in av:
                sub = str(sub_op)
                if sub == "LITERAL":
                    c = chr(sub_av)
                    out |= {c.lower(), c.upper()} if caseless else {c}
                elif sub == "RANGE" and sub_av[1] - sub_av[0] < 64:
                    for code in range(sub_av[0], sub_av[1] + 1):
                        c = chr(code)
                        out |= {c.lower(), c.upper()} if caseless else {c}
                else:
                    return None  # negated sets, categories (\d, \w), wide ranges
            return out
        return None

    def firsts(items: list[Any]) -> tuple[set[str], bool] | None:
        """(first characters, whether the sequence can match empty), None when unknown."""
        out: set[str] = set()
        for op, av in items:
            name = str(op)
            if name in _ZERO_WIDTH:
                continue
            if name == "SUBPATTERN":
                if av[1] or av[2]:
                    return None  # a scoped flag such as (?i:...) changes which characters match
                got = firsts(list(av[-1]))
            elif name == "BRANCH":
                acc: set[str] = set()
                empty = False
                for branch in av[1]:
                    sub = firsts(list(branch))
                    if sub is None:
                        return None
                    acc |= sub[0]
                    empty = empty or sub[1]
                got = (acc, empty)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                sub = firsts(list(av[2]))
                if sub is None:
                    return None
                got = (sub[0], sub[1] or av[0] == 0)
            else:
                chars = chars_of(op, av)
                if chars is None:
                    return None
                got = (chars, False)
            if got is None:
                return None
            out |= got[0]
            if not got[1]:
                return out, False
        return out, True

    try:
        tree = list(sre_p.parse(pattern.pattern, pattern.flags))
        found = firsts(tree)
    except Exception:  # pragma: no cover - a pattern that compiled always parses
        return pattern
    if found is None or found[1] or not found[0] or len(found[0]) > most:
        return pattern
    body = _GLOBAL_FLAGS.sub("", pattern.pattern)
    cls = "".join(re.escape(c) for c in sorted(found[0]))
    return re.compile("(?=[" + cls + "])(?:" + body + ")", pattern.flags)


def hinted(rx: _R) -> _R:
    """``lead_hint`` for a compiled regex or both regexes of a :class:`Caseless`."""
    if isinstance(rx, Caseless):
        rx.on_lower = lead_hint(rx.on_lower)
        rx.on_text = lead_hint(rx.on_text)
        return rx
    return lead_hint(rx)  # type: ignore[arg-type,return-value]
