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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from itertools import chain, pairwise, repeat

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
_LEET_CHAR = re.compile(r"[0-9@$]")
"""Leetspeak needs one of these (``_LEET_WORD`` does): text without any is left as it is, unscanned."""


_HELD: ContextVar[dict[str, str] | None] = ContextVar("haven_flags_held_forms", default=None)


@contextmanager
def held_forms() -> Iterator[None]:
    """Inside this block every text's normalised form is kept (not only the last 65,536), so one
    ``detect`` over a chat of 500,000 messages normalises each text once, for the detector and the
    model both; the forms are dropped when the block ends."""
    token = _HELD.set({} if _HELD.get() is None else _HELD.get())
    try:
        yield
    finally:
        _HELD.reset(token)


def normalise(text: str) -> str:
    """The form the model reads (see the module doc). Cached: the detector's respelled self-harm reading,
    the meaning cues and the n-grams each ask for the same text's form."""
    held = _HELD.get()
    if held is None:
        return _normalise_cached(text)
    got = held.get(text)
    if got is None:
        got = held[text] = _normalise_cached(text)
    return got


@lru_cache(maxsize=1 << 16)
def _normalise_cached(text: str) -> str:
    t = _deaccent(text.lower())
    if not _ODD.search(t):
        return t
    t = t.replace("'", "").replace("\u2019", "")
    # token by token, and not on very long tokens: on a long run of digits _LEET_WORD backtracked at every
    # start (quadratic); its matches never leave a [\w@$]+ token, so this reads ordinary words the same
    if _LEET_CHAR.search(t):
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


_WORD_OR_GAP = re.compile(r"\w+|\x00")
_WORD_OR_GAP_ASCII = re.compile(r"\w+|\x00", re.ASCII)
_GAP = np.array("\x00", dtype=object)


def tokens(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The ``\\w+`` words of every text in a row, and each text's word count: one regular-expression
    pass over the texts joined by NUL (never part of a word; texts holding one are read one by one).
    On ASCII text ``re.ASCII`` reads the same words, faster."""
    if not texts:
        return [], np.zeros(0, dtype=np.intp)
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        per_text = [_WORD.findall(t) for t in texts]
        return list(chain.from_iterable(per_text)), np.fromiter(map(len, per_text), np.intp, len(texts))
    found = (_WORD_OR_GAP_ASCII if joined.isascii() else _WORD_OR_GAP).findall(joined)
    words = np.array(found, dtype=object)
    gap = np.equal(words, _GAP)
    cuts = np.flatnonzero(gap)
    bounds = np.concatenate([[-1], cuts, [len(found)]])
    return words[~gap].tolist(), np.diff(bounds) - 1


class Vocabulary:
    """Feature name -> column, with a per-word cache of (known columns, number of features)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self._word: dict[str, tuple[list[int], int]] = {}
        self._sums: _WordSums | None = None
        self._pairs: dict[str, int] | None = None

    @property
    def pairs(self) -> dict[str, int]:
        """Word pair ("a b") -> column of its ``b:`` feature."""
        if self._pairs is None:
            self._pairs = {n[2:]: i for n, i in self.index.items() if n.startswith("b:")}
        return self._pairs

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
        """``matrix(texts) @ weights`` without building the sparse matrix, in chunks so a 500,000-message
        chat stays small in memory. Each distinct word's features are summed once per process (a word's
        n-grams always go together), so a message costs a few lookups done in C: its word ids, its word
        pairs, and one gather-and-sum in numpy."""
        out = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
        sums = self._sums_for(weights)
        for lo in range(0, len(texts), chunk):
            part = texts[lo : lo + chunk]
            out[lo : lo + len(part)] = sums.scores(*tokens([normalise(t) for t in part]))
        return out

    def _sums_for(self, weights: np.ndarray) -> _WordSums:
        """The per-word sums for ``weights`` (kept for the last weights array used)."""
        sums = self._sums
        if sums is None or sums.weights is not weights:
            sums = self._sums = _WordSums(self, weights)
        return sums

    def matrix(self, texts: list[str]):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix

        data, indices, indptr = self.rows(texts)
        return csr_matrix((data, indices, indptr), shape=(len(texts), len(self.names)))


class _WordIds(dict[str, int]):
    """Word -> row of its summed weights in :class:`_WordSums` (added on first sight)."""

    def __init__(self, owner: _WordSums) -> None:
        super().__init__()
        self.owner = owner

    def __missing__(self, word: str) -> int:
        return self.owner.add(word)


class _WordSums:
    """Per distinct word: the sum (float64) of its features' weight rows and its number of features,
    known or not. ``scores`` then gives what :meth:`Vocabulary.rows` times the weights gives: every
    feature of a message weighs ``1 / sqrt(its number of features)``."""

    MAX_WORDS = 500_000

    def __init__(self, vocab: Vocabulary, weights: np.ndarray) -> None:
        self.vocab = vocab
        self.weights = weights
        self.ids = _WordIds(self)
        self.sums = np.zeros((1024, weights.shape[1]), dtype=np.float64)
        self.counts = np.zeros(1024, dtype=np.float64)

    def add(self, word: str) -> int:
        k = len(self.ids)
        if k == len(self.counts):
            self.sums = np.concatenate([self.sums, np.zeros_like(self.sums)])
            self.counts = np.concatenate([self.counts, np.zeros_like(self.counts)])
        cols, n = self.vocab._of_word(word)
        self.sums[k] = self.weights[cols].astype(np.float64).sum(axis=0) if cols else 0.0
        self.counts[k] = n
        self.ids[word] = k
        return k

    def scores(self, flat: list[str], lengths: np.ndarray) -> np.ndarray:
        """Scores of texts given as their words in a row (``flat``) and each text's word count."""
        m, width = len(lengths), self.weights.shape[1]
        out = np.zeros((m, width), dtype=np.float64)
        if not flat:
            return out
        ids = self.ids
        if len(ids) > self.MAX_WORDS:  # bounded memory; cleared between reads, never during one
            ids.clear()
        wid = np.fromiter(map(ids.__getitem__, flat), dtype=np.intp, count=len(flat))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        full = lengths > 0
        out[full] = np.add.reduceat(self.sums[wid], starts[full], axis=0)
        per_word = np.add.reduceat(self.counts[wid], starts[full])
        total = np.zeros(m, dtype=np.float64)
        total[full] = per_word + (lengths[full] - 1)
        # word pairs, read over the flat token list; a pair across two messages is dropped
        if len(flat) > 1:
            pairs = self.vocab.pairs
            keys = map(" ".join, pairwise(flat))
            col = np.fromiter(map(pairs.get, keys, repeat(-1)), dtype=np.intp, count=len(flat) - 1)
            inside = np.ones(len(flat) - 1, dtype=bool)
            inside[(ends[full] - 1)[:-1]] = False  # the last token of each message but the last
            keep = np.flatnonzero((col >= 0) & inside)
            if len(keep):
                owner = np.searchsorted(ends, keep, side="right")
                rows, first = np.unique(owner, return_index=True)
                out[rows] += np.add.reduceat(self.weights[col[keep]].astype(np.float64), first, axis=0)
        weight = np.zeros(m, dtype=np.float32)
        has = total > 0
        weight[has] = 1.0 / np.sqrt(total[has])
        return out * weight.astype(np.float64)[:, None]
