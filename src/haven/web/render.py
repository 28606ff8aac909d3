"""Page rendering: one Jinja2 environment (autoescaped) and the context every page shares."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from haven.core.errors import HavenError


@cache
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.PackageLoader("haven.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    e.filters["when"] = _when
    return e


def _when(value: Any) -> str:
    """A time as people read it: ``23 Nov 2026, 14:05 UTC``."""
    if value is None or value == "":
        return "time not known"
    from datetime import datetime

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.strftime("%-d %b %Y, %H:%M UTC")


def crisis_steps(session: Any) -> list[Any]:
    """The plan's crisis steps when the person said they may hurt themselves, else nothing."""
    if not session.answers:
        return []
    from haven.guide import Answers, build_plan

    try:
        plan = build_plan(Answers.from_dict(session.answers))
    except HavenError:
        return []
    return [s for s in plan.steps if s.id.startswith("crisis-")] if plan.crisis else []


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = request.app.state.session
    base = {
        "request": request,
        "csrf": session.csrf,
        "case_name": session.case_name,
        "vault_open": session.vault is not None,
        "crisis": crisis_steps(session),
        "neutral_url": request.app.state.settings.neutral_url,
        "errors": [],
        "back": None,
    }
    base.update(context)
    html = env().get_template(template).render(**base)
    return HTMLResponse(html, status_code=status_code)
