"""``amount``: money demanded or paid in an extortion — ``£500``, ``1450 USD``, ``0.05 BTC``, ``2k`` —
normalised ``CUR:NUMBER`` (``GBP:500``, ``USD:1450``, ``BTC:0.05``). Only amounts with demand or payment
words around them ("send", "pay", "I paid", "or else") and without everyday-spending words ("dinner",
"ticket", "rent", "price", "buy" unless what is bought is a gift card) count: ordinary prices are not
offender details."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from haven.indicators.base import Caseless, Example, Hit, Scan, register

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,8}))?"
NUMBER = r"(?<![\w.,$£€])" + _NUM
"""A number on its own (not part of a word or a longer number): what ``_NUM_LEADING`` matches."""
# The same number, written to start with a plain digit so the regex engine can skip to digits quickly;
# the look-behind after the first digit is the ``(?<![\w.,$£€])`` in front of it.
_NUM_LEADING = r"(\d(?<![\w.,$£€]\d)(?:\d{0,2}(?:,\d{3})+|\d*))(?:\.(\d{1,8}))?"
_SYM = Caseless(
    r"(?<![\w$£€])(£|€|\$|us\$|usd|gbp|eur|btc|eth|usdt|inr|₹|ngn|₦)\s?"
    + _NUM
    + r"(?:\s?(k|grand)\b)?(?![\d,])",
)
_WORD = Caseless(
    _NUM_LEADING
    + r"\s{0,3}(k\s?)?((?:pounds?|quid|gbp|usd|(?:united\s+states\s+|us\s+|american\s+)?dollars?|"
    r"bucks|eur|euros?|btc|bitcoins?|eth|ethereum|usdt|inr|rupees?|naira|ngn)\b|[£€$])",
)
_CURRENCY = {
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "btc": "BTC",
    "bitcoin": "BTC",
    "bitcoins": "BTC",
    "eth": "ETH",
    "ethereum": "ETH",
    "usdt": "USDT",
    "inr": "INR",
    "₹": "INR",
    "rupee": "INR",
    "rupees": "INR",
    "ngn": "NGN",
    "₦": "NGN",
    "naira": "NGN",
}
_DEMAND = re.compile(
    r"\b(?:send|sent|pay|paid|paying|payment|transfer|transferred|wire|deposit|give me|want|need|owe|demand|"
    r"require|or else|or i|or your|otherwise|ransom|fee|to delete|to remove|to stop|cost you|will cost|"
    r"to keep|keep quiet|silence|in btc|in bitcoin|bitcoin|btc|gift card|moneygram|western union|cash\s?app|"
    r"venmo|paypal|zelle|extort\w*|blackmail\w*|asked for|asking for|demanded|demanding|"
    r"or the (?:video|pics?|"
    r"photos?|clip)|pa(?:ie|ye|yer|yez)|envoie|envoyer|paga|pagar|pague|manda|mándame|envía|zahl\w*|"
    r"überweis\w*|tala|anfon\w*)\b"
)
_STRONG = re.compile(
    r"\b(?:or else|or i|or your|ransom|to delete|extort\w*|blackmail\w*|to remove|"
    r"or everyone|or they|or all)\b"
)
_ORDINARY = re.compile(
    r"\b(?:dinner|lunch|breakfast|ticket|tickets|rent|bill|bills|shopping|groceries|uber|taxi|pizza|"
    r"coffee|drinks?|price|prices|priced|sale|discount|off|per|each|salary|wage|costs?(?! you)|"
    r"spent|pay (?:you|u) back|paid (?:you|u) back|split|concert|cinema|movie|film|netflix|subscription|"
    r"deposit on|"
    r"fare|petrol|gas|shoes|jacket|dress|phone bill|quote|was|were|cheap|expensive|worth|raise|"
    r"earn\w*|won|win|lottery|pocket money|birthday)\b"
)

# Buying is everyday spending, except buying gift cards or vouchers: a common way extortion is paid.
_BUYING = re.compile(r"\b(?:bought|buy|buying)\b")
_GIFT = re.compile(
    r"\b(?:gift\s?cards?|vouchers?|paysafe\s?cards?|(?:steam|amazon|itunes|apple|google\s?play|play\s?store)"
    r"\s(?:gift\s)?cards?)\b"
)


def _everyday(low: str, s: int, e: int, window: str) -> bool:
    a, b = max(0, s - 35), min(len(low), e + 45)
    if _ORDINARY.search(low, a, b):
        return True
    return _BUYING.search(low, a, b) is not None and _GIFT.search(window) is None


def _number(whole: str, frac: str | None, mult: str | None) -> str | None:
    try:
        n = Decimal(whole.replace(",", "") + ("." + frac if frac else ""))
    except InvalidOperation:
        return None
    if mult:
        n *= 1000
    text = format(n.normalize(), "f")
    return text


@register(
    "amount",
    "Amount of money demanded or paid (with currency), never ordinary prices",
    [
        Example("Send me £500 now or I post it", ("GBP:500",)),
        Example("pay 1,450 USD in bitcoin within 48 hours", ("USD:1450",)),
        Example("transfer 0.05 BTC to my wallet or else", ("BTC:0.05",)),
        Example("I already paid him $200 yesterday and he wants 2k more", ("USD:200",)),
        Example("I want €1.000 or your family sees", ("EUR:1000",)),
        Example("dinner was £45 and the tickets cost £20 each"),
        Example("the jacket is on sale for $79.99"),
        Example("go buy 3 amazon gift cards of £100 and send the codes", ("GBP:100",)),
        Example("I bought the £40 trainers, send me a pic when you get yours"),
    ],
    triggers=[
        ("£|€|\\$|₹|₦", 6, 30),
        (r"(?i)(usd|gbp|eur|btc|eth|usdt|inr|ngn)\s?\d", 4, 30),
        (
            r"(?i)\d\s{0,3}(k\s?)?(pounds?|quid|gbp|usd|united|dollars?|bucks|eur|euros?|btc|bitcoins?|eth|ethereum|usdt|inr|"
            r"rupees?|naira|ngn)",
            30,
            30,
        ),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    windows = scan.windows("amount")
    low = scan.lower
    spans: list[tuple[int, int, str, str]] = []
    for m in (m for ws, we in windows for m in _SYM.finditer(scan, ws, we)):
        cur = _CURRENCY[m.group(1).lower()]
        whole, frac = m.group(2), m.group(3)
        if cur == "EUR" and frac and len(frac) == 3 and "," not in whole:  # "€1.000" = one thousand
            whole, frac = whole + frac, None
        num = _number(whole, frac, m.group(4))
        if num:
            spans.append((m.start(), m.end(), cur, num))
    # The spans found so far never overlap, so sorted starts and ends tell by bisection whether a new one
    # overlaps any of them.
    starts = [s for s, _, _, _ in spans]
    ends = [e for _, e, _, _ in spans]
    for m in (m for ws, we in windows for m in _WORD.finditer(scan, ws, we)):
        cur = _CURRENCY.get(m.group(4).lower().split()[-1])  # type: ignore[assignment]
        num = _number(m.group(1), m.group(2), m.group(3))
        if not (cur and num):
            continue
        i = bisect_left(ends, m.start() + 1)  # the first span ending after m starts
        if i < len(starts) and starts[i] < m.end():
            continue
        spans.append((m.start(), m.end(), cur, num))
        starts.insert(i, m.start())
        ends.insert(i, m.end())
    for s, e, cur, num in spans:
        if num == "0":
            continue
        a, b = max(0, s - 70), min(len(low), e + 60)
        window = low[a:b]
        strong = _STRONG.search(window)
        if not strong and (not _DEMAND.search(window) or _everyday(low, s, e, window)):
            continue
        yield Hit("amount", s, e, text[s:e], f"{cur}:{num}", True, 0.8, {"currency": cur}, 40)
