"""The trained half of the red-flag detector: the corpus it is built from, its splits, and its weights."""

from __future__ import annotations

import hashlib
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


BLIND_SHA256 = "daf6604773cbc29a3e5170d079f4f898b34342734bd1542089bced47ad335b82"
"""The blind split's rows as first built (before the second round of banks and scripts): growing the
train and dev splits must leave it byte for byte as it was, so before/after figures compare."""


def test_blind_split_is_unchanged_by_later_rounds() -> None:
    with (CORPUS_DIR / "corpus.jsonl").open(encoding="utf-8") as fh:
        blind = "".join(line for line in fh if json.loads(line)["split"] == "blind")
    assert hashlib.sha256(blind.encode()).hexdigest() == BLIND_SHA256


def test_second_round_families_never_reach_blind() -> None:
    for r in _rows():
        if r["split"] == "blind":
            assert not any("/x" in fam or "/r" in fam for fam in r["families"]), r["families"]


def test_third_round_rows_have_provenance_and_stay_off_blind() -> None:
    third = [r for r in _rows() if "-r3-" in r["conversation"]]
    assert len({r["conversation"] for r in third}) >= 300
    assert {r["split"] for r in third} == {"train", "dev"}
    assert all("engineer D" in r["author"] and r["families"] for r in third)
    assert any(fam.split("/")[-1].startswith("r") for r in third for fam in r["families"])


def test_shipped_weights_reproduce() -> None:
    import train_flags

    rebuilt = train_flags.train()
    shipped = load_from(train_flags.SHIPPED)
    assert rebuilt.vocabulary == shipped.vocabulary
    for name in ("w1", "c1", "b1", "w2"):
        np.testing.assert_allclose(getattr(rebuilt, name), getattr(shipped, name), atol=1e-3)
    np.testing.assert_allclose(rebuilt.threshold, shipped.threshold, atol=1e-6)
    assert abs(rebuilt.self_harm_sure - shipped.self_harm_sure) < 1e-6


def test_model_reads_other_languages_and_respellings() -> None:
    """The model adds flags the English rules cannot see (words never shown to it as such)."""
    msgs = _chat(
        [
            ("Them", "j'ai enregistré ton appel vidéo"),
            ("Them", "si tu paies pas 500 € je l'envoie à toute ta famille"),
            ("Me", "s'il te plaît non"),
        ]
    )
    found = {(f.message_id, f.flag) for f in detect(msgs).flags}
    assert ("m0", "recording-claim") in found
    assert ("m1", "threat-to-share") in found or ("m1", "payment-demand") in found


def test_self_harm_respelled_is_caught_by_the_rules() -> None:
    msgs = _chat([("Them", "pay or i post it"), ("Me", "t-h-i-s is the end for me"), ("Me", "k1ll mys3lf")])
    flags = [f for f in detect(msgs, mode="lexicon").flags if f.flag == "self-harm-risk"]
    assert {f.message_id for f in flags} == {"m1", "m2"}
    assert all(f.evidence for f in flags)


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
