"""Everything a report or package says about a case, gathered once from the vault.

The PDF, the STIX bundle, the MISP event and the package all render this one ``ReportData``; none of them
reads the vault itself, so they cannot disagree about what the case contains.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from haven import __version__
from haven.core.models import Case, Flag, Indicator, Item, LedgerEntry, Message


class CaseSource(Protocol):
    """What the report needs from a vault (``haven.vault.Vault`` provides it)."""

    case: Case

    def items(self) -> list[Item]: ...
    def messages(self, conversation: str | None = None) -> Any: ...
    def ledger(self) -> list[LedgerEntry]: ...


@dataclass
class KeyMoment:
    time: datetime | None
    what: str
    message_id: str | None
    conversation: str | None
    detail: str = ""


@dataclass
class ReportData:
    case: Case
    tool_version: str
    items: list[Item]
    messages: list[Message]
    indicators: list[Indicator]
    aggregated: list[dict[str, Any]]
    flags: list[Flag]
    flag_summary: dict[str, Any]
    key_moments: list[KeyMoment]
    ledger: list[LedgerEntry]
    by_conversation: dict[str, list[Message]] = field(default_factory=dict)

    @property
    def date_range(self) -> tuple[datetime | None, datetime | None]:
        times = [m.timestamp_utc for m in self.messages if m.timestamp_utc]
        return (min(times), max(times)) if times else (None, None)

    @property
    def platforms(self) -> list[str]:
        return sorted({m.source_format for m in self.messages})

    def indicator_kinds(self) -> Counter[str]:
        return Counter(a["kind"] for a in self.aggregated)

    def demands(self) -> list[dict[str, Any]]:
        return [a for a in self.aggregated if a["kind"] in ("amount", "deadline")]

    def payment_details(self) -> list[dict[str, Any]]:
        kinds = {"btc", "eth", "ltc", "trx", "doge", "xmr", "iban", "uk-bank-account", "swift-bic", "mtcn",
                 "moneygram-ref", "gift-card"}
        return [a for a in self.aggregated if a["kind"] in kinds]


_MOMENT_FLAGS = {
    "move-platform": "Asked to move to another app",
    "image-request": "Asked for images or a video call",
    "recording-claim": "Said they recorded the person",
    "threat-to-share": "Threatened to share images",
    "payment-demand": "Demanded payment",
    "deadline": "Set a deadline",
    "repeat-demand": "Demanded more after a payment",
}


def _key_moments(messages: list[Message], flags: list[Flag], indicators: list[Indicator]) -> list[KeyMoment]:
    """First contact per conversation, then the first of each red flag (or, without flags, the first
    amount/deadline found by the offender-details kinds)."""
    by_id = {m.id: m for m in messages}
    moments: list[KeyMoment] = []
    seen_conv: set[str] = set()
    for m in messages:
        if m.conversation not in seen_conv:
            seen_conv.add(m.conversation)
            moments.append(KeyMoment(m.timestamp_utc, "First message", m.id, m.conversation,
                                     f"{m.sender or 'unknown'} in {m.conversation}"))
    seen_flag: set[tuple[str, str]] = set()
    for f in flags:
        label = _MOMENT_FLAGS.get(f.flag)
        msg = by_id.get(f.message_id)
        if not label or msg is None or (f.flag, msg.conversation) in seen_flag:
            continue
        seen_flag.add((f.flag, msg.conversation))
        moments.append(KeyMoment(msg.timestamp_utc, label, msg.id, msg.conversation, f.evidence))
    if not flags:
        for ind in indicators:
            if ind.kind in ("amount", "deadline") and ind.provenance.message_id in by_id:
                msg = by_id[ind.provenance.message_id]
                label = "Demanded payment" if ind.kind == "amount" else "Set a deadline"
                moments.append(KeyMoment(msg.timestamp_utc, label, msg.id, msg.conversation, ind.value))
    moments.sort(key=lambda k: (k.time is None, k.time or datetime.min))
    return moments


def collect(source: CaseSource) -> ReportData:
    from haven.indicators import aggregate, extract_messages

    items = source.items()
    messages = list(source.messages())
    indicators = extract_messages(messages, items, region=source.case.phone_region)
    flags: list[Flag] = []
    flag_summary: dict[str, Any] = {}
    try:
        from haven.flags import detect
    except ImportError:  # the red-flag detector is optional for a report
        detect = None
    if detect is not None and messages:
        report = detect(messages)
        flags, flag_summary = list(report.flags), dict(report.summary)
    by_conv: dict[str, list[Message]] = defaultdict(list)
    for m in messages:
        by_conv[m.conversation].append(m)
    return ReportData(
        case=source.case,
        tool_version=__version__,
        items=items,
        messages=messages,
        indicators=indicators,
        aggregated=aggregate(indicators),
        flags=flags,
        flag_summary=flag_summary,
        key_moments=_key_moments(messages, flags, indicators),
        ledger=source.ledger(),
        by_conversation=dict(by_conv),
    )
