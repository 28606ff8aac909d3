"""Plain words for what the app shows from the case's data: the kind of each detail ("Bitcoin wallet",
not ``btc``), amounts ("£500", not ``GBP:500``), the time zone a chat was read in ("UK time", not
``Europe/London``), the kind of each file, warnings from the import, and quotes that never stop inside a
word or a web address. Every label goes through the catalogue, so Welsh pages get Welsh words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from haven.core.warnings import Notice
from haven.web.i18n import N_, ngettext
from haven.web.i18n import gettext as _

KIND_LABELS: dict[str, str] = {
    "amount": N_("Amount asked"),
    "btc": N_("Bitcoin wallet"),
    "eth": N_("Ethereum wallet"),
    "ltc": N_("Litecoin wallet"),
    "doge": N_("Dogecoin wallet"),
    "xmr": N_("Monero wallet"),
    "trx": N_("Tron wallet"),
    "cashapp": N_("Cash App name"),
    "deadline": N_("Deadline they gave"),
    "url": N_("Web address"),
    "domain": N_("Web site"),
    "email": N_("Email address"),
    "gift-card": N_("Gift card code"),
    "handle": N_("User name"),
    "iban": N_("Bank account (IBAN)"),
    "moneygram-ref": N_("MoneyGram number"),
    "monzo": N_("Monzo link"),
    "mtcn": N_("Western Union number (MTCN)"),
    "name": N_("Name"),
    "payee-name": N_("Name to pay"),
    "paypalme": N_("PayPal link"),
    "phone": N_("Phone number"),
    "revolut": N_("Revolut name"),
    "swift-bic": N_("Bank code (SWIFT)"),
    "uk-bank-account": N_("UK bank account"),
    "venmo": N_("Venmo name"),
}

FORMAT_LABELS: dict[str, str] = {
    "whatsapp": N_("WhatsApp chat"),
    "email": N_("Email"),
    "eml": N_("Email"),
    "mbox": N_("Emails"),
    "msg": N_("Outlook email"),
    "telegram": N_("Telegram chat"),
    "discord": N_("Discord chat"),
    "signal": N_("Signal chat"),
    "snapchat": N_("Snapchat chat"),
    "instagram": N_("Instagram chat"),
    "messenger": N_("Messenger chat"),
    "meta": N_("Instagram or Facebook chat"),
    "image": N_("Picture"),
    "video": N_("Video"),
    "generic": N_("Other file"),
}

CURRENCY = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "CA$", "AUD": "A$", "INR": "₹", "JPY": "¥"}


def kind_label(kind: str) -> str:
    """``btc`` -> "Bitcoin wallet" (an unknown kind: its own name, with spaces)."""
    label = KIND_LABELS.get(kind)
    return _(label) if label else kind.replace("_", " ").replace("-", " ")


def format_label(fmt: str | None) -> str:
    """An importer's name as the kind of file: ``whatsapp`` -> "WhatsApp chat"."""
    if not fmt:
        return _("File")
    label = FORMAT_LABELS.get(fmt.split("-")[0].split("_")[0])
    return _(label) if label else fmt.replace("_", " ").replace("-", " ")


def money(normalized: str) -> str:
    """``USD:1300`` -> ``$1,300``; ``GBP:12.5`` -> ``£12.50``; anything else as it is."""
    cur, sep, number = normalized.partition(":")
    if not sep:
        return normalized
    try:
        value = float(number)
    except ValueError:
        return normalized
    text = f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    symbol = CURRENCY.get(cur.upper())
    return f"{symbol}{text}" if symbol else f"{text} {cur.upper()}"


def detail_value(row: Mapping[str, Any]) -> str:
    """The detail as a person reads it: amounts with their currency sign, links as written."""
    kind, normalized = row.get("kind", ""), str(row.get("normalized", ""))
    if kind == "amount":
        return money(normalized)
    if kind in ("paypalme", "venmo", "cashapp", "revolut", "monzo") and ":" in normalized:
        return str(row.get("value") or normalized)
    return normalized


def zone_name(zone: str) -> str:
    """``Europe/London`` -> "UK time"; ``Etc/UTC`` -> "world time (UTC)"; ``America/New_York`` ->
    "New York time"."""
    zone = zone.strip()
    if zone in ("Europe/London", "GB", "Europe/Belfast"):
        return _("UK time")
    if zone in ("UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu"):
        return _("world time (UTC)")
    place = zone.rsplit("/", 1)[-1].replace("_", " ")
    return _("%(place)s time", place=place)


_ZONE = re.compile(r"local time in (?P<zone>\S+) \((?P<why>[^)]*)\)")
_ORDER = re.compile(
    r"dates read (?P<order>day first|month first|year first|year, day, month) \((?P<why>[^)]*)\)"
)
ORDERS = {
    "day first": N_("day first, like 14/03"),
    "month first": N_("month first, like 03/14"),
    "year first": N_("year first"),
    "year, day, month": N_("year, then day, then month"),
}


