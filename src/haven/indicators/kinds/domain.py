"""``domain``: bare domain names written without a link (``leakvids[.]xyz``, ``paypal-secure.com``), for
TLDs in ``data/tlds.txt``. Lowercased, defanging undone. Hosts of links come from the ``url`` kind."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Caseless, Example, Hit, Scan, register
from haven.indicators.kinds.handle import stopwords
from haven.indicators.kinds.url import label_run_start, undefang
from haven.indicators.tlds import bare_tlds

_SEP = r"(?:\.|\[\.\]|\(\.\)|\[dot\])"
_DOTTLD = re.compile(_SEP + r"(?:[A-Za-z0-9-]{1,63}" + _SEP + r")*([a-zA-Z]{2,12})(?![A-Za-z0-9_-])")
_LEFT = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.|\[\.\]|\(\.\)|\[dot\]))*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)

# Spaced and spoken defanging: "leakvault [.] cc", "leakvault{.}cc", "leak-vids (dot) net", "leakvids dot
# net", "leakvids point com", "punto", "ponto", "punkt". Group 1 = the labels with their separators,
# 2 = the TLD. Spoken words are taken only before common generic TLDs ("mon point de vue" is no domain).
_SPACED_SEP = (
    r"(?:\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[point\]|\(point\))\s?"
    r"|\s(?:dot|point|punto|ponto|punkt)\s)"
)
_SPACED = Caseless(
    r"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?" + _SPACED_SEP + r")+)([a-z]{2,12})(?![\w-])"
)
_SPACED_PART = re.compile(_SPACED_SEP)
_SPACED_QUICK = re.compile(
    r"\[\.\]|\(\.\)|\{\.\}|[\[({](?:dot|point)[\])}]|\s(?:dot|point|punto|ponto|punkt)\s"
)
"""What every spaced or spoken separator contains: the full regex runs only around one."""
_SPOKEN_TLDS = frozenset(
    ("com", "net", "org", "info", "xyz", "cc", "io", "co", "ru", "top", "site", "online", "club", "live",
     "biz", "app", "link", "vip", "tv", "ws", "su", "pw", "icu")
)  # fmt: skip


def _spaced(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    tlds = bare_tlds()
    stop = stopwords()
    low = scan.lower
    around: list[tuple[int, int]] = []
    for ws, we in scan.windows("domain"):
        for q in _SPACED_QUICK.finditer(low, ws, we):
            a, b = max(ws, q.start() - 200), min(we, q.end() + 14)
            if around and a <= around[-1][1]:
                around[-1] = (around[-1][0], max(b, around[-1][1]))
            else:
                around.append((a, b))
    for m in (m for ws, we in around for m in _SPACED.finditer(scan, ws, we)):
        tld = m.group(2).lower()
        seps = _SPACED_PART.findall(scan.lower, m.start(1), m.end(1))
        if tld not in tlds or not any(" " in p or "{" in p or "dot" in p or "point" in p for p in seps):
            continue  # the unspaced "[.]" forms are the regex above's
        labels = _SPACED_PART.split(scan.lower[m.start(1) : m.end(1)])[:-1]
        spoken = any(p.strip() in ("dot", "point", "punto", "ponto", "punkt") for p in seps)
        if spoken and (tld not in _SPOKEN_TLDS or any(lab in stop or lab.isdigit() for lab in labels)):
            continue
        norm = ".".join([*labels, tld])
        yield Hit("domain", m.start(), m.end(), text[m.start() : m.end()], norm, True, 0.65, {}, 20)


@register(
    "domain",
    "Domain name written on its own (also defanged), for well-known top-level domains",
    [
        Example("check leakvids[.]xyz tonight", ("leakvids.xyz",)),
        Example("It's on Private-Pics.Com.", ("private-pics.com",)),
        Example("see README.md and setup.py, e.g. this"),
        Example("mail me at a@b.com"),
        Example("the videos go up on leakvault [.] cc tonight", ("leakvault.cc",)),
        Example("check leak-vids(dot)net and exposed{.}xyz", ("leak-vids.net", "exposed.xyz")),
        Example("it will be on shamefiles dot net for everyone", ("shamefiles.net",)),
        Example("regarde sur fuites-privees point com", ("fuites-privees.com",)),
        Example("mira en videos-filtrados punto com", ("videos-filtrados.com",)),
        Example("olha no vazados ponto net", ("vazados.net",)),
        Example("schau auf geleakt punkt com", ("geleakt.com",)),
        Example("leakvault(.)cc and mirror [.] leakvault [.] cc", ("leakvault.cc", "mirror.leakvault.cc")),
        Example("the dot com bubble, my point de vue, polka dots"),
        Example("I got 3 dot points to make, and the ponto de ônibus"),
    ],
    triggers=[
        (r"(?i)(\.|\[\.\]|\(\.\)|\[dot\])(" + "|".join(sorted(bare_tlds())) + ")", 200, 2),
        (
            r"(?i)(\s?(\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[point\]|\(point\))\s?|\s(dot|point|punto|ponto|punkt)\s)[a-z]",
            200,
            14,
        ),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    tlds = bare_tlds()
    last = -1
    for m in (m for ws, we in scan.windows("domain") for m in _DOTTLD.finditer(text, ws, we)):
        if m.group(1).lower() not in tlds or m.start() < last:
            continue
        left = _LEFT.search(text, label_run_start(text, m.start(), 200), m.start())
        if left is None:
            continue
        s = left.start()
        if s > 0 and text[s - 1] in "@/:.-_\\":
            continue
        value = text[s : m.end()]
        norm = undefang(value).lower()
        if norm.replace(".", "").isdigit():
            continue
        last = m.end()
        yield Hit("domain", s, m.end(), value, norm, True, 0.7, {}, 20)
    yield from _spaced(scan)
