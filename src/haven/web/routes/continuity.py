"""The continuity statement in the app: the first-person draft the person reads, corrects and gives to the
officer taking their statement (``haven.report.continuity``), as a page and as a text download, and the
initials of the exhibit numbers (changeable until the case is first exported)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from haven.core.errors import HavenError
from haven.web.forms import small_form
from haven.web.render import page

router = APIRouter()


@router.get("/report/continuity", response_class=HTMLResponse)
async def continuity(request: Request) -> Response:
    from haven.report.continuity import case_statement
    from haven.report.exhibits import exported, initials_of

    vault = request.app.state.session.vault
    if vault is None:
        return RedirectResponse("/evidence", status_code=303)
    text = await run_in_threadpool(case_statement, vault)
    errors = request.app.state.session.flash.pop("continuity_errors", [])
    paragraphs = text.strip().split("\n\n")
    return page(request, "continuity.html", back="/report", tab="report", paragraphs=paragraphs,
                initials=initials_of(vault.case), locked=exported(vault), errors=errors)


@router.get("/report/continuity.txt")
async def continuity_text(request: Request) -> Response:
    from haven.report.continuity import case_statement

    vault = request.app.state.session.vault
    if vault is None:
        return RedirectResponse("/evidence", status_code=303)
    text = await run_in_threadpool(case_statement, vault)
    disposition = 'attachment; filename="continuity-statement.txt"'
    return PlainTextResponse(text, headers={"Content-Disposition": disposition})


@router.post("/report/continuity/initials")
async def set_initials(request: Request) -> Response:
    from haven.report.exhibits import set_initials as save

    fields = await small_form(request)
    vault = request.app.state.session.vault
    if vault is None:
        return RedirectResponse("/evidence", status_code=303)
    try:
        save(vault, (fields.get("initials") or [""])[0])
    except HavenError as exc:
        request.app.state.session.flash["continuity_errors"] = [{"field": "initials", "text": exc.message}]
    return RedirectResponse("/report/continuity", status_code=303)
