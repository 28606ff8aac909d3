"""Per-language red-flag lexicons: load the data files in ``haven/flags/data/<lang>.toml`` and compile them.

A lexicon is data, not code (plaso's formatter habit): for each flag, the side it is raised on, a
plain-words explanation, the flags that give it meaning (``context``), and rules of regular expressions
with a confidence. Adding a language is adding a file; every language found is listed in ``LANGUAGES``.

Matching is written by hand on top of :mod:`re` because no library does "explainable pattern + evidence
span + conversation context" for chat text; spaCy's Matcher would need a model download and still not
give the context gates.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from haven.core.errors import HavenError
from haven.flags.prefilter import Prefilter

FLAG_NAMES: list[str] = [
    "sexual-escalation",
    "image-request",
    "move-platform",
    "identity-claim",
    "recording-claim",
    "threat-to-share",
    "contact-list",
    "payment-demand",
    "deadline",
    "repeat-demand",
    "self-harm-risk",
]
"""Every flag the detector can raise, in the order of the sextortion pattern."""

SIDES = ("them", "me", "any")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


def normalise(text: str) -> str:
    """Same-length normalisation so match offsets stay valid in the original text (curly quotes)."""
    return text.translate(_APOSTROPHES)


_ESCAPES = re.compile(r"\\(?:[UN]\{?[0-9A-Fa-f]{4,8}\}?|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|.)")


def _needs_ignorecase(source: str) -> bool:
    """A pattern can run without IGNORECASE on lower-cased text unless it has upper-case letters of its
    own (``[A-Z]``, a case-sensitive name part); escapes such as ``\\b`` or ``\\U0001F300`` do not count."""
    return any(c.isupper() for c in _ESCAPES.sub("", source))


def fold(text: str) -> str | None:
    """Lower-cased text for matching, or ``None`` when lower-casing would change its length (then match
    offsets would not be offsets in the text, and the case-insensitive patterns are used instead)."""
    low = text.lower()
    return low if len(low) == len(text) else None


@dataclass(frozen=True)
class Rule:
    """Patterns that raise a flag, with excludes. Matching is one combined regular expression per rule
    (the patterns as alternatives, so the earliest match wins and ties go to the first listed), run
    without IGNORECASE on lower-cased text: several times faster than one case-insensitive search per
    pattern. Patterns that must see case (``(?-i:...)`` names, ``[A-Z]`` classes) run case-insensitively
    on the original text."""

    patterns: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...] = ()
    confidence: float = 0.8
    needs_context: bool = False
    _fast: tuple[re.Pattern[str] | None, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fast", (*_split(self.patterns), *_split(self.exclude)))

    def search(self, text: str, low: str | bool | None = False) -> re.Match[str] | None:
        """The earliest match of any pattern, unless an exclude pattern matches the text. ``low`` is
        ``fold(text)`` when the caller already has it. Excludes are only tried after a match."""
        plain, cased, plain_x, cased_x = self._fast
        folded = fold(text) if low is False else low
        best = _first(plain, cased, text, folded)  # type: ignore[arg-type]
        if best is None or (plain_x is None and cased_x is None):
            return best
        return None if _first(plain_x, cased_x, text, folded) else best  # type: ignore[arg-type]


def _split(patterns: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Patterns as two combined expressions: the lower-case ones (no IGNORECASE, for folded text) and
    the ones that must see case."""
    plain = [p.pattern for p in patterns if not _needs_ignorecase(p.pattern)]
    cased = [p.pattern for p in patterns if _needs_ignorecase(p.pattern)]
    return (
        re.compile("|".join(f"(?:{x})" for x in plain), re.MULTILINE) if plain else None,
        re.compile("|".join(f"(?:{x})" for x in cased), re.IGNORECASE | re.MULTILINE) if cased else None,
    )


def _first(
    plain: re.Pattern[str] | None, cased: re.Pattern[str] | None, text: str, folded: str | None
) -> re.Match[str] | None:
    best = None
    if plain is not None:
        best = plain.search(folded) if folded is not None else _ci(plain).search(text)
    if cased is not None:
        found = cased.search(text)
        if found and (best is None or found.start() < best.start()):
            best = found
    return best


