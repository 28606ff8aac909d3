"""Undo the tricks scam emails use to slip past spam filters, before any word list looks at the text.

Two texts come out, of the same length so offsets in one are offsets in the other:

- ``clean``: NFKC-normalised (full-width and maths letters become plain letters), zero-width and other
  invisible characters removed, look-alike letters from other scripts (Cyrillic ``а``, Greek ``ο``...)
  replaced by the Latin letters they imitate, and ``B I T C O I N``-style letter spacing closed up. Case and
  accents are kept: wallet addresses and quoted passwords are read from this text.
- ``folded``: ``clean`` lower-cased with accents removed, one character for one character. Word lists
  are matched against it (``vidéo`` and ``video`` both match ``video``).

Look-alike letters come from Unicode's confusables table (TR39) as shipped by the ``confusable-homoglyphs``
package; only the mapping to a single ASCII letter or digit is used here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
LETTER_SPACED = re.compile(r"(?<![\w])(?:[^\W\d_] ){4,}[^\W\d_](?![\w])")
DOUBLE_SPACED = re.compile(r"\S {2,}\S")


@dataclass
class Normalized:
    clean: str
    folded: str
    tricks: list[str] = field(default_factory=list)
    """Which tricks were found: zero-width, homoglyph, double-space, letter-spaced."""


@cache
def _confusable_map() -> dict[str, str]:
    """Non-Latin look-alike character -> the single ASCII letter/digit it imitates."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        try:
            name = unicodedata.name(char)
        except ValueError:
            continue
        if name.startswith("LATIN") and "DOTLESS" not in name:
            continue  # keep real Latin letters with accents (é, ß...): they are words, not tricks
        for entry in entries:
            target = entry.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[char] = target
                break
    return table


def _fold_char(ch: str) -> str:
    low = ch.lower()[:1] or ch
    base = unicodedata.normalize("NFD", low)[:1]
    return base if base else low


_FOLDED: dict[str, str] = {}


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping exactly one output character per input character."""
    table = _FOLDED
    for ch in set(text) - table.keys():
        table[ch] = _fold_char(ch)
    return "".join([table[ch] for ch in text])


def normalize(text: str) -> Normalized:
    """Clean ``text`` of filter-dodging tricks; see the module docstring for what each step does."""
    tricks: list[str] = []
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n")
    stripped = INVISIBLE.sub("", text)
    if len(stripped) != len(text):
        tricks.append("zero-width")
    text = stripped
    table = _confusable_map()
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    foreign = [ch for ch in text if ch in table]
    if foreign:
        if latin >= len(foreign):  # mostly Latin text: every look-alike is a trick
            text = "".join(table.get(ch, ch) for ch in text)
            tricks.append("homoglyph")
        else:  # mostly another script: only fix words that mix scripts

            def fix(match: re.Match[str]) -> str:
                word = match.group(0)
                if any(ch.isascii() and ch.isalpha() for ch in word):
                    return "".join(table.get(ch, ch) for ch in word)
                return word

            fixed = re.sub(r"\w+", fix, text)
            if fixed != text:
                tricks.append("homoglyph")
            text = fixed
    if len(DOUBLE_SPACED.findall(text)) >= 5:
        tricks.append("double-space")
    spaced = LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    if spaced != text:
        tricks.append("letter-spaced")
    text = spaced
    return Normalized(clean=text, folded=fold(text), tricks=tricks)
