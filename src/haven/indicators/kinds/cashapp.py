"""``cashapp``: Cash App ``$cashtag``s (a dollar sign, then a letter, then up to 19 letters, digits or
underscores) and ``cash.app/$name`` links. Currency codes (``$USD``) and amounts (``$50``) are not cashtags.
Normalised ``cashapp:name``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._paylink import find_links, find_tags, link_pattern

_LINK = link_pattern(r"cash\.app|cash\.me", prefix=r"\$")
_TAG = re.compile(r"(?<![\w$/])\$([A-Za-z][A-Za-z0-9_]{0,19})(?![\w$])")
_CURRENCIES = frozenset(["usd", "cad", "aud", "nzd", "hkd", "sgd", "mxn", "gbp", "eur", "us", "ca", "au"])


@register(
    "cashapp",
    "Cash App $cashtag or cash.app/$name link",
    [
        Example("pay me on cash app $JakeM2024", ("cashapp:jakem2024",)),
        Example("https://cash.app/$bigmoney_99", ("cashapp:bigmoney_99",)),
        Example("send $Lucy_K the money", ("cashapp:lucy_k",)),
        Example("it costs $50 or 20 USD"),
        Example("price in $USD only"),
    ],
    triggers=[(r"\$[A-Za-z]", 40, 30)],
)
def find(scan: Scan) -> Iterator[Hit]:
    seen: set[int] = set()
    for hit in find_links(scan, "cashapp", "cashapp", _LINK):
        seen.add(hit.end)
        yield hit
    for hit in find_tags(scan, "cashapp", "cashapp", _TAG, None, confidence=0.75):
        if hit.end not in seen and hit.normalized.partition(":")[2] not in _CURRENCIES:
            yield hit


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK = hinted(_LINK)
_TAG = hinted(_TAG)
