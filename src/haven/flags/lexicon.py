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


@dataclass(frozen=True)
class Rule:
    patterns: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...] = ()
    confidence: float = 0.8
    needs_context: bool = False

    def search(self, text: str) -> re.Match[str] | None:
        """The first (earliest) match of any pattern, unless an exclude pattern matches the text."""
        if any(x.search(text) for x in self.exclude):
            return None
        best: re.Match[str] | None = None
        for pattern in self.patterns:
            found = pattern.search(text)
            if found and found.end() > found.start() and (best is None or found.start() < best.start()):
                best = found
        return best


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


@dataclass(frozen=True)
class Lexicon:
    language: str
    flags: dict[str, FlagSpec]
    signals: dict[str, FlagSpec] = field(default_factory=dict)


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, value in macros.items():
        pattern = pattern.replace(f"<{name}>", value)
    return pattern


def _compile(patterns: list[str], macros: dict[str, str], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(_expand(pattern, macros), re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise HavenError(f"Lexicon {where}: bad pattern {pattern!r}: {exc}") from exc
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
