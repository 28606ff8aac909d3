"""The Jinja2 environment for the guide's templates (``templates/``): Markdown and HTML.

HTML templates are autoescaped, so a force name or reference typed by a user cannot inject markup.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("haven.guide", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["contact_lines"] = contact_lines
    env.filters["contact_lines_cy"] = lambda contact: contact_lines(contact, "cy")
    env.filters["md"] = md_escape
    return env


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """One line of user text, safe to put in Markdown (no markup, no new lines)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


_LABELS = {
    "phone": "Phone",
    "text": "Text",
    "textphone": "Textphone",
    "emergency_textphone": "Emergency textphone",
    "email": "Email",
    "url": "Website",
    "report_url": "Report online",
    "hours": "Open",
}


_LABELS_BY_LANG = {
    "cy": {
        "phone": "Ffôn",
        "text": "Neges destun",
        "textphone": "Ffôn testun",
        "emergency_textphone": "Ffôn testun argyfwng",
        "email": "E-bost",
        "url": "Gwefan",
        "report_url": "Rhoi gwybod ar-lein",
        "hours": "Ar agor",
    }
}
"""The labels in each other language (the same keys as ``_LABELS``)."""


def contact_lines(contact: dict[str, str], lang: str = "en") -> list[tuple[str, str]]:
    """Contact details as (label, value) pairs, in a fixed, readable order, labelled in ``lang``."""
    labels = _LABELS_BY_LANG.get(lang, _LABELS)
    return [(labels[key], contact[key]) for key in _LABELS if key in contact]
