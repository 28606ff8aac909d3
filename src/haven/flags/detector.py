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
this gives the answers of the plain path (``SKIP_SILENT = False``). The per-text caches and the prepass
live in :mod:`haven.flags.textreads`; this module holds the reading of a conversation itself.
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
from haven.flags.textreads import (
    _INDICATOR_KEY,
    _PAYMENT_SHAPE,
    Matches,
    TextReads,
)

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


SKIP_SILENT = True
"""Skip the messages no rule can touch (see ``_Detector._silent``); ``False`` reads every message in full,
the straightforward path ``tests/test_flags_speed_equivalence.py`` compares against."""


class _Detector(TextReads):
    def __init__(
        self,
        lexicons: list[Lexicon],
        roles: Roles,
        matches: Matches | None = None,
        silent: dict[str, bool] | None = None,
    ) -> None:
        super().__init__(lexicons, matches, silent)
        self.roles = roles
        self.context: set[str] = set()
        self.payments: list[Event] = []
        self.unanswered_payment = False
        self.flags: list[Flag] = []

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
