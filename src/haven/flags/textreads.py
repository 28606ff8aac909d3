"""The per-text rule reads the red-flag detector shares: the prefilter's answer for each distinct text
(which flags and rules might match it), each rule's match on it, and whether the text is silent (nothing
can raise a flag or note a payment on it).

:class:`TextReads` holds these caches and the methods that fill them; the detector
(:mod:`haven.flags.detector`) builds on it, so every conversation of a ``detect`` call and both readings of
each (with no sides, then with the sides found) run each rule at most once per distinct text. The prepass
reads every distinct text with the prefilter (:mod:`haven.flags.prefilter`) in one loop.
"""

from __future__ import annotations

import re
from typing import Any

from haven.core.models import Message
from haven.flags.features import normalise as respell
from haven.flags.lexicon import Lexicon, Rule, fold, normalise

_PAYMENT_SHAPE = re.compile(r"(?:\d[^\d\n]{0,2}){6}|(?=[A-Za-z-]{0,110}\d)[A-Za-z0-9][A-Za-z0-9-]{11,}")
"""Every payment detail haven.indicators knows (wallet, gift-card code, MTCN, MoneyGram reference, IBAN,
sort code and account) has six digits close together or a long code with a digit; text without either
is not sent to the (much slower) indicator extraction."""
_DIGIT = re.compile(r"\d")
"""Both forms of ``_PAYMENT_SHAPE`` hold a digit: text without one is not scanned for the shape."""
_INDICATOR_KEY = -1  # in the per-text match cache: the payment indicator found by haven.indicators
_POSSIBLE_KEY = -2  # in the per-text match cache: the flags the prefilter left possible
_ALLOWED_KEY = -3  # in the per-text match cache: the rules (by id) the prefilter left to run
_NOTHING: frozenset = frozenset()  # both answers when the prefilter leaves nothing (read only, shared)


Matches = dict[str, dict[int, Any]]
"""Per message text, per rule (by id): the rule's match (``None`` for the rules the prefilter rules out),
and under negative keys the prefilter's answer. Shared by every conversation of a ``detect`` call and by
both readings of each (with no sides, then with the sides found), so each rule runs at most once per
distinct text."""


