"""The trained half of the hybrid red-flag detector: a linear model over word and character n-grams with
conversation context, whose weights ship in ``haven/flags/data/flags_model.npz``.

Features of one message (all hashed or counted; nothing is fetched, nothing is pickled):

* its own text: word 1–2-grams and character 2–4-grams (within word boundaries) of the lower-cased
  text, hashed into ``N_TEXT`` columns (:class:`sklearn.feature_extraction.text.HashingVectorizer`);
* context: which flags the lexicon raised on this message, on the previous and on the next message; who
  is speaking (the victim or the other side); the stage the conversation has reached (the flags the other
  side's messages raised so far, by lexicon or model) and the relative position in the chat.

One logistic regression per flag (``scripts/train_flags.py`` builds them with a fixed seed from the
train split of ``benchmarks/data/flags_corpus``; thresholds are chosen on the dev split). The weights are
stored as float32 arrays in a compressed ``.npz`` (loaded with ``allow_pickle=False``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from haven.flags.lexicon import FLAG_NAMES

N_TEXT = 2**16
N_FLAGS = len(FLAG_NAMES)
CONTEXT_NAMES = (
    [f"lex:{f}" for f in FLAG_NAMES]
    + [f"prev:{f}" for f in FLAG_NAMES]
    + [f"next:{f}" for f in FLAG_NAMES]
    + [f"stage:{f}" for f in FLAG_NAMES]
    + ["speaker:them", "speaker:me", "position"]
)
N_CONTEXT = len(CONTEXT_NAMES)
MODEL_FILE = "flags_model.npz"


@cache
def vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    word = HashingVectorizer(
        n_features=N_TEXT,
        ngram_range=(1, 2),
        alternate_sign=False,
        norm=None,
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",
        dtype=np.float32,
    )
    char = HashingVectorizer(
        n_features=N_TEXT,
        analyzer="char_wb",
        ngram_range=(2, 4),
        alternate_sign=False,
        norm=None,
        lowercase=True,
        dtype=np.float32,
    )
    return word, char


def text_features(texts: list[str]) -> Any:
    """Hashed n-gram counts of each text, log-scaled and L2-normalised (a sparse CSR matrix)."""
    from sklearn.preprocessing import normalize

    word, char = vectorizers()
    x = word.transform(texts) + char.transform(texts) * 0.5
    x.data = np.log1p(x.data)
    return normalize(x, copy=False)


def context_features(lexicon_flags: list[set[str]], speakers: list[str], stage: list[set[str]]) -> np.ndarray:
    """The dense context block (see module doc) for the messages of one conversation, in order."""
    n = len(lexicon_flags)
    out = np.zeros((n, N_CONTEXT), dtype=np.float32)
    index = {f: i for i, f in enumerate(FLAG_NAMES)}
    for i in range(n):
        for f in lexicon_flags[i]:
            out[i, index[f]] = 1.0
        if i > 0:
            for f in lexicon_flags[i - 1]:
                out[i, N_FLAGS + index[f]] = 1.0
        if i + 1 < n:
            for f in lexicon_flags[i + 1]:
                out[i, 2 * N_FLAGS + index[f]] = 1.0
        for f in stage[i]:
            out[i, 3 * N_FLAGS + index[f]] = 1.0
        out[i, 4 * N_FLAGS] = speakers[i] != "me"
        out[i, 4 * N_FLAGS + 1] = speakers[i] == "me"
        out[i, 4 * N_FLAGS + 2] = i / max(n - 1, 1)
    return out


def stages(lexicon_flags: list[set[str]], speakers: list[str]) -> list[set[str]]:
    """Per message, the flags the other side raised before it (the stage the conversation is at)."""
    seen: set[str] = set()
    out = []
    for flags, speaker in zip(lexicon_flags, speakers, strict=True):
        out.append(set(seen))
        if speaker != "me":
            seen |= flags
    return out


def features(texts: list[str], lexicon_flags: list[set[str]], speakers: list[str]) -> Any:
    from scipy.sparse import csr_matrix, hstack

    ctx = context_features(lexicon_flags, speakers, stages(lexicon_flags, speakers))
    return hstack([text_features(texts), csr_matrix(ctx)], format="csr")


@dataclass(frozen=True)
class Model:
    coef: np.ndarray  # (N_FLAGS, N_TEXT + N_CONTEXT)
    intercept: np.ndarray  # (N_FLAGS,)
    threshold: np.ndarray  # (N_FLAGS,) probability at which the model alone raises the flag

    def probabilities(
        self, texts: list[str], lexicon_flags: list[set[str]], speakers: list[str]
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, N_FLAGS), dtype=np.float32)
        x = features(texts, lexicon_flags, speakers)
        z = np.asarray(x @ self.coef.T) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def probabilities_many(
        self, texts: list[str], lexicon_flags: list[list[set[str]]], speakers: list[list[str]]
    ) -> np.ndarray:
        """Like :meth:`probabilities` for several conversations at once (texts concatenated in order;
        context per conversation)."""
        if not texts:
            return np.zeros((0, N_FLAGS), dtype=np.float32)
        ctx = np.vstack(
            [context_features(lx, sp, stages(lx, sp)) for lx, sp in zip(lexicon_flags, speakers, strict=True)]
        )
        unique: dict[str, int] = {}
        rows = [unique.setdefault(t, len(unique)) for t in texts]  # chats repeat "ok", "lol": read once
        z_text = np.asarray(text_features(list(unique)) @ self.coef[:, :N_TEXT].T)
        z = z_text[rows] + ctx @ self.coef[:, N_TEXT:].T
        return 1.0 / (1.0 + np.exp(-(z + self.intercept)))

    def top_words(self, text: str, flag: str, k: int = 3) -> list[str]:
        """The words of ``text`` that weighed most towards ``flag`` (the model's reason, quoted). Word
        scores are cached per model (one vectoriser call per message for the words not seen yet)."""
        import re

        j = FLAG_NAMES.index(flag)
        words = sorted(set(re.findall(r"\w+", text)), key=len)
        if not words:
            return []
        cache = _word_scores(self)
        new = [w for w in words if w not in cache]
        if new:
            if len(cache) > 200_000:
                cache.clear()
            scores = np.asarray(text_features(new) @ self.coef[:, :N_TEXT].T)
            cache.update(zip(new, scores, strict=True))
        score = np.array([cache[w][j] for w in words])
        order = np.argsort(-score, kind="stable")
        return [words[i] for i in order[:k] if score[i] > 0]

    def save(self, path: Any) -> None:
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            threshold=self.threshold.astype(np.float32),
            flags=np.array(FLAG_NAMES),
        )


_WORD_SCORES: dict[int, dict[str, np.ndarray]] = {}


def _word_scores(model: Model) -> dict[str, np.ndarray]:
    return _WORD_SCORES.setdefault(id(model), {})


def load_from(path: Any) -> Model:
    with np.load(path, allow_pickle=False) as data:
        if list(data["flags"]) != FLAG_NAMES:
            raise ValueError(
                "flags model was built for other flag names; rebuild with scripts/train_flags.py"
            )
        return Model(coef=data["coef"], intercept=data["intercept"], threshold=data["threshold"])


@cache
def load_model() -> Model | None:
    """The shipped model, or ``None`` when it is absent (then the detector is lexicon-only)."""
    ref = resources.files("haven.flags") / "data" / MODEL_FILE
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return load_from(path)
