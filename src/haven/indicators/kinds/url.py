"""``url``: web links, including defanged ones (``hxxps://evil[.]com``). Normalised with the defanging
undone and the scheme and host lowercased. Each URL also yields its host as a derived ``domain`` finding."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, hinted, register
from haven.indicators.tlds import bare_tlds

_URL = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:h(?:tt|xx|XX|TT)ps?|H(?:TT|XX)PS?|fxp|ftp)(?::|\[:\])//|www(?:\.|\[\.\]|\(\.\)))"
    r"[^\s<>\"'`]+"
)
# Bare "site.tld/path" (no scheme, no www): anchored on the dot before a known TLD followed by "/".
_BARE = re.compile(r"(?:\.|\[\.\]|\(\.\))([a-zA-Z]{2,12})/[^\s<>\"'`]*")
_BARE_LEFT = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.|\[\.\]|\(\.\)))*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[/\]")
_TRAIL = ".,;:!?'\"*"
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/?#]*@)?([^/?#:]+)")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.[]()")


def label_run_start(text: str, end: int, limit: int) -> int:
    """Where the run of host-name characters (letters, digits, ``-``, ``.`` and the defanging brackets)
    that ends at ``end`` begins, at most ``limit`` characters back. A host name that ends at ``end`` can
    only start inside this run, so searching for it from here finds the same match as searching from
    ``end - limit``, without trying every position of the text before it."""
    lo = max(0, end - limit)
    i = end
    while i > lo and text[i - 1] in _LABEL_CHARS:
        i -= 1
    return i


def undefang(value: str) -> str:
    out = _DEFANG.sub(lambda m: "." if "." in m.group() or "dot" in m.group() else m.group()[1:-1], value)
    low = out[:5].lower()
    if low.startswith("hxxp"):
        out = "http" + out[4:]
    elif low.startswith("fxp"):
        out = "ftp" + out[3:]
    return out


def _trim(value: str) -> str:
    while value and value[-1] in _TRAIL + ")]}":
        c = value[-1]
        if c in ")]}" and value.count({")": "(", "]": "[", "}": "{"}[c]) >= value.count(c):
            break
        value = value[:-1]
    return value


def normalize(value: str) -> tuple[str, str]:
    """(normalised URL, host) for a URL as written."""
    url = undefang(value)
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host_end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i != -1:
            host_end = min(host_end, i)
    host = rest[:host_end].lower()
    url = (scheme.lower() + "://" if sep else "") + host + rest[host_end:]
    hostname = host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    return url, hostname


def url_hits(scan: Scan, start: int, value: str, confidence: float) -> Iterator[Hit]:
    norm, host = normalize(value)
    end = start + len(value)
    yield Hit("url", start, end, value, norm, True, confidence, {"defanged": norm != value}, 75)
    if host and "." in host and not _IP.match(host):
        domain = host[4:] if host.startswith("www.") else host
        yield Hit("domain", start, end, value, domain, True, confidence, {"from": "url"}, 75, exclusive=False)


@register(
    "url",
    "Web link, also defanged (hxxp://, [.]); the normalised form undoes the defanging",
    [
        Example(
            "pay here https://Pay-Now.example.com/invoice?id=7.",
            ("https://pay-now.example.com/invoice?id=7",),
        ),
        Example("go to hxxps://evil[.]xyz/leak (now)", ("https://evil.xyz/leak",)),
        Example("www.Leak-Videos.net/you", ("www.leak-videos.net/you",)),
        Example("see bit.ly/3xYz12", ("bit.ly/3xYz12",)),
        Example("a URL-like version 1.2/3 and http:// alone"),
    ],
    triggers=[
        ("://", 12, 10),
        (r"\[:\]//", 12, 10),
        (r"(?i)www(\.|\[\.\]|\(\.\))", 2, 10),
        (r"(?i)(\.|\[\.\]|\(\.\))[a-z]{2,12}/", 130, 10),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    taken: list[tuple[int, int]] = []
    spans = scan.windows("url")
    for m in (m for ws, we in spans for m in _URL.finditer(text, ws, we)):
        value = _trim(m.group())
        if len(value) < len(m.group()) and value.endswith("://"):
            continue
        if "." not in undefang(value).split("://")[-1]:
            continue
        taken.append((m.start(), m.start() + len(value)))
        yield from url_hits(scan, m.start(), value, 0.95)
    tlds = bare_tlds()
    for m in (m for ws, we in spans for m in _BARE.finditer(text, ws, we)):
        if m.group(1).lower() not in tlds or any(s <= m.start() < e for s, e in taken):
            continue
        left = _BARE_LEFT.search(text, label_run_start(text, m.start(), 120), m.start())
        if left is None or (left.start() > 0 and text[left.start() - 1] in "@/:.-_"):
            continue
        value = _trim(text[left.start() : m.end()])
        yield from url_hits(scan, left.start(), value, 0.85)


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_URL = hinted(_URL)
