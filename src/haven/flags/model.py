"""The trained half of the hybrid red-flag detector: two linear layers whose weights ship in
``haven/flags/data/flags_model.npz`` (no pickles; ``allow_pickle=False``).

1. **The message** (:mod:`haven.flags.features`): words, word pairs and character 3–5-grams of the
   normalised text, plus which flags the lexicon raised on it and who is speaking. One logistic
   regression per flag gives a first score ``z1``.
2. **The message in its conversation**: a second logistic regression per flag reads the message's own
   ``z1`` with the previous and the next message's, the stage the conversation has reached (the highest
   first-layer probability and the lexicon flags of the other side's earlier messages), the lexicon
   flags of the neighbours, the speaker and the position in the chat. So "i want 300 euros" next to
   "or everyone sees your video" is read together. Self-harm reads its own message only (the words, the
   lexicon and who speaks): it must not learn "a victim's line after a threat is a self-harm cue".
3. **Self-harm cue gate**: the model's self-harm score counts only on a message holding a cue word of
   ``data/selfharm_cues.toml`` (dying, ending, not existing, methods, goodbyes... in every language), or
   once it reaches ``self_harm_sure``; a short everyday line that merely looks like a short training cue
   ("i dey fine o") scores 0. The gate reads the message alone (no neighbours).

``scripts/train_flags.py`` builds both layers with a fixed seed from the train split of
``benchmarks/data/flags_corpus`` (the second layer on out-of-fold first-layer scores) and picks each
flag's threshold on the dev split. Scoring a batch is one sparse product and a few dense ones.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from haven.flags.features import Vocabulary, normalise
from haven.flags.lexicon import FLAG_NAMES

N_FLAGS = len(FLAG_NAMES)
SELF_HARM = FLAG_NAMES.index("self-harm-risk")
CTX1_NAMES = [f"lex:{f}" for f in FLAG_NAMES] + ["speaker:them", "speaker:me"]
CTX2_NAMES = (
    [f"z1:{f}" for f in FLAG_NAMES]
    + [f"z1-prev:{f}" for f in FLAG_NAMES]
    + [f"z1-next:{f}" for f in FLAG_NAMES]
    + [f"stage-p1:{f}" for f in FLAG_NAMES]
    + [f"lex:{f}" for f in FLAG_NAMES]
    + [f"lex-prev:{f}" for f in FLAG_NAMES]
    + [f"lex-next:{f}" for f in FLAG_NAMES]
    + [f"lex-stage:{f}" for f in FLAG_NAMES]
    + ["speaker:them", "speaker:me", "position", "bias"]
)
SELF_HARM_CTX2 = [f"z1:{FLAG_NAMES[SELF_HARM]}", f"lex:{FLAG_NAMES[SELF_HARM]}", "speaker:them", "speaker:me"]
"""The second-layer inputs self-harm may read (its own message only)."""
MODEL_FILE = "flags_model.npz"
CUES_FILE = "selfharm_cues.toml"
_INDEX = {f: i for i, f in enumerate(FLAG_NAMES)}
_WORDS = re.compile(r"\w+")


def lexicon_matrix(lexicon_flags: list[set[str]]) -> np.ndarray:
    out = np.zeros((len(lexicon_flags), N_FLAGS), dtype=np.float32)
    for i, flags in enumerate(lexicon_flags):
        for f in flags:
            out[i, _INDEX[f]] = 1.0
    return out


def ctx1(lex: np.ndarray, speakers: list[str]) -> np.ndarray:
    me = np.array([s == "me" for s in speakers], dtype=np.float32)[:, None]
    return np.hstack([lex, 1.0 - me, me])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """Rows moved down (k=1: each row gets the previous one) or up (k=-1), zero-filled."""
    out = np.zeros_like(a)
    if len(a) > 1:
        if k == 1:
            out[1:] = a[:-1]
        else:
            out[:-1] = a[1:]
    return out


def _stage(a: np.ndarray, them: np.ndarray) -> np.ndarray:
    """Per row, the highest value of the other side's earlier rows (exclusive running maximum)."""
    q = np.where(them[:, None], a, 0.0)
    return _shift(np.maximum.accumulate(q, axis=0), 1) if len(a) else q


def ctx2(z1: np.ndarray, lex: np.ndarray, speakers: list[str]) -> np.ndarray:
    """Second-layer inputs of one conversation (rows in order; see ``CTX2_NAMES``)."""
    n = len(speakers)
    me = np.array([s == "me" for s in speakers], dtype=bool)
    pos = (np.arange(n, dtype=np.float32) / max(n - 1, 1))[:, None]
    return np.hstack(
        [
            z1,
            _shift(z1, 1),
            _shift(z1, -1),
            _stage(_sigmoid(z1), ~me),
            lex,
            _shift(lex, 1),
            _shift(lex, -1),
            _stage(lex, ~me),
            (~me)[:, None].astype(np.float32),
            me[:, None].astype(np.float32),
            pos,
            np.ones((n, 1), dtype=np.float32),
        ]
    ).astype(np.float32)


@cache
def self_harm_cues() -> re.Pattern[str]:
    """One pattern of every self-harm cue word (``data/selfharm_cues.toml``, all languages)."""
    ref = resources.files("haven.flags") / "data" / CUES_FILE
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    return re.compile("|".join(f"(?:{p})" for pats in data["cues"].values() for p in pats))


