"""Check a suspicious email: paste it or choose the saved file (.eml, .msg, .txt). The check runs on
this computer (``haven.mail.check_email``); nothing is looked up online."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import HavenError
from haven.web import mail_words
from haven.web.forms import after_upload, file_form, small_form
from haven.web.i18n import N_
from haven.web.i18n import gettext as _
from haven.web.render import page

router = APIRouter()
EMAIL_LIMIT = 25 * 1024 * 1024

VERDICT_TEXT = {
    "scam-bluff": (
        N_("This looks like a mass scam email"),
        N_("It is sent to many people at once. They almost never have any video."),
    ),
    "targeted": (
        N_("This looks like a real threat to you"),
        N_("It has details about you. Treat it as real, and get help."),
    ),
    "not-sextortion": (
        N_("This does not look like a blackmail email"),
        N_("Haven did not find the signs of a blackmail scam."),
    ),
}


@router.get("/email", response_class=HTMLResponse)
def email_form(request: Request) -> Response:
    return page(request, "email.html", back="/home")


def _check(data: bytes, filename: str) -> dict[str, Any]:
    from haven.mail import check_email

    return check_email(data, filename).to_dict()


@router.post("/email", response_class=HTMLResponse)
async def email_check(request: Request) -> Response:
    try:
        form = await file_form(request)
    except HavenError as exc:
        return page(
            request, "email.html", 400, back="/home", errors=[{"field": "email", "text": exc.message}]
        )
    with form:
        files = form.file_list("file")
        pasted = form.get("email")
        if files and files[0].size > EMAIL_LIMIT:
            return page(
                request,
                "email.html",
                400,
                back="/home",
                errors=[{"field": "file", "text": _("That file is too big to be one email.")}],
            )
        if files and files[0].size:
            data, name = files[0].read_all(), files[0].filename
        elif pasted.strip():
            data, name = pasted.encode("utf-8"), "pasted.txt"
        else:
            return page(
                request,
                "email.html",
                400,
                back="/home",
                errors=[
                    {"field": "email", "text": _("Please paste the email, or choose the saved email file.")}
                ],
            )
    try:
        result = await run_in_threadpool(_check, data, name)
    except HavenError as exc:
        return page(
            request, "email.html", 400, back="/home", errors=[{"field": "email", "text": exc.message}]
        )
    request.app.state.session.flash["email"] = result
    request.app.state.session.flash["email_raw"] = (data, name)
    return after_upload(request, "/email/result")


@router.get("/email/result", response_class=HTMLResponse)
def email_result(request: Request) -> Response:
    result = request.app.state.session.flash.get("email")
    if result is None:
        return RedirectResponse("/email", status_code=303)
    title, meaning = VERDICT_TEXT.get(result["verdict"], (result["verdict"], ""))
    title, meaning = _(title), _(meaning) if meaning else ""
    return page(
        request,
        "email_result.html",
        back="/email",
        r=result,
        title=title,
        meaning=meaning,
        reasons=mail_words.reasons(result),
        advice=[mail_words.advice(a) for a in result.get("advice") or []],
    )


@router.post("/email/keep")
async def email_keep(request: Request) -> Response:
    """Add the email just checked to the open case, through the same in-memory path as any upload."""
    from haven.web.routes.evidence import import_files
    from haven.web.uploads import MemFile

    await small_form(request)
    session = request.app.state.session
    raw = session.flash.get("email_raw")
    if session.vault is None or raw is None:
        return RedirectResponse("/evidence", status_code=303)
    data, name = raw
    mem = MemFile(name if name != "pasted.txt" else "pasted-email.eml", "message/rfc822")
    try:
        mem.write(data)
        result = await run_in_threadpool(import_files, request, session.vault, [mem], False)
    finally:
        mem.close()
    session.cache.clear()
    session.flash["import"] = result
    return RedirectResponse("/evidence/added", status_code=303)
