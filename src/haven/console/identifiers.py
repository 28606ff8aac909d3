"""Offender identifiers as link keys: ``kind:normalised`` (``btc:bc1…``, ``phone:+447…``, ``email:…``,
``handle:instagram:name``, ``iban:…``, ``uk-bank-account:…``, ``url:…``, ``domain:…``, ``gift-card:…``,
``mtcn:…``), each with a weight for how specific it is. Names, amounts, deadlines and bank codes never link;
nor do common domains (``data/common_domains.txt``) or bare URLs on them; nor anything the package marks as
not the offender's (other people in the chat, email headers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

# How specific each kind is: a wallet or an account is one criminal's; a handle can be re-registered.
WEIGHTS: dict[str, float] = {
    "btc": 5, "eth": 5, "ltc": 5, "trx": 5, "doge": 5, "xmr": 5,
    "iban": 5, "uk-bank-account": 5, "gift-card": 5, "mtcn": 5, "moneygram-ref": 5,
    "email": 3, "phone": 3,
    "revolut": 3, "cashapp": 3, "paypalme": 3, "paypal-me": 3, "monzo": 3, "venmo": 3,
    "handle": 2, "url": 2, "domain": 1,
}
CASE_FOLD = {"eth", "email", "domain", "handle"}
PAYMENT_KINDS = {"btc": "cryptocurrency", "eth": "cryptocurrency", "ltc": "cryptocurrency",
                 "trx": "cryptocurrency", "doge": "cryptocurrency", "xmr": "cryptocurrency",
                 "iban": "bank transfer", "uk-bank-account": "bank transfer", "swift-bic": "bank transfer",
                 "gift-card": "gift card", "mtcn": "money transfer", "moneygram-ref": "money transfer",
                 "revolut": "payment app", "cashapp": "payment app", "paypalme": "payment app",
                 "paypal-me": "payment app", "monzo": "payment app", "venmo": "payment app"}


@dataclass(frozen=True)
class LinkId:
    identifier: str  # "kind:normalised"
    kind: str
    weight: float


@cache
def common_domains() -> frozenset[str]:
    text = resources.files("haven.console").joinpath("data/common_domains.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _host(value: str) -> str:
    host = (urlsplit(value if "://" in value else "//" + value).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def offender_side(side: str | None) -> bool:
    """Whether a package's ``side`` for a detail allows linking: no side given (older packages), the
    offender's, or payment evidence the victim sent; never other people or email-header addresses."""
    s = (side or "").strip().lower().replace("_", "-")
    if not s:
        return True
    if any(word in s for word in ("other", "header", "participant", "victim-own", "own-account")):
        return False
    return "offender" in s or "victim-sent" in s or "sent-by-victim" in s or "payment" in s


def link_id(kind: str, normalized: str, valid: bool = True, side: str | None = None) -> LinkId | None:
    """The link key for one offender detail, or None when it must never link cases."""
    kind = kind.strip().lower()
    weight = WEIGHTS.get(kind)
    value = normalized.strip()
    if weight is None or not value or not valid or not offender_side(side):
        return None
    if kind in CASE_FOLD:
        value = value.lower()
    if kind == "email" and value.rpartition("@")[2] == "":
        return None
    if kind == "domain" and _host(value) in common_domains():
        return None
    if kind == "url":
        parts = urlsplit(value if "://" in value else "//" + value)
        if _host(value) in common_domains() and parts.path.strip("/") == "" and not parts.query:
            return None
    return LinkId(f"{kind}:{value}", kind, float(weight))


def parse(identifier: str) -> LinkId | None:
    """A typed identifier (``btc:…``), as a person types it in a search box, or None."""
    kind, sep, value = identifier.strip().partition(":")
    if not sep:
        return None
    return link_id(kind, value)
