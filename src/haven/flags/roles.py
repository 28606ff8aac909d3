"""Who is the victim? Decide which side of a conversation is the person Haven is helping.

In order:
1. ``Message.from_me`` where the export says it (Telegram account exports, Signal, the vault's own marks);
2. the ``me`` name given by the person (``--me NAME``), matched to a sender name or stable id;
3. otherwise inferred from a first reading of the whole conversation with no sides: the sender whose
   messages carry threats, recording claims, demands and contact lists is the other side, and everyone
   else is the victim. Pleading ("please don't") and self-harm words count towards being the victim.
4. If nobody makes threats (an ordinary chat) the victim is unknown: the detector then looks at every
   sender's messages for every flag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from haven.core.errors import HavenError
from haven.core.models import Message
from haven.flags.lexicon import Lexicon, Rule, normalise

# How much a flag found on a sender's message counts towards "this sender is the one threatening".
OFFENDER_WEIGHTS = {
    "threat-to-share": 3.0,
    "recording-claim": 3.0,
    "payment-demand": 2.0,
    "contact-list": 2.0,
    "deadline": 1.0,
    "repeat-demand": 1.0,
}
VICTIM_WEIGHTS = {"victim-plea": 2.0, "self-harm-risk": 2.0}
MIN_OFFENDER_SCORE = 3.0


class UnknownSender(HavenError):
    """The ``me`` name matches no sender in the conversation."""

    exit_code = 2


def sender_key(msg: Message) -> str:
    """The name a sender is known by in the summary: display name, else stable id."""
    return msg.sender or msg.sender_id or "unknown"


@dataclass
class Roles:
    victim: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)
    source: str = "unknown"
    """``from_me``, ``me`` (given by the person), ``inferred`` or ``unknown``."""

    @property
    def explicit(self) -> bool:
        return self.source in ("from_me", "me")

    def side(self, msg: Message) -> str:
        """``me`` (the victim), ``them`` (the other side) or ``unknown``."""
        if msg.from_me is not None and self.source == "from_me":
            return "me" if msg.from_me else "them"
        key = sender_key(msg)
        if key in self.victim:
            return "me"
        if key in self.others:
            return "them"
        return "unknown"


def given_roles(messages: list[Message], me: str | None = None) -> Roles | None:
    """The sides when the messages (``from_me``) or the person (``me``) say them; ``None`` when they
    must be inferred."""
    senders = list(dict.fromkeys(sender_key(m) for m in messages if m.kind != "system"))
    if any(m.from_me is not None for m in messages):
        victim = {sender_key(m) for m in messages if m.from_me}
        others = {sender_key(m) for m in messages if m.from_me is False} - victim
        return Roles(victim, others, "from_me")
    if me is not None:
        wanted = me.strip().casefold()
        victim = {
            sender_key(m)
            for m in messages
            if wanted in ((m.sender or "").strip().casefold(), (m.sender_id or "").strip().casefold())
        }
        if not victim:
            known = ", ".join(senders) or "none"
            raise UnknownSender(f"Nobody called {me!r} wrote in this conversation. The senders are: {known}.")
        return Roles(victim, set(senders) - victim, "me")
    return None


def infer_roles(
    messages: list[Message],
    flags_by_message: dict[str, set[str]],
    lexicons: list[Lexicon],
    search: Callable[[Rule, str], object] | None = None,
) -> Roles:
    """Infer the sides from a first reading with no sides: the sender whose messages carry the most
    threat, recording, demand and contact-list flags is the other side; the rest are the victim.
    ``search(rule, text)`` replaces ``rule.search(text)`` (the detector's prefiltered, cached search)."""
    find = search or (lambda rule, text: rule.search(text))
    scores: Counter[str] = Counter()
    pleas = [plea.rules for lexicon in lexicons if (plea := lexicon.signals.get("victim-plea"))]
    plea_weight = VICTIM_WEIGHTS["victim-plea"]
    for m in messages:
        found = flags_by_message.get(m.id)
        offender = sum(OFFENDER_WEIGHTS.get(f, 0.0) for f in found) if found else 0.0
        victim = 0.0
        if not offender:
            text = normalise(m.text)
            if found:
                victim += sum(VICTIM_WEIGHTS.get(f, 0.0) for f in found)
            if text:
                for rules in pleas:
                    if any(find(r, text) for r in rules):
                        victim += plea_weight
        scores[sender_key(m)] += offender - victim  # type: ignore[assignment]
    senders = list(dict.fromkeys(sender_key(m) for m in messages if m.kind != "system"))
    if not scores:
        return Roles(source="unknown")
    top, top_score = scores.most_common(1)[0]
    if top_score < MIN_OFFENDER_SCORE:
        return Roles(source="unknown")
    return Roles(set(senders) - {top}, {top}, "inferred")
