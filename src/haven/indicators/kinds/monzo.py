"""``monzo``: Monzo.me payment links (``monzo.me/name``, optionally with an amount). Normalised
``monzo:name``."""

from __future__ import annotations

from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.kinds._paylink import find_links, link_pattern

_LINK = link_pattern(r"monzo\.me")


@register(
    "monzo",
    "Monzo.me payment link: monzo.me/name",
    [
        Example("just pay here monzo.me/danielr/250", ("monzo:danielr",)),
        Example("https://monzo.me/amy-lou", ("monzo:amy-lou",)),
        Example("my bank is monzo, it's great"),
        Example("see monzo.com/help"),
    ],
    triggers=[(r"(?i)monzo\.me/", 40, 45)],
)
def find(scan: Scan) -> Iterator[Hit]:
    yield from find_links(scan, "monzo", "monzo", _LINK)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK = hinted(_LINK)
