"""The red-flag detector's fast paths change speed, never answers.

Each fast path is compared with a straightforward reference on the labelled corpora (every split of
``benchmarks/data/flags_corpus``, the independent ``flags_eval`` set, with sides given and with sides
inferred) and on a generated chat: the same flags on the same messages, the same evidence, offsets and
explanations, the same summary, and the same confidences to float tolerance. The references are the
plain forms of the code, written out here: the text normalisation without its shortcuts, the model's
first-layer scores as one weight row per feature occurrence, every message read in full (no skipping of
messages no rule can touch), and roles inferred with plain regular-expression searches. Nothing here
depends on the current weights or lexicon: it holds for whatever ``flags_model.npz`` ships.
"""

from __future__ import annotations

import re
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from haven.core.models import Message
from haven.flags import detector, features, load_lexicon, prefilter
from haven.flags.detector import detect
from haven.flags.features import Vocabulary
from haven.flags.model import load_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import train_flags  # noqa: E402

import flags_eval  # noqa: E402

# --- references: the plain forms of the fast code ------------------------------------------------------

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"[@$]?\w*[a-z]\w*[0-9@$]\w*|[@$]?\w*[0-9@$]\w*[a-z]\w*")
_LEET_TOKEN = re.compile(r"[\w@$]+")
_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][ .*\-]){2,}[^\W\d_](?!\w)")
_STRETCH = re.compile(r"(\w)\1{2,}")
_SEPARATORS = re.compile(r"[ .*\-]")
_WORD = re.compile(r"\w+")


def ref_normalise(text: str) -> str:
    """Every normalisation step on every text (no "nothing odd here" shortcut, no cache)."""
    t = "".join(c for c in __import__("unicodedata").normalize("NFKD", text.lower()) if not _combining(c))
    t = t.replace("'", "").replace("\u2019", "")
    t = _LEET_TOKEN.sub(lambda m: m.group() if len(m.group()) > 64 else _LEET_WORD.sub(_leet, m.group()), t)
    t = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group()), t)
    return _STRETCH.sub(r"\1\1", t)


def _leet(m: re.Match[str]) -> str:
    return m.group().translate(_LEET)


def _combining(c: str) -> bool:
    import unicodedata

    return bool(unicodedata.combining(c))


