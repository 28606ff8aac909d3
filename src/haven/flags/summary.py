"""The conversation summary: how far the sextortion pattern got, and its key moments.

Stages (the order the police advisories describe):
``approach`` (a first message) → ``grooming`` (sexual talk, identity claims, a move to another app,
requests for photos) → ``capture`` (a claim of recording, or the victim sending media after being asked,
or a show of the victim's contacts) → ``extortion`` (threats to share, demands, deadlines) →
``escalation`` (more demands after a payment). The stage is the furthest one reached; ``None`` when no
red flag was found at all.

The summary also pre-fills answers for the guide (``guide_prefill``: ``feeling``, ``paid``, ``demands``,
in the guide's own answer values) and names the guide's crisis steps when the victim wrote something that
sounds like self-harm.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from haven.core.models import Flag, Message, MessageKind
from haven.flags.roles import Roles, sender_key

STAGES = ["approach", "grooming", "capture", "extortion", "escalation"]
STAGE_OF_FLAG = {
    "sexual-escalation": "grooming",
    "identity-claim": "grooming",
    "move-platform": "grooming",
    "image-request": "grooming",
    "recording-claim": "capture",
    "contact-list": "capture",
    "threat-to-share": "extortion",
    "payment-demand": "extortion",
    "deadline": "extortion",
    "repeat-demand": "escalation",
}
CRISIS_STEPS = ["crisis-call-999", "crisis-call-local", "crisis-talk-now"]
"""The guide's crisis steps (haven/guide/data/steps.toml), shown first when self-harm-risk is found."""

PAYMENT_METHOD_WORDS = {
    "gift-card": (
        "gift card",
        "giftcard",
        "itunes",
        "steam",
        "apple card",
        "google play",
        "amazon card",
        "voucher",
        "razer",
        "paysafe",
    ),
    "crypto": ("bitcoin", "btc", "crypto", "usdt", "tether", "eth", "wallet", "litecoin", "monero"),
    "western-union": ("western union", "mtcn"),
    "moneygram": ("moneygram", "money gram"),
    "bank-transfer": ("transfer", "iban", "sort code", "account", "bank", "paypal", "wire"),
}
"""Words in a demand's evidence -> the guide's payment-method answer values (guide/data/questions.toml)."""


def _moment(msg: Message, evidence: str = "") -> dict[str, Any]:
    return {
        "message_id": msg.id,
        "time": msg.timestamp_utc.isoformat() if msg.timestamp_utc else msg.timestamp_original,
        "sender": sender_key(msg),
        "conversation": msg.conversation,
        "evidence": evidence or msg.text[:200],
    }


def _first(flags: list[Flag], names: tuple[str, ...], by_id: dict[str, Message]) -> dict[str, Any] | None:
    for f in flags:  # flags are in time order
        if f.flag in names and f.message_id in by_id:
            return _moment(by_id[f.message_id], f.evidence) | {"flag": f.flag}
    return None


def _stage(
    flags: list[Flag], messages: list[Message], roles: dict[str, Roles]
) -> tuple[str | None, list[str]]:
    reached = {STAGE_OF_FLAG[f.flag] for f in flags if f.flag in STAGE_OF_FLAG}
    asked = {by for by in (f.message_id for f in flags if f.flag == "image-request")}
    if asked:
        seen_ask: set[str] = set()
        for m in messages:
            if m.id in asked:
                seen_ask.add(m.conversation)
            if (
                m.conversation in seen_ask
                and (m.kind == MessageKind.MEDIA or m.attachments)
                and roles.get(m.conversation, Roles()).side(m) == "me"  # the victim sent it
            ):
                reached.add("capture")
    if not reached:
        return None, []
    reached.add("approach")
    ordered = [s for s in STAGES if s in reached]
    return ordered[-1], ordered


