"""``domain``: bare domain names written without a link (``leakvids[.]xyz``, ``paypal-secure.com``), for
TLDs in ``data/tlds.txt``. Lowercased, defanging undone. Hosts of links come from the ``url`` kind."""

from __future__ import annotations

import re
from collections.abc import Iterator

from haven.indicators.base import Example, Hit, Scan, register
from haven.indicators.kinds.url import label_run_start, undefang
from haven.indicators.tlds import bare_tlds

_SEP = r"(?:\.|\[\.\]|\(\.\)|\[dot\])"
_DOTTLD = re.compile(_SEP + r"(?:[A-Za-z0-9-]{1,63}" + _SEP + r")*([a-zA-Z]{2,12})(?![A-Za-z0-9_-])")
_LEFT = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.|\[\.\]|\(\.\)|\[dot\]))*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


@register(
    "domain",
    "Domain name written on its own (also defanged), for well-known top-level domains",
    [
        Example("check leakvids[.]xyz tonight", ("leakvids.xyz",)),
        Example("It's on Private-Pics.Com.", ("private-pics.com",)),
        Example("see README.md and setup.py, e.g. this"),
        Example("mail me at a@b.com"),
    ],
    triggers=[(r"(?i)(\.|\[\.\]|\(\.\)|\[dot\])(" + "|".join(sorted(bare_tlds())) + ")", 200, 2)],
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
