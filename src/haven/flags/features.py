"""Text features of the red-flag model: normalised words, word pairs and character n-grams, looked up in
the vocabulary the training script built (no hashing library, no per-call overhead).

Normalisation undoes the spellings offenders and teenagers use to dodge filters or just type fast:
lower case, accents dropped ("câmera" reads as "camera"), leetspeak inside words ("n00d", "s3xy"),
letters spaced or dotted apart ("n u d e s", "n.u.d.e.s"), letters stretched ("pleeeease").

Features of one message: every word (``w:``), every pair of neighbouring words (``b:``) and the
character 3–5-grams of each word padded with spaces (``c:``). A word's character n-grams are looked up
once per process (:class:`Vocabulary` keeps a per-word cache), so a chat of 500,000 messages costs one
regular-expression pass and a few dictionary lookups per message. Each message's row is L2-normalised
over all its features, known or not (an unknown language leaves few known features, and they stay weak).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

import numpy as np

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"[@$]?\w*[a-z]\w*[0-9@$]\w*|[@$]?\w*[0-9@$]\w*[a-z]\w*")
_LEET_TOKEN = re.compile(r"[\w@$]+")


def _leet(token: str) -> str:
    return token if len(token) > 64 else _LEET_WORD.sub(lambda m: m.group().translate(_LEET), token)


_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][ .*\-]){2,}[^\W\d_](?!\w)")
_STRETCH = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"\w+")
CHAR_RANGE = (3, 5)


class _Base(dict[int, str]):
    """``str.translate`` table: a letter without its accents (worked out once per character)."""

    def __missing__(self, code: int) -> str:
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        self[code] = base
        return base


_BASE = _Base()
_SEPARATORS = re.compile(r"[ .*\-]")


def _deaccent(text: str) -> str:
    return text if text.isascii() else text.translate(_BASE)


_ODD = re.compile(r"[0-9@$'\u2019]|(?<!\w)\w[ .*\-]\w[ .*\-]\w(?!\w)|(\w)\1\1")
"""Anything normalisation would change besides case and accents (most messages have none)."""


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The form the model reads (see the module doc). Cached: the detector's respelled self-harm reading,
    the meaning cues and the n-grams each ask for the same text's form."""
    t = _deaccent(text.lower())
    if not _ODD.search(t):
        return t
    t = t.replace("'", "").replace("\u2019", "")
    # token by token, and not on very long tokens: on a long run of digits _LEET_WORD backtracked at every
    # start (quadratic); its matches never leave a [\w@$]+ token, so this reads ordinary words the same
    t = _LEET_TOKEN.sub(lambda m: _leet(m.group()), t)
    t = _SPACED.sub(lambda m: _SEPARATORS.sub("", m.group()), t)
    return _STRETCH.sub(r"\1\1", t)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def word_grams(word: str) -> list[str]:
    """``w:`` feature and the character n-grams of one word."""
    padded = f" {word} "
    lo, hi = CHAR_RANGE
    grams = [f"w:{word}"]
    for n in range(lo, hi + 1):
        grams.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def grams(text: str) -> list[str]:
    """Every feature name of one text (training uses this to build the vocabulary)."""
    ws = words(text)
    out = [g for w in ws for g in word_grams(w)]
    out.extend(f"b:{a} {b}" for a, b in pairwise(ws))
    return out


class Vocabulary:
    """Feature name -> column, with a per-word cache of (known columns, number of features)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self._word: dict[str, tuple[list[int], int]] = {}

    def __len__(self) -> int:
        return len(self.names)

    def _of_word(self, word: str) -> tuple[list[int], int]:
        got = self._word.get(word)
        if got is None:
            gs = word_grams(word)
            index = self.index
            got = ([index[g] for g in gs if g in index], len(gs))
            if len(self._word) > 500_000:
                self._word.clear()
            self._word[word] = got
        return got

    def rows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR parts (data, indices, indptr) of the normalised feature rows of ``texts``."""
        indices: list[int] = []
        data: list[float] = []
        indptr = [0]
        index = self.index
        for text in texts:
            ws = _WORD.findall(normalise(text))
            start = len(indices)
            total = max(len(ws) - 1, 0)
            for w in ws:
                cols, n = self._of_word(w)
                indices.extend(cols)
                total += n
            for a, b in pairwise(ws):
                j = index.get(f"b:{a} {b}")
                if j is not None:
                    indices.append(j)
            weight = 1.0 / (total**0.5) if total else 0.0
            data.extend([weight] * (len(indices) - start))
            indptr.append(len(indices))
        return (
            np.asarray(data, dtype=np.float32),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int32),
        )

    def scores(self, texts: list[str], weights: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """``matrix(texts) @ weights`` without building the sparse matrix (gather and a running sum, in
        chunks so a 500,000-message chat stays small in memory)."""
        out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
        for lo in range(0, len(texts), chunk):
            data, indices, indptr = self.rows(texts[lo : lo + chunk])
            if not len(indices):
                continue
            acc = np.zeros((len(indices) + 1, weights.shape[1]), dtype=np.float64)
            np.cumsum(weights[indices] * data[:, None], axis=0, out=acc[1:])
            out[lo : lo + len(indptr) - 1] = acc[indptr[1:]] - acc[indptr[:-1]]
        return out

    def matrix(self, texts: list[str]):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix

        data, indices, indptr = self.rows(texts)
        return csr_matrix((data, indices, indptr), shape=(len(texts), len(self.names)))
