"""Protect my pictures, a journey that ends somewhere.

1. ``/protect`` says in plain words what each place does: StopNCII (18+), Take It Down and Report Remove
   (under 18) make their own codes on the person's device, so Haven links to the right one for the age;
   Haven's own codes let the person find copies in a folder, and go to sites that use Haven's bank.
2. The person picks pictures; Haven, on this computer, makes their hashes from an in-memory copy that is
   dropped straight after. A protection case is made, encrypted under its PIN; number and PIN are shown
   once (``/protect/done``).
3. ``/protect/case``: open a case with its number and PIN to see its status, find copies, save the codes,
   withdraw it or delete it, each change after a confirmation page. The open case (with its key) lives in
   the session's memory only, and goes at quick exit or lock.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import HavenError
from haven.web.forms import after_upload, file_form, first, small_form
from haven.web.i18n import N_
from haven.web.i18n import gettext as _
from haven.web.render import page
from haven.web.uploads import MemFile, exposed

router = APIRouter()
WRONG_PIN = N_("That PIN does not match this case. Nothing was changed.")
OPEN = "protect_open"
"""Session flash key: the protection case opened with its PIN (in memory only)."""


def _form_page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    age = request.app.state.session.answers.get("age", "")
    base = {"back": "/home", "age": age}
    base.update(ctx)
    return page(request, "protect.html", status_code=status_code, **base)


def _open_case(request: Request) -> Any:
    return request.app.state.session.flash.get(OPEN)


@router.get("/protect", response_class=HTMLResponse)
def protect(request: Request) -> Response:
    return _form_page(request)


def _make_case(request: Request, files: list[MemFile], age: int | None) -> tuple[Any, str]:
    from haven.protect.case import ProtectCase

    settings = request.app.state.settings
    with exposed(settings.run_dir, files) as paths:
        case, pin = ProtectCase.create(list(paths), store=settings.protect_dir, age=age)
        names = {str(p): f.filename for p, f in zip(paths, files, strict=True)}
    for entry in case.files:
        entry["path"] = names.get(entry.get("path", ""), entry.get("path", ""))
        if entry.get("error"):
            entry["error"] = str(entry["error"]).replace(str(settings.run_dir), "")
    case.save()
    return case, pin


def _age(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 130 else None


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
        age = _age(age_text)
        if age_text and age is None:
            errors.append({"field": "age", "text": _("Please type your age as a number, like 16.")})
        if not files:
            errors.append({"field": "files", "text": _("Please choose at least one picture or video.")})
        if errors:
            return _form_page(request, 400, errors=errors, age=age_text)
        try:
            case, pin = await run_in_threadpool(_make_case, request, files, age)
        except HavenError as exc:
            return _form_page(request, 400, errors=[{"field": "files", "text": exc.message}], age=age_text)
    flash = request.app.state.session.flash
    flash["pin"] = pin
    flash[OPEN] = case
    return after_upload(request, "/protect/done")


@router.get("/protect/done", response_class=HTMLResponse)
def done(request: Request) -> Response:
    case = _open_case(request)
    if case is None:
        return RedirectResponse("/protect/case", status_code=303)
    pin = request.app.state.session.flash.pop("pin", None)  # shown once
    return page(request, "protect_done.html", back="/protect", case=case, pin=pin, **_case_context(case))


def _case_context(case: Any) -> dict[str, Any]:
    return {
        "services": case.services(),
        "hashed": [f for f in case.files if not f.get("error")],
        "failed": [f for f in case.files if f.get("error")],
    }


@router.get("/protect/case", response_class=HTMLResponse)
def case_page(request: Request) -> Response:
    """The open case's status and what can be done with it, or the form to open one."""
    case = _open_case(request)
    if case is None:
        return page(request, "protect_open.html", back="/protect", number="")
    changed = request.app.state.session.flash.pop("protect_changed", None)
    ctx = _case_context(case)
    return page(request, "protect_case.html", back="/protect", case=case, changed=changed, **ctx)


@router.post("/protect/case", response_class=HTMLResponse)
async def case_open(request: Request) -> Response:
    from haven.protect.case import CaseNotFound, ProtectCase, WrongPin

    fields = await small_form(request)
    number, pin = first(fields, "case").strip().upper(), first(fields, "pin")
    errors = []
    if not number:
        errors.append({"field": "case", "text": _("Please type your case number, like HVN-7K2M-Q9TD.")})
    if not pin.strip():
        errors.append({"field": "pin", "text": _("Please type your PIN.")})
    if not errors:
        store = request.app.state.settings.protect_dir
        try:
            case = await run_in_threadpool(lambda: ProtectCase.load(number, store=store, pin=pin))
        except CaseNotFound:
            errors.append({"field": "case", "text": _("There is no case with that number on this computer.")})
        except WrongPin:
            errors.append({"field": "pin", "text": _(WRONG_PIN)})
        except HavenError:
            errors.append({"field": "case", "text": _("That case could not be read. Nothing was changed.")})
        else:
            request.app.state.session.flash[OPEN] = case
            return RedirectResponse("/protect/case", status_code=303)
    return page(request, "protect_open.html", status_code=400, back="/protect", number=number, errors=errors)