def ref_scores(self: Vocabulary, texts: list[str], weights: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``matrix(texts) @ weights`` as a plain sum: one weight row per feature occurrence of each text,
    each weighing 1/sqrt(number of its features, known or not)."""
    out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        ws = _WORD.findall(ref_normalise(text))
        names = [g for w in ws for g in features.word_grams(w)] + [f"b:{a} {b}" for a, b in pairwise(ws)]
        cols = [self.index[n] for n in names if n in self.index]
        if names and cols:
            out[i] = weights[cols].astype(np.float64).sum(axis=0) / np.sqrt(len(names))
    return out


def _reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the detector to the reference paths for the rest of the test."""
    monkeypatch.setattr(detector, "SKIP_SILENT", False)
    monkeypatch.setattr(Vocabulary, "scores", ref_scores)
    monkeypatch.setattr(detector, "respell", ref_normalise)
    monkeypatch.setattr(features, "normalise", ref_normalise)
    import haven.flags.model as model_module

    monkeypatch.setattr(model_module, "normalise", ref_normalise, raising=False)
    plain_infer = detector.infer_roles
    monkeypatch.setattr(
        detector, "infer_roles", lambda msgs, flags, lexicons, **_: plain_infer(msgs, flags, lexicons)
    )


# --- inputs ---------------------------------------------------------------------------------------------

TRICKY = [
    "",
    "   ",
    "a",
    "ok ok ok",
    "n u d e s pls",
    "n.u.d.e.s",
    "s-e-n-d m-e",
    "pleeeeeease send",
    "h3ll0 s3xy, s3nd n00dz",
    "p@y m3 $500",
    "1" * 200,
    "x" * 70 + "1",
    "caméra, ça va? Não, câmera",
    "don’t you dare, I’ll post it",
    "I’LL SEND IT TO EVERYONE!!! 😈",
    "k1ll mys3lf",
    "t-h-i-s is the end",
    "woooorth living",
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "pay 200 or everyone sees this",
    "\x1c\x1d weird controls",
]


def _corpus_conversations() -> list[list[Message]]:
    return [
        train_flags.to_messages(rows)
        for split in ("train", "dev", "blind")
        for rows in train_flags.load(split)
    ]


def _inferred(messages: list[Message]) -> list[Message]:
    """The same conversation with no side given (the detector infers who the victim is)."""
    return [m.model_copy(update={"from_me": None}) for m in messages]


def _texts() -> list[str]:
    texts = [m.text for conv in _corpus_conversations() for m in conv]
    texts += [m.text for c in flags_eval.load() for m in c.messages]
    lex = load_lexicon("en")
    texts += [t for s in lex.flags.values() for t in (*s.examples, *s.counter_examples)]
    return texts + TRICKY


def _generated_chat(n: int) -> list[Message]:
    import bench_flags

    return bench_flags.generated_chat(n)


def _answer(messages: list[Message], **kwargs: object) -> tuple[list[tuple], list[float], dict]:
    report = detect(messages, **kwargs)  # type: ignore[arg-type]
    exact = [(f.message_id, f.flag, f.evidence, f.explanation, f.start, f.end) for f in report.flags]
    return exact, [f.confidence for f in report.flags], report.summary


def _same(fast: tuple, ref: tuple) -> None:
    assert fast[0] == ref[0]
    np.testing.assert_allclose(fast[1], ref[1], atol=1e-5)
    assert fast[2] == ref[2]


# --- tests ------------------------------------------------------------------------------------------------


def test_normalise_is_the_plain_normalisation() -> None:
    for text in _texts():
        assert features.normalise(text) == ref_normalise(text), text


def test_word_sums_give_the_plain_scores_for_the_shipped_and_for_random_weights() -> None:
    model = load_model()
    assert model is not None
    texts = _texts()
    fast = model.vocab.scores(texts, model.w1, chunk=997)  # chunks that do not line up with anything
    np.testing.assert_allclose(fast, ref_scores(model.vocab, texts, model.w1), atol=1e-5)
    # any vocabulary and weights: a vocabulary of the corpus' own features, random weights, twice (cached)
    names = sorted({g for t in texts[:3000] for g in features.grams(t)})[::3]
    vocab = Vocabulary(names)
    rng = np.random.default_rng(7)
    for _ in range(2):
        weights = rng.normal(size=(len(names), 5)).astype(np.float32)
        np.testing.assert_allclose(vocab.scores(texts, weights), ref_scores(vocab, texts, weights), atol=1e-4)


@pytest.mark.parametrize("mode", ["hybrid", "lexicon"])
def test_fast_detector_answers_as_the_reference_on_the_corpora(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    corpus = [m for conv in _corpus_conversations() for m in conv]
    evals = [m for c in flags_eval.load() for m in c.messages]
    inputs = [corpus, _inferred(corpus[:6000]), evals, _inferred(evals)]
    fast = [_answer(msgs, mode=mode) for msgs in inputs]
    _reference(monkeypatch)
    for got, msgs in zip(fast, inputs, strict=True):
        _same(got, _answer(msgs, mode=mode))


def test_fast_detector_answers_as_the_reference_on_a_generated_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _generated_chat(3000)
    named = [m.model_copy(update={"conversation": f"c{i // 400}"}) for i, m in enumerate(chat)]
    fast = [_answer(chat), _answer(named), _answer(chat, me="Alex")]
    assert fast[0][0], "the generated chat has threats and payment details: it must raise flags"
    _reference(monkeypatch)
    for got, kwargs, msgs in zip(fast, [{}, {}, {"me": "Alex"}], [chat, named, chat], strict=True):
        _same(got, _answer(msgs, **kwargs))


def test_a_cached_hyperscan_database_gives_the_compiled_candidates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("HAVEN_CACHE_DIR", str(tmp_path))
    rules = load_lexicon("en")._prefilter[0]._rules
    compiled = prefilter._hyperscan(rules)
    assert compiled is not None
    assert len(list(tmp_path.glob("hyperscan-*.db"))) == 1, "the compiled database is kept for next time"
    loaded = prefilter._hyperscan(rules, cached_only=True)
    assert loaded is not None and loaded[1:] == compiled[1:]

    ascii_texts = [t for t in _texts() if t.isascii()]
    assert [_scan(loaded, t) for t in ascii_texts] == [_scan(compiled, t) for t in ascii_texts]


def _scan(db: tuple, text: str) -> set[int]:
    """The rules a Hyperscan database (with its owners and always-run rules) leaves possible."""
    found: set[int] = set()
    db[0].scan(text.encode("ascii"), match_event_handler=lambda k, *_: found.add(db[1][k]))
    return found | db[2]


def test_a_damaged_or_foreign_cache_file_is_compiled_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("HAVEN_CACHE_DIR", str(tmp_path))
    rules = [[r"\bpay\b"], [r"send (?:it|them) to"]]
    first = prefilter._hyperscan(rules)
    assert first is not None
    (path,) = tmp_path.glob("hyperscan-*.db")
    for damage in (b"", b"not a database", path.read_bytes()[:-100], path.read_bytes()[:40] + b"\x00" * 50):
        path.write_bytes(damage)
        assert prefilter._hyperscan(rules, cached_only=True) is None
        again = prefilter._hyperscan(rules)  # compiled afresh and written back
        assert again is not None
        assert _scan(again, "pay me or i send it to your mum") == {0, 1}


def test_an_unwritable_cache_dir_only_costs_the_compile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("hyperscan")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HAVEN_CACHE_DIR", str(blocker / "cache"))
    assert prefilter._hyperscan([[r"\bpay\b"]]) is not None
    assert not list(tmp_path.glob("**/hyperscan-*"))


def test_grouped_hyperscan_reads_give_each_texts_own_candidates() -> None:
    """``candidates_many`` scans texts in groups and rescans a group with any match text by text; a
    group with no match must mean no text of it has one."""
    pytest.importorskip("hyperscan")
    lex = load_lexicon("en")
    pf = lex._prefilter[0]
    texts = [t for t in _texts() if t.strip()]
    texts += [m.text for m in _generated_chat(2000)]
    texts = [detector.normalise(t) for t in texts]
    assert pf._hs is not None and pf._groupable
    assert pf.candidates_many(texts) == [pf.candidates(t) for t in texts]
    assert pf.candidates_many(texts[::-1]) == [pf.candidates(t) for t in texts[::-1]]


def test_words_read_in_one_pass_are_each_texts_own_words() -> None:
    texts = [*TRICKY, "a\x00b c", "", "ünïcödé wörds, 123", "tab\tseparated\nlines"]
    for chosen in (texts, [t for t in texts if t.isascii() and "\x00" not in t], [], [""]):
        flat, lengths = features.tokens(chosen)
        per_text = [re.findall(r"\w+", t) for t in chosen]
        assert flat == [w for ws in per_text for w in ws]
        assert lengths.tolist() == [len(ws) for ws in per_text]