def _zone_why(why: str) -> str:
    if why.startswith("as chosen"):
        return _("as you chose")
    if why.startswith("the case's region"):
        return _("from where you live")
    return _("a guess from this computer")


def _order_why(why: str) -> str:
    if why.startswith("as chosen"):
        return _("as you chose")
    if why.startswith("settled"):
        return _("from the dates in the chat")
    if why.startswith("the case region"):
        return _("the usual way where you live")
    return _("a guess")


def basis_text(basis: str | None) -> str:
    """How a chat's times were read, in plain words: "Time zone: UK time (from where you live). Dates:
    day first, like 14/03 (from the dates in the chat)." The importers' own words when they do not parse."""
    if not basis:
        return ""
    parts = []
    m = _ZONE.search(basis)
    if m:
        zone, why = zone_name(m.group("zone")), _zone_why(m.group("why"))
        parts.append(_("Time zone: %(zone)s, %(why)s.", zone=zone, why=why))
    o = _ORDER.search(basis)
    if o:
        order, why = _(ORDERS[o.group("order")]), _order_why(o.group("why"))
        parts.append(_("Dates: %(order)s, %(why)s.", order=order, why=why))
    return " ".join(parts) if parts else basis


def notice_text(warning: Any) -> str:
    """A warning from the import in the app's words (its code and parameters), or its own words."""
    if not isinstance(warning, Notice):
        return _older_warning(str(warning))
    p = warning.params
    if warning.code == "zone-assumed":
        why = (
            _("from where you live")
            if str(p.get("basis", "")).startswith("the case")
            else _("a guess from this computer")
        )
        return _(
            "%(file)s: the times have no time zone. Haven read them as %(zone)s, %(why)s.",
            file=p.get("file", ""),
            zone=zone_name(str(p.get("zone", ""))),
            why=why,
        )
    if warning.code == "date-order-ambiguous":
        return _(
            "%(file)s: Haven cannot tell if the dates are day first or month first. "
            "You can add the file again and choose.",
            file=p.get("file", ""),
        )
    if warning.code == "large-file":
        return _(
            "%(file)s is very big (%(size)s). If you did not mean to add it, you can ask for help "
            "removing it from the case.",
            file=p.get("file", ""),
            size=p.get("size", ""),
        )
    if warning.code in ("picture-too-large-to-read", "ocr-missing", "ocr-failed"):
        return _(
            "%(file)s: the picture is kept, but Haven could not read the words in it.", file=p.get("file", "")
        )
    return str(warning)


_MISSING_ATTACHMENTS = re.compile(
    r"^(?P<file>.+): (?P<n>\d+) attached file\(s\) named in the chat are not in the export"
)


def _older_warning(text: str) -> str:
    """Warnings not yet typed, reworded where the app knows them ("file(s)" becomes a real plural)."""
    m = _MISSING_ATTACHMENTS.match(text)
    if m:
        return ngettext(
            "%(file)s: the chat names %(num)s attached file that is not in the export. Haven kept its name.",
            "%(file)s: the chat names %(num)s attached files that are not in the export. "
            "Haven kept their names.",
            int(m.group("n")),
            file=m.group("file"),
        )
    return text


_SPACE = re.compile(r"\s")


def quote(text: str | None, start: int, end: int, evidence: str = "", limit: int = 200) -> str:
    """The words of ``text`` that ``evidence`` quotes (else ``start`` to ``end``), widened to whole words,
    so a quote never stops inside a word or a web address; "…" marks text left out, and a long quote is
    cut at a space."""
    if not text:
        return evidence
    found = text.find(evidence) if evidence else -1
    if found >= 0:
        start, end = found, found + len(evidence)
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end <= start:
        start, end = 0, len(text)
    while start > 0 and not _SPACE.match(text[start - 1]):
        start -= 1
    while end < len(text) and not _SPACE.match(text[end]):
        end += 1
    part = text[start:end].strip()
    if len(part) > limit:
        cut = part.rfind(" ", 0, limit)
        part = part[: cut if cut > 0 else limit].rstrip() + " …"
    lead = "… " if text[:start].strip() else ""
    tail = " …" if text[end:].strip() and not part.endswith("…") else ""
    return f"{lead}{part}{tail}"


def context_text(context: str | None) -> str:
    """A detail's surrounding words without a broken word at either end: "…5-WA0001.jpg pay 200" ->
    "… pay 200"."""
    text = (context or "").strip()
    if text.startswith("…"):
        rest = text[1:]
        if rest and not rest[0].isspace():
            rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
        text = "… " + rest.strip() if rest.strip() else ""
    if text.endswith("…"):
        body = text[:-1]
        if body and not body[-1].isspace():
            body = body.rsplit(None, 1)[0] if len(body.split()) > 1 else ""
        text = body.strip() + " …" if body.strip() else ""
    return text
