"""Each language's cue lexicon runs its own examples (the registry habit: every registered thing carries its
own examples), and every language Haven claims is there."""

from __future__ import annotations

import pytest

from haven.mail.lexicon import CUES, compile_pattern, lexicons, scan
from haven.mail.normalize import fold, normalize

LANGS = ("en", "de", "fr", "es", "it", "nl")
EXAMPLES = [(lang, i, ex) for lang, lex in lexicons().items() for i, ex in enumerate(lex.examples)]


def test_six_languages_at_least() -> None:
    assert set(LANGS) <= set(lexicons())
    for lang in LANGS:
        lex = lexicons()[lang]
        assert lex.examples, f"{lang} has no examples"
        for cue in ("hack", "record", "sexual", "threat", "payment", "advisory", "password_claim"):
            assert lex.cues[cue], f"{lang} has no {cue} patterns"
        assert lex.password and lex.numbers and lex.units and lex.currency and lex.deadline_intro


IDS = [f"{lang}-{i}" for lang, i, _ in EXAMPLES]


@pytest.mark.parametrize(("lang", "index", "example"), EXAMPLES, ids=IDS)
def test_lexicon_examples(lang: str, index: int, example: dict) -> None:
    hits = scan(normalize(example["text"]).folded)
    found = {cue for cue in CUES if any(h.language == lang for h in hits[cue])}
    assert set(example["cues"]) <= found, f"missing {set(example['cues']) - found}"
    assert not set(example["absent"]) & found, f"unexpected {set(example['absent']) & found}"


def test_space_in_a_pattern_matches_any_whitespace() -> None:
    pattern = compile_pattern(r"\bi recorded you ?[:]")
    assert pattern.search("i  recorded\n you:")
    assert pattern.search("i recorded you :")
    assert not pattern.search("i recordedyou:")


def test_fold_keeps_offsets() -> None:
    text = "Vidéo ÜBER Straße İstanbul"
    assert len(fold(text)) == len(text)
    assert fold(text) == "video uber straße istanbul"
