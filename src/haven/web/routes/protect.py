"""Protect my images: the person picks pictures or videos; Haven, on this computer, makes their hashes
(PDQ / vPDQ / MD5 / SHA-256) from an in-memory copy that is dropped straight after. A protection case is
made; its number and PIN are shown once. The export holds hashes only, for StopNCII (18+) or
Take It Down / Report Remove (under 18)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import HavenError
from haven.web.forms import after_upload, file_form, first, small_form
from haven.web.render import page
from haven.web.uploads import MemFile, exposed

router = APIRouter()


def _form_page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    age = request.app.state.session.answers.get("age", "")
    base = {"back": "/home", "age": age}
    base.update(ctx)
    return page(request, "protect.html", status_code=status_code, **base)


@router.get("/protect", response_class=HTMLResponse)
def protect(request: Request) -> Response:
    return _form_page(request)


def _make_case(request: Request, files: list[MemFile], age: int | None) -> tuple[Any, str]:
    from haven.protect.case import ProtectCase

    settings = request.app.state.settings
    with exposed(settings.run_dir, files) as paths:
        case, pin = ProtectCase.create(list(paths), store=settings.protect_dir, age=age)
        names = {str(p): f"{f.filename} (chosen in the browser)" for p, f in zip(paths, files, strict=True)}
    for entry in case.files:
        entry["path"] = names.get(entry.get("path", ""), entry.get("path", ""))
        if entry.get("error"):
            entry["error"] = str(entry["error"]).replace(str(settings.run_dir), "")
    case.save()
    return case, pin


@router.post("/protect", response_class=HTMLResponse)
async def protect_post(request: Request) -> Response:
    try:
        form = await file_form(request)
    except HavenError as exc:
        return _form_page(request, 400, errors=[{"field": "files", "text": exc.message}])
    with form:
        age_text = form.get("age").strip()
        files = form.file_list("files")
        errors = []
        age = None
        if age_text:
            if age_text.isdigit() and 0 < int(age_text) < 130:
                age = int(age_text)
            else:
                errors.append({"field": "age", "text": "Please type your age as a number, like 16."})
        if not files:
            errors.append({"field": "files", "text": "Please choose at least one picture or video."})
        if errors:
            return _form_page(request, 400, errors=errors, age=age_text)
        try:
            case, pin = await run_in_threadpool(_make_case, request, files, age)
        except HavenError as exc:
            return _form_page(request, 400, errors=[{"field": "files", "text": exc.message}], age=age_text)
    flash = request.app.state.session.flash
    flash["pin"] = pin
    flash["protect_case"] = case.case_number
    return after_upload(request, "/protect/done")


@router.get("/protect/done", response_class=HTMLResponse)
def done(request: Request) -> Response:
    from haven.protect.case import ProtectCase

    flash = request.app.state.session.flash
    number = flash.get("protect_case")
    if not number:
        return RedirectResponse("/protect", status_code=303)
    case = ProtectCase.load(number, store=request.app.state.settings.protect_dir)
    pin = flash.pop("pin", None)  # shown once
    return page(
        request,
        "protect_done.html",
        back="/protect",
        case=case,
        pin=pin,
        services=case.services(),
        hashed=[f for f in case.files if not f.get("error")],
        failed=[f for f in case.files if f.get("error")],
    )


@router.post("/protect/export")
async def export(request: Request) -> Response:
    from haven.protect.case import ProtectCase

    fields = await small_form(request)
    number = first(fields, "case")
    if number != request.app.state.session.flash.get("protect_case"):
        return RedirectResponse("/protect", status_code=303)
    case = ProtectCase.load(number, store=request.app.state.settings.protect_dir)
    data = json.dumps(case.submission(), indent=2) + "\n"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{case.case_number}-hashes.json"'},
    )
