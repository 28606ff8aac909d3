"""``first_char_hint`` only speeds a word-list regex up: the hinted regex finds exactly what the original
finds, and shapes it cannot vouch for are left alone."""

from __future__ import annotations

import random
import re

from haven.indicators.base import first_char_hint
from haven.indicators.kinds import amount, deadline, phone

WORDS = [
    "send",
    "pay",
    "or",
    "else",
    "sinon",
    "ou",
    "je",
    "dinner",
    "rent",
    "bill",
    "phone",
    "call",
    "text",
    "whatsapp",
    "número",
    "handy",
    "überweis",
    "und",
    "gift",
    "card",
    "voucher",
    "or",
    "i",
    "or",
    "your",
    "500",
    "£",
    "€",
    "the",
    "a",
    "to",
    "x",
    "y",
    "z",
    "é",
    "ü",
    "Or",
    "ELSE",
    "PAY",
    "?",
    "!",
    ",",
    ".",
    "-",
]


def test_hinted_word_lists_find_the_same_matches() -> None:
    rng = random.Random(5)
    pairs = []
    for mod, names in ((amount, ("_DEMAND", "_STRONG", "_ORDINARY")), (deadline, ("_THREAT",)), (phone, ())):
        for name in names:
            hinted = getattr(mod, name)
            assert hinted.pattern.startswith("(?=[")
            pairs.append((re.compile(hinted.pattern.split("]", 1)[1][1:], hinted.flags), hinted))
    for _ in range(400):
        text = "".join(rng.choice(WORDS) + rng.choice([" ", "", "  ", "\n"]) for _ in range(30)).lower()
        for plain, hinted in pairs:
            assert [m.span() for m in plain.finditer(text)] == [m.span() for m in hinted.finditer(text)]


def test_other_shapes_are_left_alone() -> None:
    for pattern in (r"\b(?i:my name)", r"\b(?:a|\.b)", r"(?:send|pay)\b", r"\b(?:x|y)?z"):
        compiled = re.compile(pattern)
        assert first_char_hint(compiled) is compiled
    assert first_char_hint(re.compile(r"\b(?:send|pay)", re.I)).pattern == r"\b(?:send|pay)"
    assert first_char_hint(re.compile(r"\b(?:send|pay|über)")).pattern == r"(?=[psü])\b(?:send|pay|über)"