def has_self_harm_cue(text: str) -> bool:
    """A self-harm cue word in the message, read in its normalised and in its plain lower-case form."""
    cues = self_harm_cues()
    return bool(cues.search(normalise(text)) or cues.search(text.lower()))


def gate_self_harm(probs: np.ndarray, texts: list[str], low: float, sure: float) -> None:
    """In place: the self-harm column is zeroed where its score is at least ``low`` (it could count) but
    below ``sure`` and the message holds no cue word."""
    col = probs[:, SELF_HARM]
    for i in np.flatnonzero((col >= low) & (col < sure)):
        if not has_self_harm_cue(texts[int(i)]):
            col[i] = 0.0


@dataclass
class Model:
    vocabulary: list[str]
    w1: np.ndarray  # (len(vocabulary), N_FLAGS) text weights of the first layer
    c1: np.ndarray  # (len(CTX1_NAMES), N_FLAGS)
    b1: np.ndarray  # (N_FLAGS,)
    w2: np.ndarray  # (len(CTX2_NAMES), N_FLAGS); bias included as the last input
    threshold: np.ndarray  # (N_FLAGS,) probability at which the model alone raises the flag
    self_harm_sure: float = 1.0  # self-harm score counted without a cue word (1.0: never)
    vocab: Vocabulary = field(init=False, repr=False, compare=False)
    _scores: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.vocab = Vocabulary(self.vocabulary)
        self.w1 = np.ascontiguousarray(self.w1, dtype=np.float32)

    def first_layer(self, texts: list[str], lex: np.ndarray, speakers: list[str]) -> np.ndarray:
        unique: dict[str, int] = {}
        rows = [unique.setdefault(t, len(unique)) for t in texts]  # chats repeat "ok", "lol": read once
        z_text = self.vocab.scores(list(unique), self.w1)
        return z_text[rows] + ctx1(lex, speakers) @ self.c1 + self.b1

    def probabilities_many(
        self, texts: list[str], lexicon_flags: list[list[set[str]]], speakers: list[list[str]]
    ) -> np.ndarray:
        """Probabilities (messages x flags) of several conversations at once: texts concatenated in
        order, lexicon flags and speakers per conversation."""
        if not texts:
            return np.zeros((0, N_FLAGS), dtype=np.float32)
        flat_speakers = [s for conv in speakers for s in conv]
        lex = lexicon_matrix([f for conv in lexicon_flags for f in conv])
        z1 = self.first_layer(texts, lex, flat_speakers)
        parts, start = [], 0
        for conv in speakers:
            end = start + len(conv)
            parts.append(ctx2(z1[start:end], lex[start:end], conv))
            start = end
        probs = _sigmoid(np.vstack(parts) @ self.w2)
        gate_self_harm(probs, texts, float(self.threshold[SELF_HARM]), self.self_harm_sure)
        return probs

    def probabilities(
        self, texts: list[str], lexicon_flags: list[set[str]], speakers: list[str]
    ) -> np.ndarray:
        return self.probabilities_many(texts, [lexicon_flags], [speakers])

    def word_score(self, word: str) -> np.ndarray:
        """First-layer weight of one word of the original text, per flag (cached)."""
        got = self._scores.get(word)
        if got is None:
            got = self.vocab.scores([word], self.w1)[0]
            if len(self._scores) > 200_000:
                self._scores.clear()
            self._scores[word] = got
        return got

    def top_words(self, text: str, flag: str, k: int = 3) -> list[str]:
        """The words of ``text`` (as written there) that weighed most towards ``flag``: the model's
        reason, quoted."""
        j = FLAG_NAMES.index(flag)
        ws = sorted(set(_WORDS.findall(text)), key=len)
        if not ws:
            return []
        score = np.array([self.word_score(w)[j] for w in ws])
        order = np.argsort(-score, kind="stable")
        return [ws[i] for i in order[:k] if score[i] > 0]

    def save(self, path: Any) -> None:
        np.savez_compressed(
            path,
            vocabulary=np.array(self.vocabulary),
            w1=self.w1.astype(np.float16),
            c1=self.c1.astype(np.float32),
            b1=self.b1.astype(np.float32),
            w2=self.w2.astype(np.float32),
            threshold=self.threshold.astype(np.float32),
            self_harm_sure=np.float32(self.self_harm_sure),
            flags=np.array(FLAG_NAMES),
        )


def load_from(path: Any) -> Model:
    with np.load(path, allow_pickle=False) as data:
        if list(data["flags"]) != FLAG_NAMES or "w2" not in data:
            raise ValueError(
                "flags model was built for other flags or features; rebuild with scripts/train_flags.py"
            )
        return Model(
            vocabulary=[str(v) for v in data["vocabulary"]],
            w1=data["w1"].astype(np.float32),
            c1=data["c1"],
            b1=data["b1"],
            w2=data["w2"],
            threshold=data["threshold"],
            self_harm_sure=float(data["self_harm_sure"]) if "self_harm_sure" in data else 1.0,
        )


@cache
def load_model() -> Model | None:
    """The shipped model, or ``None`` when it is absent (then the detector is lexicon-only)."""
    ref = resources.files("haven.flags") / "data" / MODEL_FILE
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return load_from(path)
