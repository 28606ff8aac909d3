"""Shared finder for payment-app usernames: a payment link (``revolut.me/name``) and, where the app has
one, a written tag (``@name`` near the app's name, Cash App's ``$cashtag``). Each kind module registers its
own patterns and examples; this module only does the matching. Findings are derived (non-exclusive), so the
link itself is still found as a ``url`` too. Normalised ``app:username`` lowercase."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Hit, Scan

_RESERVED = frozenset(
    [
        "login",
        "signup",
        "help",
        "support",
        "home",
        "app",
        "download",
        "legal",
        "about",
        "privacy",
        "terms",
        "business",
        "en",
        "gb",
        "us",
        "u",
        "pay",
        "webapps",
        "cgi-bin",
    ]
)


def link_pattern(hosts: str, prefix: str = "") -> re.Pattern[str]:
    """Host alternatives (regex) followed by an optional path ``prefix`` and the username segment."""
    return re.compile(
        r"(?<![\w.-])(?:https?://)?(?:www\.)?(?:"
        + hosts
        + r")/"
        + prefix
        + r"([A-Za-z0-9][A-Za-z0-9_.\-]{0,39})",
        re.I,
    )


def find_links(
    scan: Scan, kind: str, app: str, link: re.Pattern[str], confidence: float = 0.95
) -> Iterator[Hit]:
    for ws, we in scan.windows(kind):
        for m in link.finditer(scan.text, ws, we):
            user = m.group(1).rstrip(".-_")
            if not user or user.lower() in _RESERVED:
                continue
            end = m.start(1) + len(user)
            yield Hit(
                kind,
                m.start(),
                end,
                scan.text[m.start() : end],
                f"{app}:{user.lower()}",
                True,
                confidence,
                {"app": app, "via": "link"},
                60,
                exclusive=False,
            )


def find_tags(
    scan: Scan,
    kind: str,
    app: str,
    tag: re.Pattern[str],
    near: re.Pattern[str] | None,
    confidence: float = 0.8,
    before: int = 60,
    after: int = 60,
) -> Iterator[Hit]:
    """Written tags (group 1 = the username); with ``near``, only when the app's name is close by."""
    for ws, we in scan.windows(kind):
        for m in tag.finditer(scan.text, ws, we):
            if near is not None and not scan.near(m.start(), m.end(), near, before, after):
                continue
            user = m.group(1)
            yield Hit(
                kind,
                m.start(),
                m.end(),
                m.group(),
                f"{app}:{user.lower()}",
                True,
                confidence,
                {"app": app, "via": "tag"},
                60,
                exclusive=False,
            )
