"""``venmo``: Venmo usernames from links (``venmo.com/u/name``, ``venmo.com/name``, ``account.venmo.com/u/
name``) or written as ``@name`` next to the word Venmo. Normalised ``venmo:name``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._paylink import find_links, find_tags, link_pattern

_LINK = link_pattern(r"(?:account\.)?venmo\.com", prefix=r"(?:u/)?")
_TAG = re.compile(r"(?<![\w@$])@([A-Za-z0-9][A-Za-z0-9_-]{4,29})(?![\w@])")
_NEAR = re.compile(r"venmo")


@register(
    "venmo",
    "Venmo username: venmo.com/u/name, or @name next to the word Venmo",
    [
        Example("venmo.com/u/Tyler-Ross-7 send it", ("venmo:tyler-ross-7",)),
        Example("venmo me @Kayla_M99 right now", ("venmo:kayla_m99",)),
        Example("see https://venmo.com/u/login", ()),
        Example("follow @Kayla_M99 on tiktok"),
    ],
    triggers=[(r"(?i)venmo", 60, 60)],
)
def find(scan: Scan) -> Iterator[Hit]:
    seen: set[int] = set()
    for hit in find_links(scan, "venmo", "venmo", _LINK):
        seen.add(hit.start)
        yield hit
    for hit in find_tags(scan, "venmo", "venmo", _TAG, _NEAR):
        if hit.start not in seen:
            yield hit


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK = hinted(_LINK)
_TAG = hinted(_TAG)