def _demands(flags: list[Flag], by_id: dict[str, Message]) -> tuple[list[str], list[str]]:
    """What is demanded, in the guide's words: ``money`` / ``more-images``, and the payment methods."""
    demands: list[str] = []
    methods: list[str] = []
    pressured: set[str] = set()  # conversations where a recording claim or threat was made
    pressure_at = {f.message_id for f in flags if f.flag in ("recording-claim", "threat-to-share")}
    for f in flags:
        conv = by_id[f.message_id].conversation if f.message_id in by_id else ""
        if f.message_id in pressure_at:
            pressured.add(conv)
        if f.flag == "image-request" and conv in pressured and "more-images" not in demands:
            demands.append("more-images")
        elif f.flag == "payment-demand":
            if "money" not in demands:
                demands.append("money")
            low = f.evidence.casefold()
            for method, words in PAYMENT_METHOD_WORDS.items():
                if method not in methods and any(w in low for w in words):
                    methods.append(method)
    return demands, methods


def build_summary(
    messages: list[Message],
    roles: dict[str, Roles],
    flags: list[Flag],
    payments: list[tuple[Message, str]],
) -> dict[str, Any]:
    """The summary dict of a :class:`~haven.flags.detector.FlagReport` (JSON-ready)."""
    by_id = {m.id: m for m in messages}
    order = {m.id: i for i, m in enumerate(messages)}
    flags = sorted(flags, key=lambda f: (order.get(f.message_id, 0), f.flag))
    victims = sorted({v for r in roles.values() for v in r.victim})
    others = sorted({o for r in roles.values() for o in r.others})
    sources = sorted({r.source for r in roles.values()})
    stage, reached = _stage(flags, messages, roles)
    who: dict[str, dict[str, Any]] = {}
    for m in messages:
        if m.kind == MessageKind.SYSTEM:
            continue
        key = sender_key(m)
        entry = who.get(key)
        if entry is None:  # a sender's role is the side of their first message
            side = roles.get(m.conversation, Roles()).side(m)
            entry = who[key] = {
                "role": {"me": "you", "them": "other side"}.get(side, "unknown"),
                "messages": 0,
                "media": 0,
                "flags": Counter(),
            }
        entry["messages"] += 1
        if m.kind == MessageKind.MEDIA or m.attachments:
            entry["media"] += 1
    for f in flags:
        if f.message_id in by_id:
            who[sender_key(by_id[f.message_id])]["flags"][f.flag] += 1
    for entry in who.values():
        entry["flags"] = dict(entry["flags"])
    first_message = next(
        (m for m in messages if m.kind != MessageKind.SYSTEM), messages[0] if messages else None
    )
    crisis = any(f.flag == "self-harm-risk" for f in flags)
    demands, methods = _demands(flags, by_id)
    prefill: dict[str, Any] = {}
    if crisis:
        prefill["feeling"] = "thinking-of-self-harm"
    if payments:
        prefill["paid"] = "yes-unknown"
    if demands:
        prefill["demands"] = demands
    return {
        "messages": len(messages),
        "conversations": sorted({m.conversation for m in messages}),
        "participants": list(dict.fromkeys(sender_key(m) for m in messages if m.kind != MessageKind.SYSTEM)),
        "victim": victims or None,
        "victim_source": sources[0] if len(sources) == 1 else sources,
        "other_side": others or None,
        "stage": stage,
        "stages_reached": reached,
        "first_contact": _moment(first_message) if first_message else None,
        "first_platform_move": _first(flags, ("move-platform",), by_id),
        "first_threat": _first(flags, ("threat-to-share",), by_id)
        or _first(flags, ("recording-claim",), by_id),
        "first_demand": _first(flags, ("payment-demand",), by_id),
        "payments": [_moment(m, ev) for m, ev in payments],
        "demands": demands,
        "payment_methods": methods,
        "flag_counts": dict(Counter(f.flag for f in flags)),
        "who_sent_what": who,
        "crisis": crisis,
        "crisis_steps": CRISIS_STEPS if crisis else [],
        "guide_prefill": prefill,
    }
