"""Combine the lexicon's flags with the trained model's (:mod:`haven.flags.model`) for one conversation.

The lexicon explains (quoted words, plain explanation); the model reads with context and adds what the
rules missed. Every lexicon flag is kept (its rules and their examples are the high-precision, explained
path, and ``self-harm-risk`` keeps its high-recall rule path); a flag the model raises alone is explained
by the words that weighed most, quoted from the message.
"""

from __future__ import annotations

import re

import numpy as np

from haven.core.models import Flag, Message, MessageKind
from haven.flags.lexicon import FLAG_NAMES, Lexicon
from haven.flags.model import Model
from haven.flags.roles import Roles

MODEL_CONFIDENCE = 0.7
GATED = frozenset({"payment-demand", "threat-to-share", "deadline", "repeat-demand"})
"""Flags the model raises alone only once the conversation (or the message) holds one of GATE_FLAGS:
"pay me back by friday" is no demand until there has been a threat or a recording. An image request
is no gate: partners ask each other for pictures ("I'll transfer it tonight x" is no threat then)."""
GATE_FLAGS = frozenset({"recording-claim", "threat-to-share", "payment-demand", "contact-list"})
Conversation = tuple[list[Message], Roles, list[Flag]]


def _word_span(text: str, word: str) -> tuple[int, int]:
    m = re.search(r"\b" + re.escape(word) + r"\b", text) or re.search(re.escape(word), text)
    return (m.start(), m.end()) if m else (0, len(text))


def _readable(m: Message) -> bool:
    return m.kind not in (MessageKind.SYSTEM, MessageKind.DELETED) and bool(m.text.strip())


def prepare(conversations: list[Conversation]) -> tuple[list[Message], list[list[set[str]]], list[list[str]]]:
    """The readable messages (all conversations, in order), their lexicon flags and speakers."""
    texts: list[Message] = []
    lex: list[list[set[str]]] = []
    speakers: list[list[str]] = []
    skip = (MessageKind.SYSTEM, MessageKind.DELETED)
    for messages, roles, flags in conversations:
        by_msg: dict[str, set[str]] = {}
        for f in flags:
            by_msg.setdefault(f.message_id, set()).add(f.flag)
        readable = [m for m in messages if m.kind not in skip and m.text.strip()]  # as _readable
        texts.extend(readable)
        get = by_msg.get
        lex.append([get(m.id) or set() for m in readable])
        speakers.append(list(map(roles.side, readable)))
    return texts, lex, speakers


def model_adds(
    probs: np.ndarray,
    threshold: np.ndarray,
    lex: list[list[set[str]]],
    speakers: list[list[str]],
    sides: dict[str, str],
) -> list[tuple[int, str]]:
    """(message row, flag) the model raises on top of the lexicon: at or above the flag's threshold, on
    the flag's side, and for the gated flags only once the conversation has reached a gate flag."""
    hits = probs >= threshold[None, :]
    flat_lex = [f for conv in lex for f in conv]
    flat_sp = [s for conv in speakers for s in conv]
    conv_start = np.cumsum([0] + [len(c) for c in speakers])[:-1]
    starts = set(conv_start.tolist())
    rows = np.flatnonzero(hits.any(axis=1))
    out: list[tuple[int, str]] = []
    if not len(rows):
        return out
    # the stage before each row: flags (lexicon or model) of the other side's earlier messages
    stage: set[str] = set()
    wanted = set(rows.tolist())
    last = int(rows[-1])
    # only rows that can change the stage or get a flag (a row with no lexicon flag and no model hit
    # adds nothing to the stage), and the conversation starts that reset it
    steps = sorted(
        wanted | {i for i, f in enumerate(flat_lex[: last + 1]) if f} | (starts & set(range(last + 1)))
    )
    for i in steps:
        if i in starts:
            stage = set()
        mine = set(flat_lex[i])
        if i in wanted:
            own = flat_sp[i]
            for j in np.flatnonzero(hits[i]):
                name = FLAG_NAMES[j]
                if name in flat_lex[i]:
                    continue
                if "self-harm-risk" in flat_lex[i] and sides.get(name) == "them":
                    continue  # the rules read the victim's own words here: no offender flag from the model
                if name in GATED and not (stage | mine) & GATE_FLAGS:
                    continue
                side = sides.get(name, "any")
                if side != "any" and own != "unknown" and own != side:
                    continue  # the model keeps to the flag's side, as the rules do
                out.append((i, name))
                mine.add(name)
        if flat_sp[i] != "me":
            stage |= mine
    return out


def combine(conversations: list[Conversation], model: Model, lexicons: list[Lexicon]) -> list[Flag]:
    """The final flags of every conversation (messages, sides, lexicon flags), read by the model in one
    batch (one sparse product for the whole chat set)."""
    lexicon_flags = [f for _, _, flags in conversations for f in flags]
    texts, lex, speakers = prepare(conversations)
    if not texts:
        return lexicon_flags
    probs = model.probabilities_many([m.text for m in texts], lex, speakers)
    explanations = {name: spec.explanation for lx in lexicons for name, spec in lx.flags.items()}
    sides = {name: spec.side for lx in lexicons for name, spec in lx.flags.items()}
    out = list(lexicon_flags)
    for i, name in model_adds(probs, model.threshold, lex, speakers, sides):
        m, p = texts[i], float(probs[i, FLAG_NAMES.index(name)])
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
    order = {m.id: k for k, m in enumerate(texts)}
    rank = {name: j for j, name in enumerate(FLAG_NAMES)}
    out.sort(key=lambda f: (order.get(f.message_id, -1), rank.get(f.flag, 99)))
    return out
