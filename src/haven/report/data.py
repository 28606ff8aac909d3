"""Everything a report or package says about a case, gathered once from the vault.

The PDF, the STIX bundle, the MISP event, the CSV, the continuity statement and the package all render this
one ``ReportData``; none of them reads the vault itself, so they cannot disagree about what the case
contains. It scales: from a vault whose offender details and red flags are current, only what the PDF shows
is read, by indexed queries (``reads.py``); any other source is streamed once, keeping only the first
``transcript_limit`` messages and a few either side of each key moment. The full transcript goes into the
package straight from the vault (``fullcase.py``, ``transcript.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from haven import __version__
from haven.core.models import Case, Flag, Indicator, Item, LedgerEntry, Message
from haven.report.exhibits import exhibit_refs, initials_of

TRANSCRIPT_LIMIT = 1000
"""Messages the PDF includes in full; the rest are in the package's transcript (HTML, CSV, JSONL)."""
CONTEXT = 2
"""Messages shown either side of a key moment."""
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; total 0 when unknown."""


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
    context: list[Message] = field(default_factory=list)
    """The moment's message with up to ``CONTEXT`` messages either side, in order."""


@dataclass
class TimeBasis:
    """How the times of one source file were read (zone, date order), for the note next to the times."""

    exhibit: str
    filename: str
    basis: str
    messages: int = 0
    ambiguous: int = 0


