"""The labelled conversation set (benchmarks/data/flags_eval), read through the real importers: the hard
requirements hold on every conversation (precision/recall per flag is the benchmark's job)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from haven.flags import detect

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
flags_eval = pytest.importorskip("flags_eval")


@pytest.fixture(scope="module")
def conversations():
    return flags_eval.load()


def test_every_labelled_message_is_found_after_import(conversations) -> None:
    assert not flags_eval.STANDIN_USED, "the eval set must be read by haven.importers"
    assert len(conversations) >= 12
    kinds = {c.kind for c in conversations}
    assert {"sextortion", "romance-scam", "ordinary-partners", "ordinary-banter", "ordinary-group"} <= kinds
    formats = {c.file.rsplit(".", 1)[1] for c in conversations}
    assert formats == {"txt", "json"}


def test_ordinary_conversations_have_no_threat_or_payment_demand(conversations) -> None:
    ordinary = [c for c in conversations if c.kind.startswith("ordinary")]
    assert len(ordinary) >= 5
    for conv in ordinary:
        found = {f.flag for f in detect(conv.messages).flags}
        assert not found & {"threat-to-share", "payment-demand", "repeat-demand"}, conv.file


def test_self_harm_is_never_missed_in_the_labelled_set(conversations) -> None:
    tuned = conversations
    scores = flags_eval.score(
        tuned, lambda ms: {mid: {f.flag for f in fl} for mid, fl in detect(ms).by_message().items()}
    )
    assert scores.tp["self-harm-risk"] >= 10
    assert scores.recall("self-harm-risk") == 1.0, scores.mistakes


def test_victim_is_found_where_there_is_one(conversations) -> None:
    for conv in conversations:
        victim = detect(conv.messages).summary["victim"]
        if conv.kind.startswith("ordinary"):
            assert victim is None, conv.file
        else:
            assert victim == [conv.victim], conv.file


def test_tuned_paraphrases_are_found_and_their_negatives_left_alone() -> None:
    """The single-message sets the lexicon was tuned on (the blind ones are the benchmark's business)."""

    def predict(ms):
        return {mid: {f.flag for f in fl} for mid, fl in detect(ms).by_message().items()}

    tuned = [
        p
        for p in flags_eval.paraphrase_files()
        if p.stem.removeprefix("paraphrases_") not in flags_eval.BLIND_SPLITS
    ]
    assert len(tuned) >= 2
    for path in tuned:
        scores = flags_eval.score_paraphrases(path, predict)
        assert scores.hits["self-harm-risk"] == scores.totals["self-harm-risk"], scores.misses
        assert sum(scores.hits.values()) >= 0.95 * sum(scores.totals.values()), scores.misses
        assert len(scores.negatives_flagged) <= 3, scores.negatives_flagged


def test_blind_split_is_scored_but_not_required(conversations) -> None:
    """heldout5 is blind: it must load and keep the hard rules (no threat or demand in an ordinary chat,
    self-harm never missed); its precision and recall are reported by the benchmark, not asserted."""
    blind = [c for c in conversations if c.split in flags_eval.BLIND_SPLITS]
    assert len(blind) >= 2
    predict = lambda ms: {mid: {f.flag for f in fl} for mid, fl in detect(ms).by_message().items()}  # noqa: E731
    scores = flags_eval.score(blind, predict)
    assert scores.ordinary_violations == []
    assert scores.recall("self-harm-risk") == 1.0
