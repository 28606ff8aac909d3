"""The RE2 prefilter may only make the detector faster: the flags must be the same with and without it,
and every loosened pattern must match wherever its original matches."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from haven.flags import detect, load_lexicon
from haven.flags.lexicon import Lexicon
from haven.flags.prefilter import Prefilter, loosen

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
flags_eval = pytest.importorskip("flags_eval")
pytest.importorskip("re2", reason="google-re2 is the prefilter's engine")


def _texts() -> list[str]:
    texts = [m.text for c in flags_eval.load() for m in c.messages if m.text]
    for path in flags_eval.paraphrase_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        texts += [t for v in data["positives"].values() for t in v] + data["negatives"]
    lex = load_lexicon("en")
    texts += [t for s in lex.flags.values() for t in (*s.examples, *s.counter_examples)]
    return texts


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (r"\bsexy\b", "so SEXY"),
        (r"(?<!for the )\bgift ?cards?\b", "buy a Gift Card"),
        (r"\bi'm (?-i:[A-Z][a-z]+)", "i'm Natalia"),
        (r"[\U0001F300-\U0001FAFF]", "hi 😈"),
        (r"\w+, \d{2}\b", "Zoë, 27"),
        (r"\bpay\b(?! me back)", "pay now"),
        (r"[^\d\s]{3}\s\d", "abc 1"),
    ],
)
def test_loosened_pattern_still_matches(source: str, text: str) -> None:
    assert re.search(source, text, re.IGNORECASE)
    assert Prefilter([[source]]).candidates(text) == {0}, loosen(source)


def test_loosening_drops_lookarounds_and_word_boundaries() -> None:
    assert loosen(r"\bpay\b(?! me (?:back|later))") == "pay"
    assert loosen(r"(?<!for )cards?") == "cards?"
    assert loosen(r"(?-i:[A-Z])x") == "(?:[A-Z])x"
    assert Prefilter([[r"\bgift card\b"]]).candidates("nothing here") == set()


def test_every_lexicon_pattern_is_taken_by_re2() -> None:
    lex = load_lexicon("en")
    prefilter = lex._prefilter[0]
    assert prefilter.always == set(), "a pattern RE2 cannot take makes its rule run on every message"


def test_flags_are_the_same_without_the_prefilter(monkeypatch) -> None:
    texts = _texts()
    assert len(texts) > 500
    lex = load_lexicon("en")
    possible_counts = []
    for text in texts:
        ids = lex.candidates(text)
        assert ids is not None
        possible_counts.append(len(ids))
        for spec in [*lex.flags.values(), *lex.signals.values()]:
            for rule in spec.rules:
                if rule.search(text) is not None:
                    assert id(rule) in ids, (spec.name, text)
    assert sum(possible_counts) / len(texts) < 10, "the prefilter should rule most rules out"
    with_prefilter = [
        sorted((f.message_id, f.flag) for f in detect(c.messages).flags) for c in flags_eval.load()
    ]
    monkeypatch.setattr(Lexicon, "candidates", lambda self, text: None)
    without = [sorted((f.message_id, f.flag) for f in detect(c.messages).flags) for c in flags_eval.load()]
    assert with_prefilter == without


def test_ascii_text_is_read_by_hyperscan_and_misses_no_rule() -> None:
    """ASCII text goes to the Hyperscan set (prefilter mode); it must never drop a rule that matches."""
    pytest.importorskip("hyperscan")
    lex = load_lexicon("en")
    prefilter = lex._prefilter[0]
    assert prefilter._hs is not None
    _, _, always = prefilter._hs
    assert len(always) < prefilter.size // 2, "most rules should be ruled out by Hyperscan"
    texts = [t for t in _texts() if t.isascii()] + ["ok see you at the bus later lol", "K\x1cpay"]
    for text in texts:
        ids = lex.candidates(text)
        assert ids is not None
        for spec in [*lex.flags.values(), *lex.signals.values()]:
            for rule in spec.rules:
                if rule.search(text) is not None:
                    assert id(rule) in ids, (spec.name, text)


def test_ascii_form_keeps_every_ascii_member() -> None:
    from haven.flags.prefilter import _ascii_form

    assert _ascii_form("[£$€]\\s?\\d") == r"[\x80-\xff$\x80-\xff]\s?\d"
    assert _ascii_form(r"\W*[\U0001F300-\U0001FAFF]") == r"\W*[\x80-\xff]"
    assert _ascii_form("[^€]x") == r"[^\x80-\xff]x"
    assert _ascii_form("(?-i:[A-Z])\u017f") is None  # Python folds the long s into "s"
    db_rules = Prefilter([["[£$]\\s?\\d{2}"], ["😈|pay"], ["caf[ée]"]])
    assert db_rules.candidates("$ 50 or pay") == {0, 1}
    assert db_rules.candidates("a cafe") == {2}
