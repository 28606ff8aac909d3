"""Keep the evidence: create or unlock a case vault, add files (streamed into the vault, never kept as
plain files; the import runs as a background job, see ``jobs``), and read the timeline, offender details,
red flags and files one page at a time from indexed queries (offender details and red flags as the import
stored them: no page runs the extractors over the case), and notes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from haven.core.errors import HavenError, WrongPassphrase
from haven.guide.knowledge import questions
from haven.jobs import Cancelled, JobContext, JobStatus
from haven.jobs.tasks import import_progress as job_progress
from haven.vault import Vault
from haven.vault.progress import ImportProgress
from haven.web.forms import after_upload, file_form, first, small_form
from haven.web.i18n import gettext as _
from haven.web.render import page
from haven.web.routes import evidence_views, jobs
from haven.web.routes.evidence_views import _page_no
from haven.web.uploads import exposed

router = APIRouter()
router.include_router(jobs.router)
router.include_router(evidence_views.router)
FILES_PAGE = 100
MIN_PASSPHRASE = 8


def _regions() -> list[tuple[str, str]]:
    q = next(q for q in questions() if q.id == "region")
    return [(c.value, c.label) for c in q.choices]


def _need_vault(request: Request) -> Vault | None:
    return request.app.state.session.vault


def _locked(request: Request) -> Response:
    return RedirectResponse("/evidence", status_code=303)


def _start_page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    settings = request.app.state.settings
    answers = request.app.state.session.answers
    base = {
        "cases": settings.case_names(),
        "regions": _regions(),
        "locked": request.query_params.get("locked") == "1",
        "form": {"age": answers.get("age", ""), "region": answers.get("region", "")},
        "back": "/home",
    }
    base.update(ctx)
    return page(request, "evidence_start.html", status_code=status_code, **base)


@router.get("/evidence", response_class=HTMLResponse)
def evidence(request: Request) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _start_page(request)
    info = vault.info()
    return page(
        request,
        "evidence_case.html",
        back="/home",
        info=info,
        tab="case",
        me=", ".join(vault.case.me),
        saved=request.query_params.get("saved") == "me",
    )


@router.post("/evidence/open", response_class=HTMLResponse)
async def open_case(request: Request) -> Response:
    fields = await small_form(request)
    settings = request.app.state.settings
    name, passphrase = first(fields, "case"), first(fields, "passphrase")
    if name not in settings.case_names():
        return _start_page(request, 400, errors=[{"field": "case", "text": "Please pick your case."}])
    try:
        vault = await run_in_threadpool(Vault.open, settings.case_dir(name), passphrase)
    except WrongPassphrase:
        return _start_page(
            request,
            400,
            errors=[
                {"field": "passphrase", "text": "That password does not open this case. Please try again."}
            ],
        )
    except HavenError as exc:
        return _start_page(request, 400, errors=[{"field": "case", "text": exc.message}])
    request.app.state.session.set_vault(name, vault)
    return RedirectResponse("/evidence", status_code=303)


@router.post("/evidence/create", response_class=HTMLResponse)
async def create_case(request: Request) -> Response:
    fields = await small_form(request)
    settings = request.app.state.settings
    name = first(fields, "name").strip()
    p1, p2 = first(fields, "new_passphrase"), first(fields, "confirm")
    age_text, region = first(fields, "age").strip(), first(fields, "region") or None
    form = {"name": name, "age": age_text, "region": region or ""}
    errors = []
    try:
        folder = settings.case_dir(name)
        if folder.exists():
            errors.append(
                {"field": "name", "text": "There is already a case with that name. Pick another name."}
            )
    except ValueError:
        errors.append({"field": "name", "text": "Give the case a short name, using letters and numbers."})
    if len(p1) < MIN_PASSPHRASE:
        errors.append({"field": "new_passphrase", "text": "Make the password at least 8 letters long."})
    elif p1 != p2:
        errors.append(
            {"field": "confirm", "text": "The two passwords are not the same. Please type it again."}
        )
    age = None
    if age_text:
        if age_text.isdigit() and 0 < int(age_text) < 130:
            age = int(age_text)
        else:
            errors.append({"field": "age", "text": "Please type your age as a number, like 16."})
    if region is not None and region not in dict(_regions()):
        errors.append({"field": "region", "text": "Please pick a place from the list."})
    if errors:
        return _start_page(request, 400, errors=errors, form=form)
    settings.cases_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        vault = await run_in_threadpool(lambda: Vault.create(folder, p1, age=age, region=region))
    except HavenError as exc:
        return _start_page(request, 400, errors=[{"field": "name", "text": exc.message}], form=form)
    request.app.state.session.set_vault(name, vault)
    return RedirectResponse("/evidence", status_code=303)


@router.get("/evidence/add", response_class=HTMLResponse)
def add_page(request: Request) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    return page(
        request,
        "evidence_add.html",
        back="/evidence",
        tab="add",
        minor=vault.is_minor,
        max_mb=request.app.state.settings.max_upload // 1024**2,
        date_orders=date_order_choices(),
        date_order="",
    )


DATE_ORDERS = ("", "dmy", "mdy")
"""The date orders the person can choose on upload ("" = let Haven work it out), as ``--date-order``."""


def date_order_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Let Haven work it out")),
        ("dmy", _("Day first, like 14/03/2024 (the UK way)")),
        ("mdy", _("Month first, like 03/14/2024 (the US way)")),
    ]


def import_files(
    request: Request,
    vault: Vault,
    files: list[Any],
    intimate: bool,
    ctx: JobContext | None = None,
    date_order: str = "",
) -> dict[str, Any]:
    """The import job's work: the uploaded (in-memory) files into the vault, with progress for the
    status page and for ``/evidence/progress``; a locked case or Cancel stops it cleanly."""
    settings = request.app.state.settings
    session = request.app.state.session
    progress = session.progress
    to_job = job_progress(ctx) if ctx is not None else None

    def events(p: ImportProgress) -> None:
        progress.update(active=not p.finished, done=p.bytes_done, total=p.bytes_total, name=p.file)
        if session.vault is not vault:  # the case was locked (quick exit, idle): stop, keep it consistent
            raise Cancelled
        if to_job is not None:
            to_job(p)

    progress.update(active=True, done=0, total=sum(f.size for f in files), name="")
    with exposed(settings.run_dir, files) as paths:
        try:
            options = {"date_order": date_order} if date_order in DATE_ORDERS[1:] else None
            summary = vault.import_paths(paths, intimate=intimate, events=events, options=options)
        finally:
            progress["active"] = False
        names = {str(p): f.filename for p, f in zip(paths, files, strict=True)}
        for f in summary.files:
            f.path = names.get(f.path, f.path.rsplit("/", 1)[-1])
            # typed warnings stay typed: the page words them in its own language (``words.notice_text``)
        vault.log(
            "web-upload",
            {
                "files": [f.filename for f in files],
                "sizes": [f.size for f in files],
                "intimate": intimate,
                "date_order": date_order or "auto",
            },
        )
    return summary.to_dict()


def _add_page_error(request: Request, text: str, minor: bool = False) -> Response:
    return page(
        request,
        "evidence_add.html",
        400,
        back="/evidence",
        tab="add",
        minor=minor,
        max_mb=request.app.state.settings.max_upload // 1024**2,
        date_orders=date_order_choices(),
        date_order="",
        errors=[{"field": "files", "text": text}],
    )


@router.post("/evidence/add", response_class=HTMLResponse)
async def add_files(request: Request) -> Response:
    session = request.app.state.session
    try:
        form = await file_form(request)
    except HavenError as exc:
        return _add_page_error(request, exc.message)
    files = form.file_list("files")
    vault = session.vault
    if vault is None or not files:
        form.close()
        if vault is None:
            return _locked(request)
        return _add_page_error(request, "Please choose at least one file.", bool(vault.is_minor))
    intimate = form.get("intimate") == "yes"
    date_order = form.get("date_order")
    date_order = date_order if date_order in DATE_ORDERS else ""

    def work(ctx: JobContext) -> dict[str, Any]:
        with form:  # the job owns the in-memory copies now; they are closed when it ends
            result = import_files(request, vault, files, intimate, ctx, date_order)
        session.cache.clear()
        session.flash["import"] = result
        return {"files": len(result["files"]), "new_messages": result["new_messages"]}

    started = await jobs.start(request, "import", work, done_location=lambda _s: "/evidence/added")
    if isinstance(started, JobStatus):  # (not reached: done_location answers for a finished import)
        return after_upload(request, "/evidence/added")
    if started.status_code == 409:
        form.close()
    return started


@router.get("/evidence/progress")
def import_progress(request: Request) -> JSONResponse:
    """How far the import that is running has got (the upload script polls this)."""
    return JSONResponse(dict(request.app.state.session.progress))


@router.get("/evidence/added", response_class=HTMLResponse)
def added(request: Request) -> Response:
    session = request.app.state.session
    if session.vault is None:
        return _locked(request)
    result = session.flash.get("import")
    return page(request, "evidence_added.html", back="/evidence/add", tab="add", result=result)


@router.get("/evidence/notes", response_class=HTMLResponse)
def notes(request: Request) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    return page(request, "evidence_notes.html", back="/evidence", tab="notes", notes=vault.notes())


@router.post("/evidence/notes", response_class=HTMLResponse)
async def add_note(request: Request) -> Response:
    fields = await small_form(request)
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    text = first(fields, "note")
    if not text.strip():
        return page(
            request,
            "evidence_notes.html",
            400,
            back="/evidence",
            tab="notes",
            notes=vault.notes(),
            errors=[{"field": "note", "text": "Please type your note first."}],
        )
    await run_in_threadpool(vault.add_note, text)
    return RedirectResponse("/evidence/notes", status_code=303)


def _files_page(
    request: Request, vault: Vault, page_no: int, status_code: int = 200, **extra: Any
) -> Response:
    found = vault.items_page((page_no - 1) * FILES_PAGE, FILES_PAGE, top_and_pictures=True)
    return page(
        request,
        "evidence_files.html",
        status_code,
        back="/evidence",
        tab="files",
        items=found.rows,
        total=found.total,
        page_no=page_no,
        pages=max(1, -(-found.total // FILES_PAGE)),
        more=found.more,
        base="/evidence/files?",
        minor=vault.is_minor,
        **extra,
    )


@router.get("/evidence/files", response_class=HTMLResponse)
def files(request: Request, page_no: int = Query(1, alias="page")) -> Response:
    """The files in the case. Pictures are never shown here: only names, sizes and codes."""
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    return _files_page(request, vault, _page_no(page_no))


@router.post("/evidence/intimate", response_class=HTMLResponse)
async def mark_intimate(request: Request) -> Response:
    fields = await small_form(request)
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    item_id = first(fields, "item")
    if first(fields, "confirm") != "yes":  # only the "Are you sure?" page sends this: nothing is changed
        return RedirectResponse(f"/evidence/intimate/{quote(item_id, safe='')}", status_code=303)
    try:
        await run_in_threadpool(vault.mark_intimate, item_id)
    except HavenError as exc:
        return _files_page(request, vault, 1, 400, errors=[{"field": "main", "text": exc.message}])
    request.app.state.session.cache.clear()
    return RedirectResponse("/evidence/files", status_code=303)


@router.post("/evidence/verify", response_class=HTMLResponse)
async def verify(request: Request) -> Response:
    await small_form(request)
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    problems = await run_in_threadpool(vault.verify)
    return page(
        request,
        "evidence_case.html",
        back="/home",
        info=vault.info(),
        tab="case",
        checked=True,
        problems=problems,
        me=", ".join(vault.case.me),
        saved=False,
    )


@router.post("/evidence/me", response_class=HTMLResponse)
async def set_me(request: Request) -> Response:
    """The person's own chat names (``Case.me``), so their messages are never taken for the offender's."""
    fields = await small_form(request)
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    names = [n.strip() for n in re.split(r"[,\n]", first(fields, "me")) if n.strip()]
    await run_in_threadpool(lambda: vault.update_case(me=names))
    request.app.state.session.cache.clear()
    return RedirectResponse("/evidence?saved=me", status_code=303)
