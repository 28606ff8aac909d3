"""Page rendering: one Jinja2 environment (autoescaped) and the context every page shares."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from haven.core.errors import HavenError
from haven.web import flag_words, i18n, links, words


def env(lang: str | None = None) -> jinja2.Environment:
    """The template environment for ``lang`` (default: the current request's language)."""
    return _env(lang or i18n.current())


@cache
def _env(lang: str) -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.PackageLoader("haven.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    e.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    e.filters["when"] = _when
    e.filters["contact_links"] = links.contact_links
    e.filters["site_link"] = links.site_link
    e.filters["flag_label"] = flag_words.flag_label
    e.filters["flag_explanation"] = flag_words.explanation
    e.filters["kind_label"] = words.kind_label
    e.filters["format_label"] = words.format_label
    e.filters["detail_value"] = words.detail_value
    e.filters["basis_text"] = words.basis_text
    e.filters["context_text"] = words.context_text
    e.filters["notice_text"] = words.notice_text
    e.globals["quote"] = words.quote
    e.globals["tel_href"] = links.tel_href
    e.globals["sms_href"] = links.sms_href
    e.globals["url_href"] = links.url_href
    e.globals["lang"] = lang
    e.globals["html_lang"] = i18n.html_lang(lang)
    return e


def language_links(request: Request) -> list[dict[str, str]]:
    """A link to this page in each other language (works without JavaScript)."""
    here = i18n.current()
    links = []
    for code in i18n.languages():
        if code == here:
            continue
        if request.method == "GET":
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
            query = urlencode([*kept, ("lang", code)])
            href = f"{request.url.path}?{query}"
        else:
            href = f"/home?lang={code}"
        links.append({"code": code, "name": i18n.language_name(code), "href": href})
    return links


def _when(value: Any) -> str:
    """A time as people read it: ``23 Nov 2026, 14:05 UTC``."""
    if value is None or value == "":
        return i18n.gettext("time not known")
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
        plan = build_plan(Answers.from_dict(session.answers), lang=i18n.current())
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
        "languages": language_links(request),
    }
    base.update(context)
    # Messages made in code (errors, a problem's message) are English msgids: show them in the page's
    # language where the catalogue has them (see ``messages.py`` for the ones from other modules).
    base["errors"] = [{**e, "text": i18n.gettext(e["text"])} for e in base["errors"]]
    if isinstance(base.get("message"), str):
        base["message"] = i18n.gettext(base["message"])
    html = env().get_template(template).render(**base)
    return HTMLResponse(html, status_code=status_code)
