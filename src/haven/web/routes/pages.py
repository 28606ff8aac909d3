"""The simple pages: Start (the interruption page), Home, Support, Privacy, and the two ways out
(quick exit, lock)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import BadAnswers
from haven.guide import Answers, services_for
from haven.guide.knowledge import questions
from haven.web import i18n
from haven.web.forms import first, small_form
from haven.web.i18n import gettext as _
from haven.web.render import page
from haven.web.security import cookie_name

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def start(request: Request) -> Response:
    return page(request, "start.html", held=bool(request.app.state.session.held_answers))


@router.post("/resume")
async def resume(request: Request) -> Response:
    """After opening Haven in a new browser: carry on with the earlier answers, or start fresh."""
    fields = await small_form(request)
    request.app.state.session.resume(first(fields, "choice") == "continue")
    return RedirectResponse("/", status_code=303)


@router.get("/home", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return page(request, "home.html", back="/")


def _region_choices() -> list[tuple[str, str]]:
    q = next(q for q in questions(i18n.current()) if q.id == "region")
    return [(c.value, c.label) for c in q.choices]


@router.get("/support", response_class=HTMLResponse)
def support(request: Request) -> Response:
    session = request.app.state.session
    age = session.answers.get("age")
    region = session.answers.get("region")
    known = age is not None or region is not None
    services = services_for(age, region, i18n.current()) if known else None
    return page(
        request,
        "support.html",
        back="/home",
        age=age,
        region=region,
        regions=_region_choices(),
        services=services,
    )


@router.post("/support", response_class=HTMLResponse)
async def support_post(request: Request) -> Response:
    fields = await small_form(request)
    session = request.app.state.session
    age, region = first(fields, "age").strip(), first(fields, "region")
    try:
        answers = Answers.from_dict({**session.answers, "age": age or None, "region": region or None})
    except BadAnswers as exc:
        age_msg = _("Please type your age as a number, like 16.")
        msg = age_msg if exc.key == "age" else _("Please pick a place.")
        return page(
            request,
            "support.html",
            status_code=400,
            back="/home",
            age=age,
            region=region,
            regions=_region_choices(),
            services=None,
            errors=[{"field": exc.key or "age", "text": msg}],
        )
    session.answers = answers.to_dict()
    return RedirectResponse("/support", status_code=303)


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> Response:
    settings = request.app.state.settings
    return page(
        request,
        "privacy.html",
        back="/home",
        home=str(settings.home),
        cases_dir=str(settings.cases_dir),
        protect_dir=str(settings.protect_dir),
        lock_minutes=max(1, round(settings.lock_after / 60)),
    )


@router.post("/exit")
async def quick_exit(request: Request) -> Response:
    """Lock everything and send the browser to an everyday site. Works with or without JavaScript.

    Every caller is sent away; the session ends only when the session's own cookie comes with the
    request (the cookie is SameSite=Strict, so another web site cannot end it for you)."""
    session = request.app.state.session
    if session.is_member(request.cookies.get(cookie_name(request.app))):
        session.end()
    response = RedirectResponse(request.app.state.settings.neutral_url, status_code=303)
    response.delete_cookie(cookie_name(request.app), path="/")
    return response


@router.post("/lock")
async def lock(request: Request) -> Response:
    await small_form(request)
    request.app.state.session.lock()
    return RedirectResponse("/evidence?locked=1", status_code=303)
