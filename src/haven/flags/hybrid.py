"""Combine the lexicon's flags with the trained model's (:mod:`haven.flags.model`) for one conversation.

The lexicon explains (quoted words, plain explanation); the model reads with context and adds what the
rules missed. Every lexicon flag is kept (its rules and their examples are the high-precision, explained
path, and ``self-harm-risk`` keeps its high-recall rule path); a flag the model raises alone is explained
by the words that weighed most, quoted from the message.
"""

from __future__ import annotations

import re

from haven.core.models import Flag, Message, MessageKind
from haven.flags.lexicon import FLAG_NAMES, Lexicon
from haven.flags.model import Model
from haven.flags.roles import Roles

MODEL_CONFIDENCE = 0.7
MODEL_FLOOR = {"self-harm-risk": 0.3}
GATED = frozenset({"payment-demand", "threat-to-share", "deadline", "repeat-demand"})
"""Flags the model raises alone only once the conversation (or the message) holds one of GATE_FLAGS."""
GATE_FLAGS = frozenset(
    {"recording-claim", "threat-to-share", "payment-demand", "contact-list", "image-request"}
)
"""The lowest probability at which the model alone raises a flag (0.7 unless named; the dev-chosen
threshold applies when higher). Self-harm: the dev threshold alone (recall first)."""


def _word_span(text: str, word: str) -> tuple[int, int]:
    m = re.search(r"\b" + re.escape(word) + r"\b", text) or re.search(re.escape(word), text)
    return (m.start(), m.end()) if m else (0, len(text))


def _readable(m: Message) -> bool:
    return m.kind not in (MessageKind.SYSTEM, MessageKind.DELETED) and bool(m.text.strip())


def combine(
    conversations: list[tuple[list[Message], Roles, list[Flag]]], model: Model, lexicons: list[Lexicon]
) -> list[Flag]:
    """The final flags of every conversation (messages, sides, lexicon flags), read by the model in one
    batch (one vectoriser call for the whole chat set: the per-call cost dominates on short chats)."""
    by_msg: dict[str, dict[str, Flag]] = {}
    texts: list[Message] = []
    lex: list[list[set[str]]] = []
    speakers: list[list[str]] = []
    for messages, roles, flags in conversations:
        for f in flags:
            by_msg.setdefault(f.message_id, {})[f.flag] = f
        readable = [m for m in messages if _readable(m)]
        texts.extend(readable)
        lex.append([set(by_msg.get(m.id, {})) for m in readable])
        speakers.append([roles.side(m) for m in readable])
    if not texts:
        return [f for _, _, flags in conversations for f in flags]
    speakers_flat = [s for conv in speakers for s in conv]
    probs = model.probabilities_many([m.text for m in texts], lex, speakers)
    explanations = {name: spec.explanation for lx in lexicons for name, spec in lx.flags.items()}
    sides = {name: spec.side for lx in lexicons for name, spec in lx.flags.items()}
    out: list[Flag] = []
    conv_of = [k for k, conv in enumerate(speakers) for _ in conv]
    stage: set[str] = set()
    for i, m in enumerate(texts):
        if i and conv_of[i] != conv_of[i - 1]:
            stage = set()
        have = by_msg.get(m.id, {})
        mine: set[str] = set(have)
        for j, name in enumerate(FLAG_NAMES):
            p, t = float(probs[i, j]), float(model.threshold[j])
            if name in have:
                out.append(have[name])
                continue
            if p < max(t, MODEL_FLOOR.get(name, 0.7)):
                continue
            if name in GATED and not (stage | mine) & GATE_FLAGS:
                continue  # "pay me back by friday" is no demand until there has been a threat
            side, own = sides.get(name, "any"), speakers_flat[i]
            if side != "any" and own != "unknown" and own != side:
                continue  # the model keeps to the flag's side, as the rules do
            words = model.top_words(m.text, name)
            start, end = _word_span(m.text, words[0]) if words else (0, len(m.text))
            quoted = ", ".join(f"“{w}”" for w in words) or "the message as a whole"
            out.append(
                Flag(
                    message_id=m.id,
                    flag=name,
                    evidence=m.text.strip()[:300],
                    explanation=f"{explanations.get(name, name)} (Read by the trained model in context; the "
                    f"words that weighed most: {quoted}.)",
                    confidence=min(MODEL_CONFIDENCE, p),
                    start=start,
                    end=end,
                )
            )
            mine.add(name)
        if speakers_flat[i] != "me":
            stage |= mine
    return out
