"""Offender details over a whole case: message texts, email headers, screenshots' OCR text, and the
senders of imported chats (their stable ids become handles/phones/emails, their display names ``name``s)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers

from haven.core.models import Indicator, Item, Message, Provenance
from haven.indicators.base import Hit
from haven.indicators.extract import extract, to_indicator
from haven.indicators.kinds.handle import PLATFORMS, handle_hit
from haven.indicators.kinds.name import name_hit

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


def _stamp(ind: Indicator, msg: Message) -> Indicator:
    ind.extra = {
        **ind.extra,
        "conversation": msg.conversation,
        "timestamp_utc": msg.timestamp_utc.isoformat() if msg.timestamp_utc else None,
    }
    return ind


def _sender_hits(msg: Message, region: str) -> list[tuple[Hit, str, str]]:
    """Hits for the sender of ``msg``: (hit, the text it spans, field)."""
    out: list[tuple[Hit, str, str]] = []
    sid = (msg.sender_id or "").strip()
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
    name = (msg.sender or "").strip()
    if name and name != sid:
        out.append((name_hit(name, 0, len(name), 0.9, "sender"), name, "sender"))
    return out


def extract_messages(
    messages: Iterable[Message], items: Iterable[Item] = (), region: str = "GB"
) -> list[Indicator]:
    """Every offender detail in a case's messages and items, each with its provenance."""
    found: list[Indicator] = []
    senders_seen: set[tuple[str, str | None, str | None]] = set()
    for msg in messages:
        base = Provenance(item_id=msg.source_item_id, message_id=msg.id, field="text")
        if msg.text:
            found += [_stamp(i, msg) for i in extract(msg.text, region=region, provenance=base)]
        headers: Any = msg.extra.get("headers") if isinstance(msg.extra, dict) else None
        for pair in headers or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            hname, value = str(pair[0]), str(pair[1])
            if hname.lower() in HEADERS and value:
                prov = base.model_copy(update={"field": f"header:{hname}"})
                found += [_stamp(i, msg) for i in extract(value, region=region, provenance=prov)]
        key = (msg.conversation, msg.sender_id, msg.sender)
        if msg.from_me is not True and (msg.sender_id or msg.sender) and key not in senders_seen:
            senders_seen.add(key)
            for hit, text, field in _sender_hits(msg, region):
                prov = base.model_copy(update={"field": field})
                found.append(_stamp(to_indicator(hit, text, prov), msg))
    for item in items:
        if item.ocr_text:
            prov = Provenance(item_id=item.id, field="ocr")
            found += extract(item.ocr_text, region=region, provenance=prov)
    return found
