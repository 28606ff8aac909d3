"""The indicator-kind registry and the small types every kind module shares.

A kind module defines a ``find(scan)`` function that yields :class:`Hit`s (spans in the scanned text, already
validated and normalised) and registers itself in :data:`KINDS` with its own positive and negative
:class:`Example`s. :mod:`haven.indicators.extract` runs every kind over a text, settles overlaps and turns the
hits into :class:`haven.core.models.Indicator`s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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


def register(
    name: str, description: str, examples: Iterable[Example], triggers: Iterable[Trigger] = ()
) -> Callable[[Callable], Callable]:
    """Decorator for a kind module's ``find`` function."""

    def deco(find: Callable[[Scan], Iterable[Hit]]) -> Callable[[Scan], Iterable[Hit]]:
        KINDS.add(name, IndicatorKind(name, description, find, tuple(examples), tuple(triggers)))
        return find

    return deco


_SPEC: list[tuple[int, tuple[tuple[str, tuple[Trigger, ...]], ...]]] = []


def _trigger_spec() -> tuple[tuple[str, tuple[Trigger, ...]], ...]:
    """Every registered kind's triggers (rebuilt only when a kind is added)."""
    if not _SPEC or _SPEC[0][0] != len(KINDS):
        spec = tuple((name, kind.triggers) for name, kind in KINDS.items() if kind.triggers)
        _SPEC[:] = [(len(KINDS), spec)]
    return _SPEC[0][1]


class Scan:
    """One text being scanned: the text, its lowercase twin (same offsets) and the default phone region."""

    __slots__ = ("_lower", "_windows", "prefilter", "region", "text")

    def __init__(self, text: str, region: str = "GB", *, prefilter: bool = True) -> None:
        self.text = text
        self.region = (region or "GB").upper()
        self.prefilter = prefilter
        self._lower: str | None = None
        self._windows: dict[str, list[tuple[int, int]]] | bool | None = False

    def windows(self, kind: str) -> list[tuple[int, int]]:
        """Where ``kind`` should search: the merged windows around its triggers (whole text without
        Hyperscan, or for kinds without triggers)."""
        if self._windows is False:
            self._windows = prefilter_windows(self.text, _trigger_spec(), self.prefilter)
        if self._windows is None or not isinstance(self._windows, dict) or not KINDS.get(kind).triggers:
            return [(0, len(self.text))]
        return self._windows.get(kind, [])

    @property
    def lower(self) -> str:
        if self._lower is None:
            low = self.text.lower()
            if len(low) != len(self.text):  # a few characters (e.g. 'İ') lower to two: keep offsets
                low = "".join(c.lower()[:1] or c for c in self.text)
            self._lower = low
        return self._lower

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
