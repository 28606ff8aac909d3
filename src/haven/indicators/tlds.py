"""The curated top-level-domain list (``data/tlds.txt``) used to accept bare domains."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def bare_tlds() -> frozenset[str]:
    text = files("haven.indicators").joinpath("data/tlds.txt").read_text(encoding="utf-8")
    words = (w for line in text.splitlines() if not line.startswith("#") for w in line.split())
    return frozenset(words)
