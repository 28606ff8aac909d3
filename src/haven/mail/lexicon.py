"""Per-language cue word lists for the sextortion email checker, loaded from ``data/lexicons/<lang>.toml``.

A cue is one kind of thing a sextortion email says ("I hacked your device", "I recorded you", "pay in
bitcoin", "you have 48 hours"...). Each language file lists regular expressions for every cue; they are
matched against the folded text of :mod:`haven.mail.normalize`. All languages are matched on every email,
because scam emails mix languages and language detection on short texts is not always right.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

CUES = (
    "hack",
    "record",
    "sexual",
    "threat",
    "payment",
    "deadline",
    "secrecy",
    "tracking",
    "password_claim",
    "advisory",
    "platform_contact",
    "sent_material",
    "contacts_named",
)


@dataclass(frozen=True)
class CueHit:
    cue: str
    language: str
    start: int
    end: int
    pattern: int
    """Index of the pattern in the language's list (so distinct patterns can be counted)."""
    name: str = ""
    """The ``name`` group, for ``contacts_named`` patterns."""


@dataclass
class Lexicon:
    language: str
    name: str
    cues: dict[str, list[re.Pattern[str]]]
    password: list[re.Pattern[str]]
    password_stopwords: frozenset[str]
    numbers: dict[str, int]
    units: dict[str, int]
    deadline_intro: list[str] = field(default_factory=list)
    currency: dict[str, str] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)
    """The language's own test cases: ``text``, ``cues`` (must all match), ``absent`` (must not match)."""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a word-list pattern: a plain space matches any whitespace run (``" ?"`` / ``" *"`` keep their
    quantifier), so double-spaced and line-wrapped text still matches."""
    pattern = re.sub(r" (?=[*+?{])", r"\\s", pattern)
    pattern = pattern.replace(" ", r"\s+")
    # whitespace runs bounded: an unbounded \s* after [.!?:\n] rescanned a run of 20,000 newlines from each
    # of its characters (quadratic; a 25 KB email took minutes). No cue spans 40 blank characters.
    pattern = pattern.replace(r"\s*", r"\s{0,40}").replace(r"\s+", r"\s{1,40}")
    return re.compile(pattern, re.MULTILINE)


_OPEN_QUOTE = "[\"'«‹“„‘‚]"
_CLOSE_QUOTE = "[\"'»›”“’‘]"


def quoted_password(pattern: str) -> str:
    """A password pattern that also takes the password inside quote marks with spaces inside them
    (``« Soleil2020 »``, ``" hunter2 "``, ``„ Sonne “``): an opening quote and space may come before the
    ``pw`` group and a space and closing quote after it."""
    return pattern.replace("(?P<pw>\\S+)", f"(?:{_OPEN_QUOTE} ?)?(?P<pw>\\S+)(?: {_CLOSE_QUOTE})?")


def _load(text: str) -> Lexicon:
    data = tomllib.loads(text)
    cues = {cue: [compile_pattern(p) for p in data.get("cues", {}).get(cue, [])] for cue in CUES}
    extract = data.get("extract", {})
    deadline = data.get("deadline", {})
    return Lexicon(
        language=data["language"],
        name=data.get("name", data["language"]),
        cues=cues,
        password=[compile_pattern(quoted_password(p)) for p in extract.get("password", [])],
        password_stopwords=frozenset(extract.get("password_stopwords", [])),
        numbers={k: int(v) for k, v in deadline.get("numbers", {}).items()},
        units={k: int(v) for k, v in deadline.get("units", {}).items()},
        deadline_intro=list(deadline.get("intro", [])),
        currency=dict(data.get("currency", {}).get("words", {})),
        examples=list(data.get("example", [])),
    )


@cache
def lexicons() -> dict[str, Lexicon]:
    """Every language's lexicon, by ISO 639-1 code."""
    folder = resources.files("haven.mail").joinpath("data", "lexicons")
    out: dict[str, Lexicon] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            lex = _load(entry.read_text("utf-8"))
            out[lex.language] = lex
    return out


def languages() -> list[str]:
    return list(lexicons())


def scan(folded: str) -> dict[str, list[CueHit]]:
    """Every cue hit in ``folded`` text, by cue, over all languages."""
    hits: dict[str, list[CueHit]] = {cue: [] for cue in CUES}
    for lang, lex in lexicons().items():
        for cue, patterns in lex.cues.items():
            for index, pattern in enumerate(patterns):
                for match in pattern.finditer(folded):
                    name = match.groupdict().get("name") or ""
                    hits[cue].append(CueHit(cue, lang, match.start(), match.end(), index, name))
    return hits