class TextReads:
    """The per-text caches (``matches``, ``silent``) over some lexicons, and the prefiltered search."""

    def __init__(
        self,
        lexicons: list[Lexicon],
        matches: Matches | None = None,
        silent: dict[str, bool] | None = None,
    ) -> None:
        self.lexicons = lexicons
        self.matches: Matches = {} if matches is None else matches
        self.silent: dict[str, bool] = {} if silent is None else silent

    def _possible(self, text: str) -> set[str]:
        """The flags (and signals) with a rule that might match ``text``; the prefilter's answer is kept
        in the match cache (the rules left to run, by id), so rules it rules out are never run."""
        seen = self.matches.get(text)
        if seen is None:
            seen = self.matches[text] = {}
        flags = seen.get(_POSSIBLE_KEY)
        if flags is None:
            flags = set()
            allowed: set[int] = set()
            for lexicon in self.lexicons:
                ids = lexicon.candidates(text)
                if ids is None:
                    flags.update(lexicon.flags, lexicon.signals)
                    allowed.update(lexicon.rule_ids)
                elif ids:
                    flags.update(lexicon.flag_of[i] for i in ids)
                    allowed.update(ids)
            seen[_POSSIBLE_KEY] = flags
            seen[_ALLOWED_KEY] = allowed
        return flags

    def _search(self, rule: Rule, text: str, low: str | None) -> re.Match[str] | None:
        seen = self.matches.get(text)
        if seen is None or _ALLOWED_KEY not in seen:
            self._possible(text)
            seen = self.matches[text]
        key = id(rule)
        if key not in seen:
            seen[key] = rule.search(text, low) if key in seen[_ALLOWED_KEY] else None
        return seen[key]  # type: ignore[no-any-return]

    def search(self, rule: Rule, text: str) -> re.Match[str] | None:
        """``rule.search(text)``, through the prefilter and the per-text cache."""
        seen = self.matches.get(text)
        if seen is not None and _ALLOWED_KEY in seen:
            key = id(rule)
            if key in seen:
                return seen[key]  # type: ignore[no-any-return]
            if key not in seen[_ALLOWED_KEY]:
                return None
        return self._search(rule, text, fold(text))

    def _best(self, rules: tuple[Rule, ...], text: str, low: str | None) -> tuple[Rule, re.Match[str]] | None:
        best = None
        for rule in rules:
            if best is not None and rule.confidence <= best[0].confidence:
                continue
            hit = self._search(rule, text, low)
            if hit:
                best = (rule, hit)
        return best

    def prepass(self, messages: list[Message]) -> None:
        """Decide ``_silent`` for every distinct text at once (the prefilter reads them in one loop)."""
        raws = [r for r in dict.fromkeys(m.text for m in messages) if r not in self.silent and r.strip()]
        texts = [normalise(r) for r in raws]
        self._possible_many(texts)
        later: list[tuple[str, str]] = []  # (raw, respelled) to read again
        for raw, text in zip(raws, texts, strict=True):
            if self.matches[text][_POSSIBLE_KEY] or (_DIGIT.search(text) and _PAYMENT_SHAPE.search(text)):
                self.silent[raw] = False
                continue
            respelled = respell(raw)
            if respelled != fold(text) and respelled.strip():
                later.append((raw, respelled))
            else:
                self.silent[raw] = True
        self._possible_many([r for _, r in later])
        for raw, respelled in later:
            self.silent[raw] = "self-harm-risk" not in self.matches[respelled][_POSSIBLE_KEY]

    def _possible_many(self, texts: list[str]) -> None:
        """``_possible`` of each text not read yet."""
        todo = [t for t in dict.fromkeys(texts) if _POSSIBLE_KEY not in self.matches.get(t, ())]
        found = [
            lexicon._prefilter[0].candidates_many(todo) if lexicon._prefilter else [None] * len(todo)
            for lexicon in self.lexicons
        ]
        matches = self.matches
        for k, text in enumerate(todo):
            if not any(answers[k] is None or answers[k] for answers in found):  # most texts: no rule at all
                seen = matches.get(text)
                if seen is None:
                    matches[text] = {_POSSIBLE_KEY: _NOTHING, _ALLOWED_KEY: _NOTHING}
                else:
                    seen[_POSSIBLE_KEY] = seen[_ALLOWED_KEY] = _NOTHING
                continue
            flags: set[str] = set()
            allowed: set[int] = set()
            for lexicon, answers in zip(self.lexicons, found, strict=True):
                hits = answers[k]
                if hits is None:
                    flags.update(lexicon.flags, lexicon.signals)
                    allowed.update(lexicon.rule_ids)
                elif hits:
                    ids = lexicon._prefilter[1]
                    rules = [ids[i] for i in hits]
                    flags.update(lexicon.flag_of[i] for i in rules)
                    allowed.update(rules)
            seen = self.matches.setdefault(text, {})
            seen[_POSSIBLE_KEY] = flags
            seen[_ALLOWED_KEY] = allowed

    def _silent(self, raw: str, text: str) -> bool:
        """True when nothing in the message can raise a flag or note a payment, whatever the sides and
        the context: the prefilter leaves no rule or signal of the message possible, the self-harm rules
        are not possible on its respelled form either, and it has no payment detail's shape. Then
        the detector's ``message`` would add nothing and change no state; the answer is kept per text."""
        got = self.silent.get(raw)
        if got is None:
            got = not self._possible(text) and not (_DIGIT.search(text) and _PAYMENT_SHAPE.search(text))
            if got:
                respelled = respell(raw)
                if respelled != fold(text) and respelled.strip():
                    got = "self-harm-risk" not in self._possible(respelled)
            self.silent[raw] = got
        return got
