"""``paypalme``: PayPal.me links (``paypal.me/name``, ``paypal.com/paypalme/name``), optionally with an
amount after the name. Normalised ``paypal:name``. (A "paypal me at paypal.me/x" is never an email: see
the ``email`` kind.)"""

from __future__ import annotations

from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._paylink import find_links, link_pattern

_LINK = link_pattern(r"paypal\.me|paypal\.com/paypalme")


@register(
    "paypalme",
    "PayPal.me link: paypal.me/name or paypal.com/paypalme/name",
    [
        Example("paypal me at paypal.me/okafor22", ("paypal:okafor22",)),
        Example("https://www.paypal.com/paypalme/SarahB88/150", ("paypal:sarahb88",)),
        Example("PayPal.me/Big.Dave-1 asap", ("paypal:big.dave-1",)),
        Example("I paid with paypal me yesterday"),
        Example("log in at paypal.com/signin"),
    ],
    triggers=[(r"(?i)paypal\.(me|com/paypalme)/", 40, 50)],
)
def find(scan: Scan) -> Iterator[Hit]:
    yield from find_links(scan, "paypalme", "paypal", _LINK)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK = hinted(_LINK)
