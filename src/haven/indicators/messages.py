"""Offender details over a whole case: message texts, email headers, screenshots' OCR text, and the
senders of imported chats (their stable ids become handles/phones/emails, their display names ``name``s).

Every finding says which **side** it comes from (``extra["side"]``), so nobody's details are taken for the
offender's by mistake:

- ``offender`` — written in a message the person did not send (or read from a screenshot);
- ``victim-sent`` — codes, references and amounts in the person's *own* messages: in gift-card sextortion
  the victim sends the code, and it is evidence of payment. Nothing else is taken from their messages. A
  victim's message is read together with the two messages before it in its conversation, so "here is the
  code ..." finds the brand named earlier ("buy a Steam card");
- ``participant`` — the other people in a conversation, from the senders' names and ids (the report
  promotes the ones who made the demands to the offender's side);
- ``header`` — addresses from email headers (mailing lists, relays, the person's own address): never an
  offender detail, never for blocklists.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from haven.core.models import Indicator, Item, Message, Provenance, is_own_sender
from haven.indicators.base import Hit, context_snippet
from haven.indicators.extract import extract, to_indicator
from haven.indicators.kinds.handle import PLATFORMS, handle_hit
from haven.indicators.kinds.name import name_hit

# A sender shown only by their number (WhatsApp wraps it in direction marks U+202A/U+202C).
_PHONE_LIKE = re.compile(r"\+?\d[\d \u00a0().-]{6,24}")
_DIRECTION_MARKS = str.maketrans("", "", "\u202a\u202c\u200e\u200f")
# Headers that name the people behind an email (not the relays in Received:).
HEADERS = ("from", "reply-to", "return-path", "sender", "to", "cc", "subject", "x-sender", "x-original-from")
_EMAIL_FORMATS = ("email", "eml", "mbox", "msg", "outlook", "mail")
_PLATFORM_ALIASES = {
    "messenger": "facebook",
    "fb": "facebook",
    "x": "twitter",
    "snap": "snapchat",
    "insta": "instagram",
    "ig": "instagram",
}


def platform_for(source_format: str) -> str | None:
    """The platform a chat export comes from, by its importer name (``whatsapp-android`` → whatsapp)."""
    fmt = source_format.lower()
    for p in PLATFORMS:
        if p in fmt:
            return p
    for alias, p in _PLATFORM_ALIASES.items():
        if fmt == alias or fmt.startswith(alias + "-") or fmt.startswith(alias + "_"):
            return p
    return None


SIDE_OFFENDER = "offender"
SIDE_VICTIM = "victim-sent"
SIDE_PARTICIPANT = "participant"
SIDE_HEADER = "header"
SIDES = (SIDE_OFFENDER, SIDE_VICTIM, SIDE_PARTICIPANT, SIDE_HEADER)
VICTIM_KINDS = frozenset(["gift-card", "mtcn", "moneygram-ref", "amount"])
"""What is kept from the person's own messages: evidence of a payment they made."""
_CONTEXT_MESSAGES = 2
_CONTEXT_CHARS = 400


def _stamp(ind: Indicator, msg: Message, side: str) -> Indicator:
    ind.extra = {
        **ind.extra,
        "conversation": msg.conversation,
        "timestamp_utc": msg.timestamp_utc.isoformat() if msg.timestamp_utc else None,
        "side": side,
        "sender": msg.sender or msg.sender_id or "",
    }
    return ind


def _item_time(item: Item) -> str:
    """When a screenshot was taken, as well as Haven can tell: EXIF time, else file time, else acquired."""
    exif_time = item.exif.get("DateTimeOriginal") or item.exif.get("DateTime") if item.exif else None
    if isinstance(exif_time, str) and exif_time.strip():
        try:
            return datetime.strptime(exif_time.strip(), "%Y:%m:%d %H:%M:%S").replace(tzinfo=UTC).isoformat()
        except ValueError:
            pass
    if item.original_mtime:
        return datetime.fromtimestamp(item.original_mtime, UTC).isoformat()
    return item.acquired_utc.isoformat()


def _victim_findings(msg: Message, before: Sequence[str], region: str, base: Provenance) -> list[Indicator]:
    """Payment evidence in the person's own message, read with the messages just before it."""
    prefix = "\n".join(before)[-_CONTEXT_CHARS:]
    prefix = prefix + "\n" if prefix else ""
    found = []
    for ind in extract(prefix + msg.text, region=region, provenance=base):
        if ind.kind not in VICTIM_KINDS or ind.provenance.start < len(prefix):
            continue
        start, end = ind.provenance.start - len(prefix), ind.provenance.end - len(prefix)
        ind.provenance = ind.provenance.model_copy(update={"start": start, "end": end})
        ind.context = context_snippet(msg.text, start, end)
        found.append(ind)
    return found


