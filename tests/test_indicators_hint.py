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


# --- lead_hint: a look-ahead for the first characters, from the regex's parse tree ---------------------


def _labelled_texts() -> list[str]:
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
    texts = []
    for name in (
        "indicators_eval.jsonl",
        "indicators_eval_handwritten.jsonl",
        "indicators_eval_round2.jsonl",
    ):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def test_lead_hint_finds_the_same_matches_on_every_kind_regex() -> None:
    import importlib
    import pkgutil

    import haven.indicators.kinds as kinds_pkg
    from haven.indicators.base import Caseless, lead_hint

    texts = _labelled_texts()
    rng = random.Random(5)
    texts += [" ".join(rng.choice(WORDS + t.split()[:3]) for _ in range(30)) for t in texts[:200]]
    whole = "\n".join(texts)
    checked = 0
    for info in pkgutil.iter_modules(kinds_pkg.__path__):
        module = importlib.import_module(f"haven.indicators.kinds.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Caseless):
                pairs = [(value.on_lower, whole.lower()), (value.on_text, whole)]
            elif isinstance(value, re.Pattern):
                pairs = [(value, whole)]
            else:
                continue
            for rx, text in pairs:
                plain = re.compile(rx.pattern, rx.flags)
                hinted = lead_hint(plain)
                got = [(m.span(), m.groups()) for m in hinted.finditer(text)]
                assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], rx.pattern[:60]
                checked += hinted is not plain
    assert checked > 20  # most kind regexes get a hint


def test_lead_hint_leaves_alone_what_it_cannot_vouch_for() -> None:
    from haven.indicators.base import lead_hint

    for pattern in (r"\w+@", r"(?:ab)?c*", r".x", r"[^a]b", r"(?i:ab)c", r"\d{3}"):
        rx = re.compile(pattern)
        assert lead_hint(rx) is rx, pattern
    hinted = lead_hint(re.compile(r"(?<!x)(?:cat|dog)s?|bird", re.I))
    assert hinted.pattern.startswith("(?=[BCDbcd])")
    assert [m.group() for m in hinted.finditer("Cats, a DOG and birds; xcat")] == ["Cats", "DOG", "bird"]
