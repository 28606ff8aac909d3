"""The police "Support and Information" letter (after the template in seed 000), in Markdown or HTML,
with the support services open to the person's age and region; and the plan as Markdown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from haven.core.errors import BadAnswers
from haven.guide.engine import services_for
from haven.guide.models import Answers, Plan, Region
from haven.guide.templating import environment

FORMATS = ("markdown", "html")
LANGS = ("en", "cy")
"""Languages the letter is written in: English (``letter.md.j2``) and each ``letter.<code>.*.j2``."""
MONTHS = {
    "cy": (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    )
}


def _clean(value: str | None, name: str, required: bool) -> str | None:
    if value is None or not str(value).strip():
        if required:
            raise BadAnswers(f"The letter needs a {name}.", key=name)
        return None
    return " ".join(str(value).split())


def _date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadAnswers(f"Bad date {value!r}: use YYYY-MM-DD, like 2026-11-23.", key="date") from None


def render_letter(
    answers: Answers | dict[str, Any],
    force: str,
    reference: str,
    officer: str | None = None,
    date: dt.date | str | None = None,
    fmt: str = "markdown",
    lang: str = "en",
) -> str:
    """The Support and Information letter for a case, in ``lang`` (``en`` or ``cy``). Raises BadAnswers
    on a bad input (named)."""
    if not isinstance(answers, Answers):
        answers = Answers.from_dict(answers)
    if fmt not in FORMATS:
        raise BadAnswers(f"Unknown letter format {fmt!r}: use markdown or html.", key="format")
    if lang not in LANGS:
        raise BadAnswers(f"Unknown letter language {lang!r}: use {' or '.join(LANGS)}.", key="lang")
    force_text = _clean(force, "force", required=True)
    ref_text = _clean(reference, "reference", required=True)
    officer_text = _clean(officer, "officer", required=False)
    when = _date(date)
    ctx = {
        "force": force_text,
        "reference": ref_text,
        "officer": officer_text,
        "date_text": _date_text(when, lang),
        "services": services_for(answers.age, answers.region, lang),
        "scotland": answers.region == Region.scotland or "scotland" in (force_text or "").lower(),
        "abroad": answers.region == Region.outside_uk,
    }
    env = environment()
    kind = "html" if fmt == "html" else "md"
    name = f"letter.{kind}.j2" if lang == "en" else f"letter.{lang}.{kind}.j2"
    return env.get_template(name).render(**ctx)


def _date_text(when: dt.date, lang: str) -> str:
    """``23 November 2026`` (or ``23 Tachwedd 2026`` in Welsh)."""
    if lang in MONTHS:
        return f"{when.day} {MONTHS[lang][when.month - 1]} {when.year}"
    return f"{when.day} {when:%B %Y}"


def render_plan_markdown(plan: Plan) -> str:
    """The plan as a Markdown document (steps in order, then the services)."""
    return environment().get_template("plan.md.j2").render(plan=plan)
