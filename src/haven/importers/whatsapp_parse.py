"""WhatsApp chat text: message headers in every locale, day/month order from the whole file, message kinds.

Written by hand: the maintained parsers are JavaScript (whatsapp-chat-parser) or load the whole file into
pandas (whatstk, chat-miner); Haven needs a streaming parser that keeps every line (system, deleted,
media-only) and flags dates whose day/month order cannot be settled.

Lines look like ``12/9/20, 23:55 - Alice: hi`` (Android) or ``[20.06.19, 15:58:47] Loris: hi`` (iOS), with
any of d/m/y, m/d/y, y/m/d, 12 or 24 hour clocks (``11:25 a. m.``, ``3:04\u202fPM``) and invisible
U+200E marks. A line that does not start with a header continues the message before it.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

from haven.core.models import MessageKind

_SP = r"[ \u202f\u00a0]"
HEADER = re.compile(
    r"^[\u200e\u200f\ufeff\u202a\u202c]*"
    r"(?P<open>\[)?"
    r"(?P<stamp>(?P<date>(?P<d1>\d{1,4})[./\-](?P<d2>\d{1,2})[./\-](?P<d3>\d{1,4}))\.?,?" + _SP + r"+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    r"(?:" + _SP + r"*(?P<ampm>[aApP]\.?" + _SP + r"?[mM]\.?))?)"
    r"(?(open)\]" + _SP + r"?|" + _SP + r"?[-–]" + _SP + r")"
    r"(?P<rest>.*)$"
)
SENDER = re.compile(r"^(?P<name>[^:\"“”\n]{1,80}?):(?:[ \u202f](?P<text>.*))?$", re.DOTALL)
ATTACHED = re.compile(r"<attached: (?P<file>[^>]+)>")
MARKS = "\u200e\u200f\u202a\u202b\u202c\ufeff"
ORDERS = ("dmy", "mdy", "ymd", "ydm")


@cache
def phrases() -> dict[str, list[str]]:
    """The phrase lists in ``data/whatsapp.json`` (data, not code)."""
    path = Path(__file__).parent / "data" / "whatsapp.json"
    return json.loads(path.read_text(encoding="utf-8"))


_MARK_TABLE = {ord(c): None for c in MARKS}
_MARK_RE = re.compile(f"[{MARKS}]")
_MARK_TUPLE = tuple(MARKS)
_DATE_SPLIT = re.compile(r"[./\-]")
_TIME_SPLIT = re.compile(r"[:.]")


def strip_marks(text: str) -> str:
    return text.translate(_MARK_TABLE) if _MARK_RE.search(text) else text


@dataclass(frozen=True)
class _Phrases:
    deleted: frozenset[str]
    omitted: frozenset[str]
    suffixes: tuple[str, ...]
    calls: tuple[str, ...]
    system: tuple[str, ...]
    call_set: frozenset[str]


@cache
def _phrase_sets() -> _Phrases:
    p = phrases()
    return _Phrases(
        frozenset(p["deleted"]),
        frozenset(p["media_omitted"]),
        tuple(" " + x for x in p["attached_suffixes"]),
        tuple(p["call"]),
        tuple(p["system_contains"]),
        frozenset(p["call"]),
    )


@dataclass(slots=True)
class Header:
    stamp: str
    parts: tuple[str, str, str]
    time: str
    ampm: str | None
    rest: str


_MATCH = HEADER.match
_MAY_START = frozenset("0123456789[" + MARKS[:3] + MARKS[4:])
"""A header line starts with a digit, ``[`` or an invisible mark (``HEADER``): others are not tried."""


def parse_header(line: str) -> Header | None:
    if not line or line[0] not in _MAY_START:
        return None
    m = _MATCH(line)
    if not m:
        return None
    stamp, a, b, c, time, ampm, rest = m.group("stamp", "d1", "d2", "d3", "time", "ampm", "rest")
    return Header(stamp, (a, b, c), time, ampm, rest)


@lru_cache(maxsize=8192)
def _ymd(parts: tuple[str, str, str], order: str) -> tuple[int, int, int] | None:
    by = dict(zip(order, parts, strict=True))
    y, mo, d = by["y"], by["m"], by["d"]
    if len(y) not in (2, 4) or len(mo) > 2 or len(d) > 2:
        return None
    year = int(y) + (2000 if len(y) == 2 else 0)
    month, day = int(mo), int(d)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return year, month, day


@dataclass(slots=True)
class _Candidate:
    invalid: int = 0
    prev: tuple[int, int, int] | None = None
    inversions: int = 0


@dataclass
class DateOrder:
    """Settles which of d/m/y, m/d/y, y/m/d (y/d/m) a file uses, from all of its dates, in one pass.

    The order with the fewest impossible dates (month 13, 31 February) wins — normally none; a stray
    date-like line pasted into a message must not lose the whole chat — then the one whose dates run
    forward in time (fewest backward steps). A tie is *ambiguous*: a preference is used and every message
    is flagged ``timestamp_ambiguous``. An order the person chose (``prefer``) always wins.
    """

    twelve_hour: bool = False
    year_first: bool = False
    seen: int = 0
    _cands: dict[str, _Candidate] = field(default_factory=lambda: {o: _Candidate() for o in ORDERS})

    _last: tuple[str, str, str] | None = None
    _last_invalid: list[_Candidate] = field(default_factory=list)

    def feed(self, parts: tuple[str, str, str], ampm: str | None) -> None:
        self.seen += 1
        if ampm:
            self.twelve_hour = True
        if parts == self._last:  # the same day as the line before (most lines): nothing moves but this
            for cand in self._last_invalid:
                cand.invalid += 1
            return
        self._last = parts
        self.year_first = self.year_first or len(parts[0]) == 4
        invalid = self._last_invalid = []
        for order, cand in self._cands.items():
            ymd = _ymd(parts, order)
            if ymd is None:
                cand.invalid += 1
                invalid.append(cand)
                continue
            if cand.prev is not None and ymd < cand.prev:
                cand.inversions += 1
            cand.prev = ymd

    def result(self, prefer: str | None = None, default: str | None = None) -> tuple[str | None, bool]:
        """``(order, ambiguous)``; order is None when no order fits any date. ``default`` (the case
        region's usual order) breaks a tie the file's own dates leave; the result stays ambiguous."""
        if prefer in ORDERS:
            return prefer, False
        scores = {o: (c.invalid, c.inversions) for o, c in self._cands.items() if c.invalid < self.seen}
        if not scores:
            return None, False
        best = min(scores.values())
        tied = [o for o in ORDERS if scores.get(o) == best]
        if len(tied) == 1:
            return tied[0], False
        preference: list[str] = []
        day_month = ["mdy", "dmy"] if self.twelve_hour else ["dmy", "mdy"]
        # A four-digit year first means y/m/d (y/d/m is vanishingly rare); a two-digit first part is
        # almost always a day or month (``20.06.19``), so year-last orders come first then.
        preference += ["ymd", *day_month, "ydm"] if self.year_first else [*day_month, "ymd", "ydm"]
        if default in ORDERS and default in tied:
            preference.insert(0, default)
        chosen = next(o for o in preference if o in tied)
        ambiguous = (chosen in ("dmy", "mdy") and {"dmy", "mdy"} <= set(tied)) or (
            chosen in ("ymd", "ydm") and {"ymd", "ydm"} <= set(tied) and not self.year_first
        )
        return chosen, ambiguous


def header_datetime(h: Header, order: str) -> datetime | None:
    """The naive local datetime of a header under ``order`` (None if impossible under it)."""
    ymd = _ymd(h.parts, order)
    if ymd is None:
        return None
    hms = _hms(h.time, h.ampm)
    if hms is None:
        return None
    return datetime(*ymd, *hms)


@lru_cache(maxsize=8192)
def _hms(time: str, ampm: str | None) -> tuple[int, int, int] | None:
    """Hour, minute and second of a header's clock (a chat has a few thousand distinct ones)."""
    nums = [int(x) for x in _TIME_SPLIT.split(time)]
    hour, minute, second = nums[0], nums[1], nums[2] if len(nums) > 2 else 0
    if ampm:
        pm = ampm.strip().lower().startswith("p")
        if hour > 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


@dataclass(slots=True)
class RawMessage:
    """One message as written: its header and every line of its text."""

    header: Header | None
    lines: list[str]
    line_no: int


def group_lines(lines: Iterable[str]) -> Iterator[RawMessage]:
    """Group lines into messages: a header line starts one, other lines continue it (streaming)."""
    current: RawMessage | None = None
    may_start, match = _MAY_START, _MATCH
    for number, line in enumerate(lines, start=1):
        m = match(line) if line and line[0] in may_start else None
        if m is not None:
            if current is not None:
                yield current
            stamp, a, b, c, time, ampm, rest = m.group("stamp", "d1", "d2", "d3", "time", "ampm", "rest")
            current = RawMessage(Header(stamp, (a, b, c), time, ampm, rest), [rest], number)
        elif current is None:
            current = RawMessage(None, [line], number)
        else:
            current.lines.append(line)
    if current is not None:
        yield current


@dataclass(slots=True)
class Parsed:
    """Sender, text and kind of one message body."""

    sender: str | None
    text: str
    kind: MessageKind
    attached: str | None = None
    """File name the export says was attached (iOS ``<attached: x>``, Android ``x (file attached)``)."""
    media_omitted: bool = False


def header_dates(lines: Iterable[str]) -> Iterator[tuple[tuple[str, str, str], str | None]]:
    """The date parts and am/pm of every header line (what ``DateOrder`` reads), without grouping."""
    may_start, match = _MAY_START, _MATCH
    for line in lines:
        if line and line[0] in may_start and (m := match(line)) is not None:
            a, b, c, ampm = m.group("d1", "d2", "d3", "ampm")
            yield (a, b, c), ampm


_NOT_IN_NAME = frozenset('"“”\n')


def split_sender(body: str) -> tuple[str, str] | None:
    """``(name, text)`` as ``SENDER`` reads them (a name cannot hold ``:``, so it ends at the first one),
    or None when the body names no sender (a system line)."""
    i = body.find(":")
    if not 1 <= i <= 80 or not _NOT_IN_NAME.isdisjoint(body[:i]):
        return None
    if i + 1 == len(body) or body[i + 1 :] == "\n":
        return body[:i], ""
    if body[i + 1] not in " \u202f":
        return None
    return body[:i], body[i + 2 :]


def parse_body(raw: RawMessage) -> Parsed:
    """Split sender from text and classify the message (never drops anything)."""
    lines = raw.lines
    body = (lines[0] if len(lines) == 1 else "\n".join(lines)).rstrip()
    if raw.header is None:
        return Parsed(None, body, MessageKind.SYSTEM)
    split = split_sender(body)
    p = _phrase_sets()
    if split is None:
        plain = strip_marks(body).strip()
        is_call = plain.lower().startswith(p.calls)
        return Parsed(None, plain, MessageKind.CALL if is_call else MessageKind.SYSTEM)
    name, text = split
    text = text.strip()
    if _MARK_RE.search(body) is None:  # most messages: no invisible marks anywhere
        sender, plain, marked = name.strip(), text, False
    else:
        sender, plain = strip_marks(name).strip(), strip_marks(text).strip()
        marked = text.startswith(_MARK_TUPLE)
    low = plain.lower()
    if low in p.deleted:
        return Parsed(sender, plain, MessageKind.DELETED)
    if low in p.omitted:
        return Parsed(sender, plain, MessageKind.MEDIA, media_omitted=True)
    if "<attached: " in plain:
        att = ATTACHED.search(plain)
        if att:
            return Parsed(sender, plain, MessageKind.MEDIA, attached=att["file"].strip())
    first = low.partition("\n")[0]
    if first.endswith(p.suffixes):
        suffix = next(x for x in p.suffixes if first.endswith(x))
        original_first = plain.partition("\n")[0]
        return Parsed(sender, plain, MessageKind.MEDIA, attached=original_first[: -len(suffix)].strip())
    if low in p.call_set or (marked and low.startswith(p.calls)):
        return Parsed(sender, plain, MessageKind.CALL)
    if marked and any(x in low for x in p.system):
        return Parsed(sender, plain, MessageKind.SYSTEM)
    return Parsed(sender, plain, MessageKind.TEXT)


def looks_like_chat(head_text: str) -> float:
    """Detection score for text: share of the first non-empty lines that are message headers."""
    lines = [line for line in head_text.splitlines()[:40] if line.strip()]
    if not lines:
        return 0.0
    hits = sum(1 for line in lines if parse_header(line))
    if parse_header(lines[0]) is None and hits < 2:
        return 0.0
    return min(0.95, 0.5 + 0.5 * hits / len(lines))
