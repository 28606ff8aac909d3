"""``revolut``: Revolut usernames (Revtags) from payment links (``revolut.me/name``) or written as
``@name`` next to the word Revolut / Revtag. Normalised ``revolut:name``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._paylink import find_links, find_tags, link_pattern

_LINK = link_pattern(r"revolut\.me")
_TAG = re.compile(r"(?<![\w@$])@([A-Za-z][A-Za-z0-9_.]{2,29})(?![\w@])")
_NEAR = re.compile(r"revolut|revtag")


@register(
    "revolut",
    "Revolut username (Revtag): revolut.me/name, or @name next to the word Revolut",
    [
        Example("send it to revolut.me/mark_o22 now", ("revolut:mark_o22",)),
        Example("my revolut is @kasia.pl, pay there", ("revolut:kasia.pl",)),
        Example("Revtag: @johnny88", ("revolut:johnny88",)),
        Example("follow me @kasia.pl on insta"),
        Example("i use revolut for travel, it's a good bank"),
    ],
    triggers=[(r"(?i)revolut|revtag", 60, 60)],
)
def find(scan: Scan) -> Iterator[Hit]:
    seen: set[int] = set()
    for hit in find_links(scan, "revolut", "revolut", _LINK):
        seen.add(hit.start)
        yield hit
    for hit in find_tags(scan, "revolut", "revolut", _TAG, _NEAR):
        if hit.start not in seen:
            yield hit


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK = hinted(_LINK)
_TAG = hinted(_TAG)