@dataclass
class ReportData:
    case: Case
    tool_version: str
    items: list[Item]
    messages: list[Message]
    """The messages the PDF transcript shows (at most ``transcript_limit``; all of a small case)."""
    indicators: list[Indicator]
    aggregated: list[dict[str, Any]]
    flags: list[Flag]
    flag_summary: dict[str, Any]
    key_moments: list[KeyMoment]
    ledger: list[LedgerEntry]
    by_conversation: dict[str, list[Message]] = field(default_factory=dict)
    exhibits: dict[str, str] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    message_count: int = -1
    conversation_counts: dict[str, int] = field(default_factory=dict)
    first_time: datetime | None = None
    last_time: datetime | None = None
    sources: list[str] = field(default_factory=list)
    time_bases: list[TimeBasis] = field(default_factory=list)
    transcript_limit: int = TRANSCRIPT_LIMIT
    tlp: str = "amber"

    def __post_init__(self) -> None:
        if not self.exhibits and self.items:
            self.exhibits = exhibit_refs(self.items, initials_of(self.case))
        if self.message_count < 0:
            self.message_count = len(self.messages)
        if not self.conversation_counts and self.messages:
            self.conversation_counts = dict(Counter(m.conversation for m in self.messages))
        if self.first_time is None and self.messages:
            times = [m.timestamp_utc for m in self.messages if m.timestamp_utc]
            self.first_time, self.last_time = (min(times), max(times)) if times else (None, None)
        if not self.sources and self.messages:
            self.sources = sorted({m.source_format for m in self.messages})
        for row in self.aggregated:
            row.setdefault("side", "offender")
            row.setdefault("message_ids", [s.get("message_id") for s in row.get("sources", [])
                                           if s.get("message_id")][:50])
            row.setdefault("item_ids", [s.get("item_id") for s in row.get("sources", []) if s.get("item_id")])
            row["exhibits"] = sorted({self.exhibits[i] for i in row["item_ids"] if i in self.exhibits},
                                     key=_exhibit_sort)

    @property
    def date_range(self) -> tuple[datetime | None, datetime | None]:
        return self.first_time, self.last_time

    @property
    def platforms(self) -> list[str]:
        return self.sources

    @property
    def transcript_truncated(self) -> bool:
        return self.message_count > len(self.messages)

    def exhibit(self, item_id: str | None) -> str:
        return self.exhibits.get(item_id or "", "")

    def indicator_kinds(self) -> Counter[str]:
        return Counter(a["kind"] for a in self.aggregated)

    def side(self, side: str, kinds: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> list[dict]:
        wanted, skip = (set(kinds) if kinds is not None else None), set(exclude)
        return [a for a in self.aggregated if a["side"] == side and (wanted is None or a["kind"] in wanted)
                and a["kind"] not in skip]

    def offender_details(self) -> list[dict[str, Any]]:
        """The offender's accounts and payment destinations (not demands): payment destinations first,
        then accounts and contact details, then links, then names."""
        rank = {"handle": 1, "phone": 1, "email": 1, "url": 2, "domain": 2, "name": 3}
        rows = self.side("offender", exclude=DEMAND_KINDS)
        return sorted(rows, key=lambda r: 0 if r["kind"] in PAYMENT_KINDS else rank.get(r["kind"], 1))

    def demands(self) -> list[dict[str, Any]]:
        return self.side("offender", DEMAND_KINDS)

    def victim_sent(self) -> list[dict[str, Any]]:
        return self.side("victim-sent")

    def payment_details(self) -> list[dict[str, Any]]:
        return [a for a in self.side("offender") if a["kind"] in PAYMENT_KINDS]


DEMAND_KINDS = frozenset(["amount", "deadline"])
PAYMENT_KINDS = frozenset(["btc", "eth", "ltc", "trx", "doge", "xmr", "iban", "uk-bank-account", "swift-bic",
                           "mtcn", "moneygram-ref", "gift-card", "revolut", "cashapp", "paypalme", "monzo",
                           "venmo", "payee-name"])


def _exhibit_sort(ref: str) -> tuple[str, int]:
    prefix, _, num = ref.rpartition("/")
    return prefix, int(num) if num.isdigit() else 0


_MOMENT_FLAGS = {
    "move-platform": "Asked to move to another app",
    "image-request": "Asked for images or a video call",
    "recording-claim": "Said they recorded the person",
    "threat-to-share": "Threatened to share images",
    "payment-demand": "Demanded payment",
    "deadline": "Set a deadline",
    "repeat-demand": "Demanded more after a payment",
}
OFFENDER_FLAGS = frozenset(["threat-to-share", "recording-claim", "payment-demand", "contact-list",
                            "deadline", "repeat-demand"])


def _key_moments(first: dict[str, Message], flagged: dict[str, Message], flags: list[Flag],
                 aggregated: list[dict[str, Any]]) -> list[KeyMoment]:
    """First contact per conversation, then the first of each red flag per conversation (or, without
    flags, the first amount/deadline the offender wrote)."""
    moments = [KeyMoment(m.timestamp_utc, "First message", m.id, m.conversation,
                         f"{m.sender or 'unknown'} in {m.conversation}") for m in first.values()]
    seen_flag: set[tuple[str, str]] = set()
    for f in flags:
        label = _MOMENT_FLAGS.get(f.flag)
        msg = flagged.get(f.message_id)
        if not label or msg is None or (f.flag, msg.conversation) in seen_flag:
            continue
        seen_flag.add((f.flag, msg.conversation))
        moments.append(KeyMoment(msg.timestamp_utc, label, msg.id, msg.conversation, f.evidence))
    if not flags:
        seen: set[str] = set()
        for row in sorted(aggregated, key=lambda r: r.get("first_seen") or ""):
            if row["side"] != "offender" or row["kind"] not in DEMAND_KINDS or not row.get("message_ids"):
                continue
            if row["kind"] in seen:
                continue
            seen.add(row["kind"])
            label = "Demanded payment" if row["kind"] == "amount" else "Set a deadline"
            when = datetime.fromisoformat(row["first_seen"]) if row.get("first_seen") else None
            conv = (row.get("conversations") or [None])[0]
            moments.append(KeyMoment(when, label, row["message_ids"][0], conv, row.get("value", "")))
    moments.sort(key=lambda k: (k.time is None, k.time.timestamp() if k.time else 0.0))
    return moments


def _current(source: Any) -> dict[str, Any] | None:
    """The vault's derived-data state when its stored offender details and red flags are current."""
    state_fn = getattr(source, "derived_state", None)
    if not callable(state_fn):
        return None
    state = state_fn()
    if state.get("stale") or state.get("failed") or "summary" not in state:
        return None
    return dict(state)


def _details(source: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = source.details_page(offset=len(rows), limit=1000)
        rows += page.rows
        if not page.rows or not page.more:
            break
    return rows


def _derived(source: Any) -> tuple[list[dict[str, Any]], list[Flag], dict[str, Message], dict] | None:
    """The vault's stored offender details and red flags, read page by page, when they are current."""
    flags_fn = getattr(source, "flags_page", None)
    state = _current(source)
    if state is None or not callable(getattr(source, "details_page", None)) or not callable(flags_fn):
        return None
    rows = _details(source)
    flags: list[Flag] = []
    flagged: dict[str, Message] = {}
    while True:
        fpage = flags_fn(offset=len(flags), limit=1000)
        for flag, msg in fpage.rows:
            flags.append(flag)
            if msg is not None:
                flagged[msg.id] = msg
        if not fpage.rows or not fpage.more:
            break
    return rows, flags, flagged, dict(state.get("summary") or {})


def _contexts(messages: Iterator[Message], moments: list[KeyMoment],
              tick: Callable[[int], None] | None = None) -> None:
    """Fill each moment's context in one streaming pass: a short window per conversation (``tick(n)``
    every 5,000 messages read)."""
    wanted: dict[str, list[KeyMoment]] = defaultdict(list)
    for k in moments:
        if k.message_id:
            wanted[k.message_id].append(k)
    if not wanted:
        return
    windows: dict[str, deque[Message]] = {}
    open_after: list[tuple[KeyMoment, int]] = []
    for n, m in enumerate(messages, start=1):
        if tick is not None and n % 5000 == 0:
            tick(n)
        still: list[tuple[KeyMoment, int]] = []
        for k, left in open_after:
            if k.conversation == m.conversation:
                k.context.append(m)
                left -= 1
            if left > 0:
                still.append((k, left))
        open_after = still
        win = windows.setdefault(m.conversation, deque(maxlen=CONTEXT))
        for k in wanted.get(m.id, ()):
            k.context = [*win, m]
            open_after.append((k, CONTEXT))
        win.append(m)


def collect(source: CaseSource, progress: Progress | None = None,
            transcript_limit: int = TRANSCRIPT_LIMIT,
            consume: Callable[[Iterator[Message], Callable[[str | None], str]], object] | None = None,
            overview: Any = None) -> ReportData:
    """Gather the report from ``source``: the vault's stored offender details and red flags when they are
    current (else they are worked out here), and two streaming passes over the messages. ``consume`` (the
    package's transcript writer) reads the first pass's stream itself (with the exhibit reference of an
    item id), so the messages are read once for both; it is not called when the engines had to read
    that stream (no stored derived data)."""
    from haven.indicators import extract_messages
    from haven.indicators.aggregate import aggregate, promote_offenders

    def tick(stage: str, done: int, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    case = source.case
    items = source.items()
    exhibits = exhibit_refs(items, initials_of(case))
    item_by_id = {i.id: i for i in items}
    count_fn = getattr(source, "message_count", None)
    total = int(count_fn()) if callable(count_fn) else 0
    from haven.report.reads import collect_indexed, supported

    state = _current(source)
    rebuild = getattr(source, "rebuild_derived", None)
    if state is None and callable(rebuild) and total:
        # The stored details were made by another engine version (or never): work them out again in the
        # vault's own streaming way (logged as "derive"), rather than reading the whole case in memory.
        again = "working out offender details and red flags again"
        tick(again, 0, total)
        rebuild(progress=lambda done, all_: tick(again, done, all_), reason="the report needs them current")
        state = _current(source)
    if state is not None and supported(source):
        return collect_indexed(source, items, exhibits, _details(source), dict(state.get("summary") or {}),
                               transcript_limit, tick, consume, overview)
    stored = _derived(source)
    shown: list[Message] = []
    conv_counts: Counter[str] = Counter()
    formats: set[str] = set()
    first_time = last_time = None
    bases: dict[tuple[str, str], TimeBasis] = {}
    first_of: dict[str, Message] = {}
    kept: list[Message] = []  # only without stored data: the red-flag reading needs whole conversations

    def stream() -> Iterator[Message]:
        nonlocal first_time, last_time
        for n, m in enumerate(source.messages(), start=1):
            conv_counts[m.conversation] += 1
            formats.add(m.source_format)
            if m.conversation not in first_of:
                first_of[m.conversation] = m
            t = m.timestamp_utc
            if t is not None:
                first_time = t if first_time is None or t < first_time else first_time
                last_time = t if last_time is None or t > last_time else last_time
            if m.timestamp_basis:
                key = (m.source_item_id or "", m.timestamp_basis)
                tb = bases.get(key)
                if tb is None:
                    it = item_by_id.get(m.source_item_id or "")
                    tb = bases[key] = TimeBasis(exhibits.get(m.source_item_id or "", ""),
                                                it.filename if it else "", m.timestamp_basis)
                tb.messages += 1
                tb.ambiguous += int(m.timestamp_ambiguous)
            if len(shown) < transcript_limit:
                shown.append(m)
            if stored is None:
                kept.append(m)
            if n % 5000 == 0 and not quiet:
                tick("reading messages", n, total)
            yield m

    indicators: list[Indicator] = []
    quiet = stored is not None and consume is not None  # the consumer reports its own progress
    if stored is not None:
        rows, flags, flagged, flag_summary = stored
        if consume is not None:
            consume(stream(), lambda item_id: exhibits.get(item_id or "", ""))
        else:
            for _ in stream():
                pass
    else:
        indicators = extract_messages(stream(), items, region=case.phone_region, me=case.me)
        rows, flags, flag_summary = aggregate(indicators), [], {}
        try:
            from haven.flags import detect
        except ImportError:  # the red-flag detector is optional for a report
            detect = None  # type: ignore[assignment]
        if detect is not None and kept:
            tick("finding red flags", 0, 0)
            report = detect(kept)
            flags, flag_summary = list(report.flags), dict(report.summary)
        flagged_ids = {f.message_id for f in flags}
        flagged = {m.id: m for m in kept if m.id in flagged_ids}
        del kept[:]
    if not quiet:
        tick("reading messages", sum(conv_counts.values()), total)
    offenders = {(m.conversation, m.sender or m.sender_id or "") for f in flags if f.flag in OFFENDER_FLAGS
                 for m in [flagged.get(f.message_id)] if m is not None}
    paying = [r for r in rows if r.get("side", "offender") == "offender" and r["kind"] in PAYMENT_KINDS]
    offenders |= {(c, s) for r in paying for c in r.get("conversations") or [] for s in r.get("senders", [])}
    aggregated = promote_offenders([{"side": "offender", "senders": [], **r} for r in rows], offenders)
    moments = _key_moments(first_of, flagged, flags, aggregated)
    read = sum(conv_counts.values())
    tick("key moments", 0, read)
    _contexts(iter(source.messages()), moments, lambda n: tick("key moments", min(n, read), read))
    by_conv: dict[str, list[Message]] = defaultdict(list)
    for m in shown:
        by_conv[m.conversation].append(m)
    notes_fn = getattr(source, "notes", None)
    return ReportData(
        case=case,
        tool_version=__version__,
        items=items,
        messages=shown,
        indicators=indicators,
        aggregated=aggregated,
        flags=flags,
        flag_summary=flag_summary,
        key_moments=moments,
        ledger=source.ledger(),
        by_conversation=dict(by_conv),
        exhibits=exhibits,
        notes=list(notes_fn()) if callable(notes_fn) else [],
        message_count=sum(conv_counts.values()),
        conversation_counts=dict(conv_counts),
        first_time=first_time,
        last_time=last_time,
        sources=sorted(formats),
        time_bases=sorted(bases.values(), key=lambda b: (_exhibit_sort(b.exhibit), b.basis)),
        transcript_limit=transcript_limit,
    )
