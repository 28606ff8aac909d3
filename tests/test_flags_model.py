"""The trained half of the red-flag detector: the corpus it is built from, its splits, and its weights."""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from haven.core.models import Message
from haven.flags import detect
from haven.flags.model import load_from, load_model

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "benchmarks" / "data" / "flags_corpus"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(CORPUS_DIR))


def _rows() -> list[dict]:
    with (CORPUS_DIR / "corpus.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_corpus_is_what_the_generator_builds() -> None:
    import make_corpus

    assert make_corpus.build() == _rows()


def test_corpus_size_and_languages() -> None:
    rows = _rows()
    assert len(rows) >= 3000
    assert len({r["conversation"] for r in rows}) >= 300
    assert {r["language"] for r in rows} >= {
        "en-gb",
        "en-ng",
        "en-in",
        "en-ph",
        "en-us",
        "fr",
        "fr-ci",
        "es",
        "pt",
        "de",
        "cy",
    }
    assert all(r["author"] and r["families"] for r in rows)


def test_no_family_or_conversation_on_two_sides() -> None:
    splits_of_family: dict[str, set[str]] = defaultdict(set)
    splits_of_conv: dict[str, set[str]] = defaultdict(set)
    for r in _rows():
        splits_of_conv[r["conversation"]].add(r["split"])
        for fam in r["families"]:
            if fam != "paid/fixed":  # the fixed "I paid" line carries no flag and no template
                splits_of_family[fam].add(r["split"])
    assert all(len(s) == 1 for s in splits_of_conv.values())
    leaked = {f: s for f, s in splits_of_family.items() if len(s) > 1}
    assert not leaked
    assert {next(iter(s)) for s in splits_of_family.values()} == {"train", "dev", "blind"}


def test_shipped_weights_reproduce() -> None:
    import train_flags

    rebuilt = train_flags.train()
    shipped = load_from(train_flags.SHIPPED)
    np.testing.assert_allclose(rebuilt.coef, shipped.coef, atol=1e-5)
    np.testing.assert_allclose(rebuilt.intercept, shipped.intercept, atol=1e-5)
    np.testing.assert_allclose(rebuilt.threshold, shipped.threshold, atol=1e-6)


def _chat(lines: list[tuple[str, str]]) -> list[Message]:
    return [
        Message(id=f"m{i}", source_format="test", conversation="c", sender=s, from_me=s == "Me", text=t)
        for i, (s, t) in enumerate(lines)
    ]


def test_model_flags_quote_the_words_that_weighed() -> None:
    """Every flag the model adds on the dev split explains itself with words quoted from its message."""
    import train_flags

    assert load_model() is not None
    added = 0
    for rows in train_flags.load("dev")[:25]:
        msgs = train_flags.to_messages(rows)
        text_of = {m.id: m.text for m in msgs}
        lexicon = {(f.message_id, f.flag) for f in detect(msgs, mode="lexicon").flags}
        for f in detect(msgs).flags:
            if (f.message_id, f.flag) in lexicon:
                continue
            added += 1
            quoted = re.findall(r"“([^”]+)”", f.explanation.split("weighed most:")[1])
            assert quoted and all(w in text_of[f.message_id] for w in quoted), f
            assert text_of[f.message_id][f.start : f.end] == quoted[0]
    assert added, "the model should add flags the rules missed"


def test_hybrid_keeps_every_lexicon_flag() -> None:
    msgs = _chat([("Them", "I recorded you. Pay £500 or your family sees it"), ("Me", "i want to die")])
    lexicon = {(f.message_id, f.flag) for f in detect(msgs, mode="lexicon").flags}
    assert lexicon <= {(f.message_id, f.flag) for f in detect(msgs).flags}


def test_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown flags mode"):
        detect([], mode="neural")