def _sender_hits(msg: Message, region: str) -> list[tuple[Hit, str, str]]:
    """Hits for the sender of ``msg``: (hit, the text it spans, field)."""
    out: list[tuple[Hit, str, str]] = []
    sid = (msg.sender_id or "").strip()
    name = (msg.sender or "").strip()
    bare = name.translate(_DIRECTION_MARKS).strip()
    if not sid and _PHONE_LIKE.fullmatch(bare):
        # WhatsApp names a sender who is not in the contacts by their number: that is a phone, not a name
        sid = bare
    fmt = msg.source_format.lower()
    platform = platform_for(fmt)
    if sid:
        found = [h for h in extract(sid, region=region) if h.kind in ("email", "phone")]
        if any(fmt.startswith(e) for e in _EMAIL_FORMATS) or (found and found[0].kind == "email"):
            out += [
                (
                    Hit(
                        "email",
                        0,
                        len(sid),
                        sid,
                        f.normalized,
                        True,
                        1.0,
                        {"source": "sender"},
                        80,
                        exclusive=False,
                    ),
                    sid,
                    "sender_id",
                )
                for f in found
                if f.kind == "email"
            ]
        elif platform == "whatsapp" or (found and found[0].kind == "phone"):
            try:
                num = phonenumbers.parse(sid.split("@", 1)[0] if "@s.whatsapp" in sid else sid, region)
                e164 = (
                    phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(num)
                    else None
                )
            except phonenumbers.NumberParseException:
                e164 = None
            if e164:
                out.append(
                    (
                        Hit(
                            "phone",
                            0,
                            len(sid),
                            sid,
                            e164,
                            True,
                            1.0,
                            {"source": "sender"},
                            50,
                            exclusive=False,
                        ),
                        sid,
                        "sender_id",
                    )
                )
                if platform:
                    out.append(
                        (handle_hit(platform, e164, 0, len(sid), sid, 1.0, "sender"), sid, "sender_id")
                    )
        elif platform:
            out.append((handle_hit(platform, sid, 0, len(sid), sid, 1.0, "sender"), sid, "sender_id"))
    if name and bare != sid:
        out.append((name_hit(name, 0, len(name), 0.9, "sender"), name, "sender"))
    return out


def extract_messages(
    messages: Iterable[Message], items: Iterable[Item] = (), region: str = "GB", me: Sequence[str] = ()
) -> list[Indicator]:
    """Every offender detail in a case's messages and items, each with its provenance and side. ``me``
    (``Case.me``) names the person's own senders where ``Message.from_me`` does not say."""
    found: list[Indicator] = []
    senders_seen: set[tuple[str, str | None, str | None]] = set()
    recent: dict[str, deque[str]] = {}
    own_names = [m for m in me if m.strip()]
    for msg in messages:
        base = Provenance(item_id=msg.source_item_id, message_id=msg.id, field="text")
        own = msg.from_me is True or (
            msg.from_me is None and bool(own_names) and is_own_sender(own_names, msg.sender, msg.sender_id)
        )
        history = recent.setdefault(msg.conversation, deque(maxlen=_CONTEXT_MESSAGES))
        if msg.text:
            if own:
                found += [_stamp(i, msg, SIDE_VICTIM) for i in _victim_findings(msg, history, region, base)]
            else:
                hits = extract(msg.text, region=region, provenance=base)
                found += [_stamp(i, msg, SIDE_OFFENDER) for i in hits]
            history.append(msg.text[-_CONTEXT_CHARS:])
        headers: Any = msg.extra.get("headers") if isinstance(msg.extra, dict) else None
        for pair in headers or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            hname, value = str(pair[0]), str(pair[1])
            if hname.lower() in HEADERS and value:
                prov = base.model_copy(update={"field": f"header:{hname}"})
                found += [_stamp(i, msg, SIDE_HEADER) for i in extract(value, region=region, provenance=prov)]
        key = (msg.conversation, msg.sender_id, msg.sender)
        if not own and msg.from_me is not True and (msg.sender_id or msg.sender) and key not in senders_seen:
            senders_seen.add(key)
            side = (
                SIDE_HEADER
                if any(msg.source_format.lower().startswith(e) for e in _EMAIL_FORMATS)
                else SIDE_PARTICIPANT
            )
            for hit, text, field in _sender_hits(msg, region):
                prov = base.model_copy(update={"field": field})
                found.append(_stamp(to_indicator(hit, text, prov), msg, side))
    for item in items:
        if item.ocr_text:
            prov = Provenance(item_id=item.id, field="ocr")
            for ind in extract(item.ocr_text, region=region, provenance=prov):
                ind.extra = {
                    **ind.extra,
                    "conversation": f"screenshot {item.filename}",
                    "timestamp_utc": _item_time(item),
                    "side": SIDE_OFFENDER,
                    "sender": "",
                }
                found.append(ind)
    return found
