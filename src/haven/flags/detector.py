"""The red-flag detector: per-message flags over normalised messages, with evidence and plain words.

How a conversation is read (every step explainable from the lexicon data files):

1. Messages are put in time order and the victim's side is decided (:mod:`haven.flags.roles`).
2. Each message is matched against every flag's rules for its side: "them" flags on the other side's
   messages, ``self-harm-risk`` on the victim's own (on everyone's when the victim is not known for sure:
   recall comes first there).
3. Some rules only count in context: "I'll send it to everyone" is a joke between friends and a threat
   after "I recorded you"; a request for money is a demand once there has been a threat. A rule with
   ``needs_context`` fires only when one of its flag's ``context`` flags was raised earlier in the
   conversation by the other side, or in the same message.
4. ``repeat-demand`` is raised on a payment demand that comes after a payment (the victim says they paid,
   or the other side says it was received).

Speed: one prepass reads every distinct text with the prefilter (:mod:`haven.flags.prefilter`: Hyperscan
over groups of ASCII texts, RE2 otherwise) and marks the texts no rule or signal can touch (most chat
lines); both readings skip those. The other rules run once per distinct text and their matches are shared
by every conversation and both readings. ``tests/test_flags_speed_equivalence.py`` checks that all of
this gives the answers of the plain path (``SKIP_SILENT = False``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from haven.core.models import Flag, Message, MessageKind
from haven.flags.features import held_forms
from haven.flags.features import normalise as respell
from haven.flags.lexicon import FLAG_NAMES, Lexicon, Rule, fold, load_lexicon, normalise
from haven.flags.roles import Roles, given_roles, infer_roles, sender_key
from haven.flags.summary import build_summary

_SENTENCE_END = re.compile(r"[.!?\n]")
_WHOLE = re.compile(r"(?s)\s*(.+?)\s*$")
MAX_EVIDENCE = 300
"""Evidence is the sentence around the match ("pay" reads as "Then pay."), or the match alone when the
sentence is longer than this."""


_DEMAND_AND_THREAT = frozenset({"payment-demand", "threat-to-share"})


@dataclass
class Event:
    """A payment seen in the conversation (not a flag; used for repeat-demand and the summary)."""

    message: Message
    evidence: str


@dataclass
class FlagReport:
    """What the detector found: a conversation summary and the per-message flags."""

    summary: dict[str, Any]
    flags: list[Flag]
    messages: list[Message] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "flags": [
                {
                    "message_id": f.message_id,
                    "flag": f.flag,
                    "evidence": f.evidence,
                    "explanation": f.explanation,
                    "confidence": round(f.confidence, 2),
                }
                for f in self.flags
            ],
        }

    def by_message(self) -> dict[str, list[Flag]]:
        out: dict[str, list[Flag]] = {}
        for f in self.flags:
            out.setdefault(f.message_id, []).append(f)
        return out


def _evidence(text: str, match: re.Match[str]) -> tuple[str, int, int]:
    """The sentence(s) around a match (what a person or an officer reads), and the match's own offsets."""
    start, end = match.start(), match.end()
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    left = ends[-1] if ends else 0
    nxt = _SENTENCE_END.search(text, max(end - 1, left))
    right = nxt.end() if nxt else len(text)
    evidence = text[left:right].strip()
    if len(evidence) > MAX_EVIDENCE:
        evidence = text[start:end].strip()[:MAX_EVIDENCE]
    return evidence, start, end


PAYMENT_KINDS = frozenset(
    {
        "btc",
        "eth",
        "ltc",
        "xmr",
        "doge",
        "trx",
        "gift-card",
        "mtcn",
        "moneygram-ref",
        "iban",
        "uk-bank-account",
    }
)
"""Offender details (from haven.indicators) that mean "pay here" when the other side sends them."""
_PAYMENT_CONTEXT = {"recording-claim", "threat-to-share", "payment-demand", "contact-list"}
_INDICATOR_RULE = Rule(patterns=(), confidence=0.9)
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


def _payment_indicator(text: str) -> re.Match[str] | None:
    """A valid wallet, gift-card code, MTCN or bank account in the text, found by ``haven.indicators``
    (imported lazily: the detector works without it), as a match object over the text."""
    try:
        from haven.indicators import extract
    except ImportError:
        return None
    for ind in extract(text):
        if ind.kind in PAYMENT_KINDS and ind.valid:
            start = ind.provenance.start
            end = ind.provenance.end or start + len(ind.value)
            return re.compile(re.escape(text[start:end])).search(text, start)
    return None


def _time_order(messages: list[Message]) -> list[Message]:
    if all(m.timestamp_utc is not None for m in messages):
        return sorted(messages, key=lambda m: m.timestamp_utc or datetime.min)
    return list(messages)


def _applies(spec_side: str, side: str, roles: Roles, *, recall_first: bool = False) -> bool:
    if spec_side == "any" or side == "unknown":
        return True
    if recall_first and spec_side == "me" and not roles.explicit:
        return True  # self-harm: recall first when the victim's side is only inferred
    return spec_side == side


