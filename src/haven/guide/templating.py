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


def contact_lines(contact: dict[str, str]) -> list[tuple[str, str]]:
    """Contact details as (label, value) pairs, in a fixed, readable order."""
    return [(label, contact[key]) for key, label in _LABELS.items() if key in contact]