@cache
def _ci(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The case-insensitive twin of a fast pattern (for text whose lower case changes length)."""
    return re.compile(pattern.pattern, pattern.flags | re.IGNORECASE)


@dataclass(frozen=True)
class FlagSpec:
    name: str
    side: str
    explanation: str
    context: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    suppressed_by: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    """Messages that must raise this flag (the other side's, after a threat when the flag needs context)."""
    counter_examples: tuple[str, ...] = ()
    """Messages that must not raise it in an ordinary chat."""
    direct_rules: tuple[Rule, ...] = field(default=(), compare=False, repr=False)
    """The rules that fire on their own (worked out from ``rules``)."""
    context_rules: tuple[Rule, ...] = field(default=(), compare=False, repr=False)
    """The rules with ``needs_context`` (worked out from ``rules``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "direct_rules", tuple(r for r in self.rules if not r.needs_context))
        object.__setattr__(self, "context_rules", tuple(r for r in self.rules if r.needs_context))


@dataclass(frozen=True)
class Lexicon:
    language: str
    flags: dict[str, FlagSpec]
    signals: dict[str, FlagSpec] = field(default_factory=dict)
    _prefilter: tuple = field(default=(), compare=False, repr=False)
    rule_ids: frozenset[int] = field(default=frozenset(), compare=False, repr=False)
    flag_of: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        rules = [r for spec in [*self.flags.values(), *self.signals.values()] for r in spec.rules]
        prefilter = Prefilter([p.pattern for p in r.patterns] for r in rules)
        object.__setattr__(self, "_prefilter", (prefilter, [id(r) for r in rules]))
        object.__setattr__(self, "rule_ids", frozenset(id(r) for r in rules))
        specs = [*self.flags.values(), *self.signals.values()]
        object.__setattr__(self, "flag_of", {id(r): spec.name for spec in specs for r in spec.rules})

    def candidates(self, text: str) -> set[int] | None:
        """``id()`` of the rules that might match ``text`` (one RE2 pass), or ``None``: try them all."""
        prefilter, ids = self._prefilter
        found = prefilter.candidates(text)
        return None if found is None else {ids[i] for i in found}


_MACRO = re.compile(r"<[A-Z][A-Z_]*>")


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, value in macros.items():
        pattern = pattern.replace(f"<{name}>", value)
    return pattern


_OPEN_DIGIT_RUNS = {r"[\d,]*": r"[\d,]{0,24}", r"[\d,.]*": r"[\d,.]{0,24}", r"[\d,]+": r"[\d,]{1,24}",
                    r"[\d,.]+": r"[\d,.]{1,24}"}
r"""Unanchored ``\d[\d,]*`` starts again at every digit of a long run and rescans it (quadratic: a message of
100,000 "1," took minutes); no amount has more than 24 digits and separators, so the runs are bounded."""


def _bounded(pattern: str) -> str:
    for run, bounded in _OPEN_DIGIT_RUNS.items():
        pattern = pattern.replace(run, bounded)
    return pattern


def _compile(patterns: list[str], macros: dict[str, str], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        unknown = _MACRO.search(_expand(pattern, macros))
        if unknown:
            raise HavenError(f"Lexicon {where}: unknown macro {unknown.group()} in {pattern!r}")
        try:
            compiled.append(re.compile(_bounded(_expand(pattern, macros)), re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise HavenError(f"Lexicon {where}: bad pattern {pattern!r}: {exc}") from exc
        if compiled[-1].match(""):
            raise HavenError(f"Lexicon {where}: pattern {pattern!r} matches empty text")
    return tuple(compiled)


def _spec(name: str, raw: dict, macros: dict[str, str], where: str) -> FlagSpec:
    side = raw.get("side", "them")
    if side not in SIDES:
        raise HavenError(f"Lexicon {where}: side must be one of {SIDES}, not {side!r}")
    rules = []
    if "patterns" in raw:  # a signal: one rule at the top level
        rules.append(Rule(_compile(raw["patterns"], macros, where)))
    for r in raw.get("rules", []):
        rules.append(
            Rule(
                patterns=_compile(r["patterns"], macros, where),
                exclude=_compile(r.get("exclude", []), macros, where),
                confidence=float(r.get("confidence", 0.8)),
                needs_context=bool(r.get("needs_context", False)),
            )
        )
    return FlagSpec(
        name,
        side,
        raw.get("explanation", ""),
        tuple(raw.get("context", ())),
        tuple(rules),
        tuple(raw.get("suppressed_by", ())),
        tuple(raw.get("examples", ())),
        tuple(raw.get("counter_examples", ())),
    )


def parse_lexicon(data: dict, where: str = "lexicon") -> Lexicon:
    """Build a lexicon from parsed TOML; raises HavenError naming the bad flag or pattern."""
    macros = data.get("macros", {})
    flags = {}
    for name, raw in data.get("flags", {}).items():
        if name not in FLAG_NAMES:
            raise HavenError(f"Lexicon {where}: unknown flag {name!r} (known: {', '.join(FLAG_NAMES)})")
        flags[name] = _spec(name, raw, macros, f"{where} [{name}]")
    signals = {
        n: _spec(n, raw, macros, f"{where} [signals.{n}]") for n, raw in data.get("signals", {}).items()
    }
    return Lexicon(data.get("language", where), flags, signals)


def _data_dir():  # type: ignore[no-untyped-def]
    return resources.files("haven.flags").joinpath("data")


def available_languages() -> list[str]:
    """Languages with a lexicon file shipped in the package."""
    return sorted(p.name.removesuffix(".toml") for p in _data_dir().iterdir() if p.name.endswith(".toml"))


LANGUAGES = available_languages()


@cache
def load_lexicon(language: str = "en") -> Lexicon:
    """The compiled lexicon for one language (cached)."""
    if language not in LANGUAGES:
        raise HavenError(f"No red-flag lexicon for language {language!r} (have: {', '.join(LANGUAGES)})")
    data = tomllib.loads(_data_dir().joinpath(f"{language}.toml").read_text(encoding="utf-8"))
    return parse_lexicon(data, f"{language}.toml")
