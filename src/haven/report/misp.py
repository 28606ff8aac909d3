"""MISP event of a case's offender details, built with ``pymisp`` from the MISP object templates.

Each offender detail becomes the MISP object police cyber units expect: ``btc-wallet`` for bitcoin,
``coin-address`` for other currencies, ``bank-account`` for IBAN / sort code + account / SWIFT,
``phone-number``, ``email`` (the offender's address as ``from``), ``url``, and for usernames the platform's
own object (``instagram-account``, ``facebook-account``, ``telegram-account``, ``twitter-account``) or a
generic ``user-account``. Money-transfer references and gift-card codes, which have no object, are ``text``
attributes in the ``Financial fraud`` category. pymisp checks every attribute against the object template;
``definitions`` points it at another copy of the templates (the tests use the MISP project's own).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymisp import MISPEvent, MISPObject

from haven.report.data import ReportData

_COIN_SYMBOL = {"eth": "ETH", "ltc": "LTC", "trx": "TRX", "doge": "DOGE", "xmr": "XMR"}
_PLATFORM_OBJECT = {"instagram": ("instagram-account", "account-name"),
                    "facebook": ("facebook-account", "account-name"),
                    "telegram": ("telegram-account", "username"),
                    "twitter": ("twitter-account", "name")}
_PROFILE_URL = {"instagram": "https://www.instagram.com/{}", "facebook": "https://www.facebook.com/{}",
                "telegram": "https://t.me/{}", "twitter": "https://x.com/{}", "tiktok": "https://www.tiktok.com/@{}",
                "snapchat": "https://www.snapchat.com/add/{}"}


def _obj(name: str, definitions: Path | None) -> MISPObject:
    """The object from ``definitions`` when that copy has the template, else from pymisp's own copy."""
    if definitions is not None and (definitions / name / "definition.json").exists():
        return MISPObject(name, strict=True, misp_objects_path_custom=definitions)
    return MISPObject(name, strict=True)


def _object_for(kind: str, normalized: str, definitions: Path | None) -> MISPObject | None:
    if kind == "btc":
        o = _obj("btc-wallet", definitions)
        o.add_attribute("wallet-address", normalized)
        return o
    if kind in _COIN_SYMBOL:
        o = _obj("coin-address", definitions)
        o.add_attribute("address-xmr" if kind == "xmr" else "address-crypto", normalized)
        o.add_attribute("symbol", _COIN_SYMBOL[kind])
        return o
    if kind == "iban":
        o = _obj("bank-account", definitions)
        o.add_attribute("iban", normalized)
        return o
    if kind == "uk-bank-account":
        sort_code, _, account = normalized.rpartition("-")
        o = _obj("bank-account", definitions)
        o.add_attribute("account", account)
        o.add_attribute("branch", sort_code)
        o.add_attribute("currency-code", "GBP")
        return o
    if kind == "phone":
        o = _obj("phone-number", definitions)
        o.add_attribute("phone-number", normalized)
        return o
    if kind == "email":
        o = _obj("email", definitions)
        o.add_attribute("from", normalized)
        return o
    if kind == "url":
        o = _obj("url", definitions)
        o.add_attribute("url", normalized)
        return o
    if kind == "handle":
        platform, _, user = normalized.partition(":")
        name, field = _PLATFORM_OBJECT.get(platform, ("user-account", "username"))
        o = _obj(name, definitions)
        o.add_attribute(field, user)
        if name == "user-account":
            o.add_attribute("account-type", platform)
        if platform in _PROFILE_URL and "link" in o._definition["attributes"]:  # type: ignore[index]
            o.add_attribute("link", _PROFILE_URL[platform].format(user))
        return o
    return None


_SIDE_WORDS = {"offender": "offender", "victim-sent": "sent by the victim (evidence of payment)",
               "participant": "other person in these conversations, not an offender detail",
               "header": "address from email headers, not an offender detail"}
_PAYMENT_APPS = {"revolut", "cashapp", "paypalme", "monzo", "venmo"}


def build_event(
    data: ReportData, definitions: str | Path | None = None, tlp: str | None = None
) -> dict[str, Any]:
    """The case as a MISP event (a JSON-ready dict in MISP's own export format). ``to_ids`` is set only
    for valid offender-side details: nobody else's address may end up in a blocklist."""
    defs = Path(definitions) if definitions else None
    event = MISPEvent()
    ref = data.case.reference or data.case.id
    event.info = f"Sextortion report {ref} (Haven)"
    event.distribution = 0  # your organisation only
    event.threat_level_id = 2
    event.analysis = 1
    first = data.date_range[0]
    event.set_date((first or datetime.now(UTC)).date())
    event.add_tag(f"tlp:{(tlp or data.tlp or 'amber').lower()}")
    event.add_tag("haven:sextortion")
    for agg in data.aggregated:
        kind, norm = agg["kind"], agg["normalized"]
        side = agg.get("side", "offender")
        ids = side == "offender" and bool(agg.get("valid"))
        where = ", ".join(agg.get("exhibits") or [])
        comment = (f"{_SIDE_WORDS.get(side, side)}; seen {agg.get('count', 1)}x; valid={agg.get('valid')}"
                   + (f"; exhibit(s) {where}" if where else ""))
        obj = _object_for("handle" if kind in _PAYMENT_APPS else kind, norm, defs)
        if obj is not None:
            obj.comment = comment
            for attr in obj.attributes:
                attr.to_ids = ids
            event.add_object(obj)
        elif kind == "swift-bic":  # bank-account needs an account or IBAN; a bare BIC is an attribute
            event.add_attribute("bic", norm, category="Financial fraud", comment=comment, to_ids=False)
        elif kind == "domain":  # the url template needs a url; a bare domain is a plain attribute
            event.add_attribute("domain", norm, category="Network activity", comment=comment, to_ids=False)
        elif kind in ("mtcn", "moneygram-ref", "gift-card", "amount", "deadline", "payee-name"):
            event.add_attribute("text", norm, category="Financial fraud" if kind != "deadline" else "Other",
                                comment=f"{kind}; {comment}", to_ids=False)
    for item in data.items:
        event.add_attribute("sha256", item.sha256, category="Artifacts dropped", to_ids=False,
                            comment=f"exhibit {data.exhibit(item.id)} (item {item.id}): {item.filename}")
    return json.loads(event.to_json())