Matches = dict[str, dict[int, Any]]
"""Per message text, per rule (by id): the rule's match (``None`` for the rules the prefilter rules out),
and under negative keys the prefilter's answer. Shared by every conversation of a ``detect`` call and by
both readings of each (with no sides, then with the sides found), so each rule runs at most once per
distinct text."""


SKIP_SILENT = True
"""Skip the messages no rule can touch (see ``_Detector._silent``); ``False`` reads every message in full,
the straightforward path ``tests/test_flags_speed_equivalence.py`` compares against."""


class _Detector:
    def __init__(
        self,
        lexicons: list[Lexicon],
        roles: Roles,
        matches: Matches | None = None,
        silent: dict[str, bool] | None = None,
    ) -> None:
        self.lexicons = lexicons
        self.matches: Matches = {} if matches is None else matches
        self.silent: dict[str, bool] = {} if silent is None else silent
        self.roles = roles
        self.context: set[str] = set()
        self.payments: list[Event] = []
        self.unanswered_payment = False
        self.flags: list[Flag] = []

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
        :meth:`message` would add nothing and change no state; the answer is kept per text."""
        got = self.silent.get(raw)
        if got is None:
            got = not self._possible(text) and not (_DIGIT.search(text) and _PAYMENT_SHAPE.search(text))
            if got:
                respelled = respell(raw)
                if respelled != fold(text) and respelled.strip():
                    got = "self-harm-risk" not in self._possible(respelled)
            self.silent[raw] = got
        return got

    def message(self, msg: Message) -> None:
        if msg.kind in (MessageKind.SYSTEM, MessageKind.DELETED) or not msg.text.strip():
            return
        if SKIP_SILENT and self.silent.get(msg.text):
            return
        text = normalise(msg.text)
        if SKIP_SILENT and self._silent(msg.text, text):
            return
        low = fold(text)
        side = self.roles.side(msg)
        found: dict[str, tuple[Rule, re.Match[str], str]] = {}
        pending = []  # flags with rules that need context, checked once the context is known
        possible = self._possible(text)
        for lexicon in self.lexicons:
            for name, spec in lexicon.flags.items():
                if name not in possible or not _applies(spec.side, side, self.roles, recall_first=True):
                    continue
                hit = self._best(spec.direct_rules, text, low)
                if hit:
                    found[name] = (hit[0], hit[1], spec.explanation)
                if spec.context_rules:
                    pending.append(spec)
        changed = True
        while changed:  # same-message context: a demand can give meaning to a threat and back
            changed = False
            ctx = self.context | set(found)
            for spec in list(pending):
                if not ctx.intersection(spec.context):
                    continue
                pending.remove(spec)
                hit = self._best(spec.context_rules, text, low)
                if hit and (spec.name not in found or hit[0].confidence > found[spec.name][0].confidence):
                    changed = changed or spec.name not in found
                    found[spec.name] = (hit[0], hit[1], spec.explanation)
        pair = [spec for spec in pending if spec.name in _DEMAND_AND_THREAT and spec.name not in found]
        if len(pair) == 2:  # "pay 200 or everyone sees this": demand and threat give each other context
            hits = [(spec, self._best(spec.context_rules, text, low)) for spec in pair]
            if all(hit for _, hit in hits):
                for spec, hit in hits:
                    found[spec.name] = (hit[0], hit[1], spec.explanation)  # type: ignore[index]
        if "payment-demand" not in found and side != "me" and _PAYMENT_SHAPE.search(text):
            seen = self.matches.setdefault(text, {})
            if _INDICATOR_KEY not in seen:  # once per text, shared by both readings
                seen[_INDICATOR_KEY] = _payment_indicator(text)
            hit = seen[_INDICATOR_KEY]
            if hit and (side == "them" or self.context & _PAYMENT_CONTEXT):
                spec = self.lexicons[0].flags.get("payment-demand")  # type: ignore[assignment]
                found["payment-demand"] = (_INDICATOR_RULE, hit, spec.explanation if spec else "")
        for lexicon in self.lexicons:
            for name, spec in lexicon.flags.items():
                if name in found and set(spec.suppressed_by) & set(found):
                    del found[name]
        if "self-harm-risk" not in found:
            self._self_harm_respelled(msg, low, side, found)
        self._payments(msg, text, low, side, found)
        if "payment-demand" in found and self.unanswered_payment:
            # the first demand after a payment is a new demand: paying did not make it stop
            self.unanswered_payment = False
            rule, hit, _ = found["payment-demand"]  # type: ignore[assignment]
            spec = self.lexicons[0].flags.get("repeat-demand")  # type: ignore[assignment]
            found["repeat-demand"] = (rule, hit, spec.explanation if spec else "")  # type: ignore[assignment]
        for name in FLAG_NAMES:
            if name not in found:
                continue
            rule, hit, explanation = found[name]  # type: ignore[assignment]
            evidence, start, end = _evidence(msg.text, hit)  # type: ignore[arg-type]
            self.flags.append(
                Flag(
                    message_id=msg.id,
                    flag=name,
                    evidence=evidence,
                    explanation=explanation,
                    confidence=rule.confidence,
                    start=start,
                    end=end,
                )
            )
        if side != "me":
            self.context.update(found)

    def _self_harm_respelled(self, msg: Message, low: str | None, side: str, found: dict) -> None:
        """Self-harm cues written to dodge or typed in a hurry ("k1ll mys3lf", "t-h-i-s is the end",
        "woooorth living") are read again in the model's normalised spelling (recall first). The
        evidence is then the whole message (the offsets of the respelled text are not the message's)."""
        spec = self.lexicons[0].flags.get("self-harm-risk")
        if spec is None or not _applies(spec.side, side, self.roles, recall_first=True):
            return
        respelled = respell(msg.text)
        if respelled == low or not respelled.strip():
            return
        hit = self._best(spec.direct_rules, respelled, respelled)
        if hit:
            found["self-harm-risk"] = (hit[0], _WHOLE.match(msg.text), spec.explanation)

    def flags_by_message(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for f in self.flags:
            out.setdefault(f.message_id, set()).add(f.flag)
        return out

    def _payments(self, msg: Message, text: str, low: str | None, side: str, found: dict) -> None:
        """Note a payment: the victim says they paid, or the other side says it arrived."""
        for lexicon in self.lexicons:
            for name in ("payment-made", "payment-received"):
                signal = lexicon.signals.get(name)
                if not signal or not _applies(signal.side, side, self.roles):
                    continue
                if name == "payment-made" and "payment-demand" in found:
                    continue  # "send it" in a demand is not a payment
                hit = self._search(signal.rules[0], text, low)
                if hit:
                    self.payments.append(Event(msg, _evidence(msg.text, hit)[0]))
                    self.unanswered_payment = True
                    return


def detect(
    messages: list[Message],
    *,
    me: str | None = None,
    languages: tuple[str, ...] = ("en",),
    mode: str = "hybrid",
) -> FlagReport:
    """Flag the red-flag moments in a conversation and summarise it.

    ``me`` names the victim (a sender name or id) when the messages do not say which side is theirs
    (``Message.from_me``); without either, the victim is inferred (see :mod:`haven.flags.roles`).
    Several conversations may be passed together; each is read on its own. ``mode="hybrid"`` (default)
    adds the trained model (:mod:`haven.flags.hybrid`) when its weights are present; ``mode="lexicon"``
    is the rules alone.
    """
    if mode not in ("hybrid", "lexicon"):
        raise ValueError(f"unknown flags mode {mode!r} (hybrid or lexicon)")
    with held_forms():  # each text normalised once for the rules and the model, however long the chat
        return _detect(messages, me, languages, mode)


def _detect(messages: list[Message], me: str | None, languages: tuple[str, ...], mode: str) -> FlagReport:
    model = None
    if mode == "hybrid":
        from haven.flags.model import load_model

        model = load_model()
    lexicons = [load_lexicon(lang) for lang in languages]
    ordered = _time_order(list(messages))
    by_conv: dict[str, list[Message]] = {}
    for m in ordered:
        by_conv.setdefault(m.conversation, []).append(m)
    flags: list[Flag] = []
    payments: list[Event] = []
    roles_by_conv: dict[str, Roles] = {}
    pending: list[tuple[list[Message], Roles, list[Flag]]] = []  # for the model, all read in one batch
    matches: Matches = {}  # rule matches are the text's own: shared by every conversation and reading
    silent: dict[str, bool] = {}
    if SKIP_SILENT:
        _Detector(lexicons, Roles(), matches, silent).prepass(ordered)
    for conv, conv_messages in by_conv.items():
        roles = given_roles(conv_messages, me)
        detector = None
        if roles is None:
            first = _Detector(lexicons, Roles(source="unknown"), matches, silent)
            for m in conv_messages:
                first.message(m)
            roles = infer_roles(conv_messages, first.flags_by_message(), lexicons, search=first.search)
            if roles.source == "unknown":
                detector = first  # no sides found: the first reading is the answer
        roles_by_conv[conv] = roles
        if detector is None:
            detector = _Detector(lexicons, roles, matches, silent)
            for m in conv_messages:
                detector.message(m)
        if model is not None:
            pending.append((conv_messages, roles, detector.flags))
        else:
            flags.extend(detector.flags)
        payments.extend(detector.payments)
    if model is not None:
        from haven.flags.hybrid import combine

        flags.extend(combine(pending, model, lexicons))
    summary = build_summary(ordered, roles_by_conv, flags, [(e.message, e.evidence) for e in payments])
    return FlagReport(summary, flags, ordered)


__all__ = ["FLAG_NAMES", "FlagReport", "detect", "sender_key"]
