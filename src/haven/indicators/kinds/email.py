"""``email``: email addresses, including obfuscated ones (``name [at] domain [dot] com``,
``name(at)domain(dot)com``, ``name at domain dot com``). Normalised to lowercase."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register

# Anchored on "@" so ordinary text is skipped fast; the local part is found by walking left.
_AT = re.compile(
    r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})(?![A-Za-z0-9-])"
)
_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'")
# Obfuscations: an [at]/(at)/{at} or " at " marker, and [dot]/(dot)/" dot "/[.] markers.
_OBF_ANCHOR = re.compile(r"[\[({]\s?(?:at|@)\s?[\])}]|\sdot\s|\s@|@\s|[\[({]\s?(?:dot|\.)\s?[\])}]", re.I)
_OBF = re.compile(
    r"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]{0,63})\s*(?:[\[({]\s?(?:at|@)\s?[\])}]|\s+at\s+|@)\s*"
    r"((?:[a-z0-9-]{1,63}\s*(?:[\[({]\s?(?:dot|\.)\s?[\])}]|\s+dot\s+|\.)\s*)+[a-z]{2,24})(?![a-z0-9-])",
    re.I,
)
_LINK_WORDS = re.compile(r"(?i)pay\s?pal|revolut|monzo|venmo|cash\s?app")
_DOT = re.compile(r"\s*(?:[\[({]\s?(?:dot|\.)\s?[\])}]|\s+dot\s+|\.)\s*", re.I)
_OBF_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "co",
        "uk",
        "de",
        "fr",
        "ru",
        "io",
        "me",
        "info",
        "biz",
        "xyz",
        "us",
        "ca",
        "au",
        "in",
        "nl",
        "es",
        "it",
        "mail",
    ]
)


@register(
    "email",
    "Email address, also when written to dodge filters (name [at] domain [dot] com)",
    [
        Example("mail me: Jake.Miller99@Gmail.com!", ("jake.miller99@gmail.com",)),
        Example("write to payme [at] protonmail [dot] com", ("payme@protonmail.com",)),
        Example("contact: hot_girl(at)outlook(dot)co(dot)uk", ("hot_girl@outlook.co.uk",)),
        Example("it's jessy at yahoo dot com", ("jessy@yahoo.com",)),
        Example("meet me at the station dot com is not an email"),
        Example("see @jake on twitter, ping @home"),
        Example("paypal me at paypal.me/okafor22"),
        Example("pay me at monzo.me/danielr"),
        Example("my paypal is john.k at gmail dot com", ("john.k@gmail.com",)),
    ],
    triggers=[("@", 2, 260), (r"(?i)[\[({]\s?(at|@|dot|\.)\s?[\])}]", 90, 130), (r"(?i)\sdot\s", 90, 130)],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    seen: list[tuple[int, int]] = []
    spans = scan.windows("email")
    if "@" in text:
        for m in (m for ws, we in spans for m in _AT.finditer(text, ws, we)):
            i = m.start()
            while i > 0 and text[i - 1] in _LOCAL:
                i -= 1
            while i < m.start() and text[i] in ".'":
                i += 1
            if i == m.start():
                continue
            value = text[i : m.end()]
            seen.append((i, m.end()))
            yield Hit("email", i, m.end(), value, value.lower(), True, 0.95, {}, 80)
    anchors = [a.start() for ws, we in spans for a in _OBF_ANCHOR.finditer(text, ws, we)]
    last_end = -1
    for a in anchors:
        if a < last_end:
            continue
        for m in _OBF.finditer(text, max(0, a - 80), min(len(text), a + 120)):
            if m.start() < last_end or any(s <= m.start() < e for s, e in seen):
                continue
            labels = [p for p in _DOT.split(m.group(2)) if p]
            tld = labels[-1].lower()
            if len(labels) < 2 or (tld not in _OBF_TLDS and "[" not in m.group() and "(" not in m.group()):
                continue
            if text[m.end() : m.end() + 1] == "/" or (
                m.group(1).lower() == "me" and _LINK_WORDS.search(text, max(0, m.start() - 12), m.start())
            ):
                continue  # "paypal me at paypal.me/x": a link after "at", not an address
            last_end = m.end()
            norm = (m.group(1) + "@" + ".".join(labels)).lower()
            yield Hit("email", m.start(), m.end(), m.group(), norm, True, 0.8, {"obfuscated": True}, 80)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_LINK_WORDS = hinted(_LINK_WORDS)