ACTIONS = {"withdraw", "delete"}


@router.get("/protect/case/{action}", response_class=HTMLResponse)
def confirm(request: Request, action: str) -> Response:
    """Are you sure? Withdrawing or deleting a case asks once more, and says what it does."""
    case = _open_case(request)
    if action not in ACTIONS or case is None:
        return RedirectResponse("/protect/case", status_code=303)
    return page(request, "protect_confirm.html", back="/protect/case", case=case, action=action)


@router.post("/protect/case/{action}", response_class=HTMLResponse)
async def act(request: Request, action: str) -> Response:
    """Withdraw or delete the open case. The PIN is asked again here, so nobody else at the computer
    can do it with a case left open."""
    from haven.protect.case import WrongPin

    fields = await small_form(request)
    case = _open_case(request)
    if action not in ACTIONS or case is None:
        return RedirectResponse("/protect/case", status_code=303)
    pin = first(fields, "pin")
    try:
        await run_in_threadpool(case.withdraw if action == "withdraw" else case.delete, pin)
    except WrongPin:
        errors = [{"field": "pin", "text": _(WRONG_PIN)}]
        ctx = {"back": "/protect/case", "case": case, "action": action, "errors": errors}
        return page(request, "protect_confirm.html", 400, **ctx)
    request.app.state.session.flash["protect_changed"] = action
    return RedirectResponse("/protect/case", status_code=303)


@router.post("/protect/close")
async def close(request: Request) -> Response:
    await small_form(request)
    request.app.state.session.flash.pop(OPEN, None)
    return RedirectResponse("/protect", status_code=303)


@router.post("/protect/export")
async def export(request: Request) -> Response:
    await small_form(request)
    case = _open_case(request)
    if case is None:
        return RedirectResponse("/protect/case", status_code=303)
    data = json.dumps(case.submission(), indent=2) + "\n"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{case.case_number}-codes.json"'},
    )


def _find(request: Request, files: list[MemFile], case: Any) -> dict[str, Any]:
    from haven.protect.hashing import hash_paths
    from haven.protect.scan import Wanted, match_result

    wanted = Wanted()
    for i, rec in enumerate(case.files, 1):
        if not rec.get("error"):
            wanted.add_record(rec, str(rec.get("path") or _("picture %(n)s", n=i)))
    found, checked = [], 0
    with exposed(request.app.state.settings.run_dir, files) as paths:
        names = {str(p): f.filename for p, f in zip(paths, files, strict=True)}
        for r in hash_paths(list(paths)):
            checked += 1
            if r.sha256 and (m := match_result(r, wanted)):
                found.append({"file": names.get(m.path, m.path), "like": m.matches})
    return {"found": found, "checked": checked}


@router.post("/protect/find", response_class=HTMLResponse)
async def find(request: Request) -> Response:
    """Find copies: the person picks files (a downloads folder, say); Haven makes their codes here and
    says which look like a picture in the open case."""
    case = _open_case(request)
    try:
        form = await file_form(request)
    except HavenError as exc:
        if case is None:
            return RedirectResponse("/protect/case", status_code=303)
        ctx = {**_case_context(case), "changed": None}
        errors = [{"field": "found", "text": exc.message}]
        return page(request, "protect_case.html", 400, back="/protect", case=case, errors=errors, **ctx)
    with form:
        if case is None:
            return RedirectResponse("/protect/case", status_code=303)
        files = form.file_list("found")
        if not files:
            errors = [{"field": "found", "text": _("Please choose the files to look through.")}]
            ctx = {**_case_context(case), "changed": None}
            return page(request, "protect_case.html", 400, back="/protect", case=case, errors=errors, **ctx)
        result = await run_in_threadpool(_find, request, files, case)
    request.app.state.session.flash["protect_found"] = result
    return after_upload(request, "/protect/found")


@router.get("/protect/found", response_class=HTMLResponse)
def found(request: Request) -> Response:
    result = request.app.state.session.flash.pop("protect_found", None)
    if result is None:
        return RedirectResponse("/protect/case", status_code=303)
    return page(request, "protect_found.html", back="/protect/case", **result)
