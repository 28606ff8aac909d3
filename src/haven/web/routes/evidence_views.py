"""The case's reading pages: timeline, offender details and red flags, one page at a time from indexed
queries over what the import stored (``haven.vault.views``), with search and filters; and "look again"
(the derive job) when the stored data is stale."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.jobs.tasks import derive_work
from haven.vault import Vault
from haven.web.forms import small_form
from haven.web.render import page
from haven.web.routes import jobs

router = APIRouter()
PAGE_SIZE = 200
DETAILS_PAGE = 100
FLAGS_PAGE = 50


def _need_vault(request: Request) -> Vault | None:
    return request.app.state.session.vault


def _locked(request: Request) -> Response:
    return RedirectResponse("/evidence", status_code=303)


def _page_no(value: int) -> int:
    return max(1, min(value, 10**7))


def _base(path: str, **query: str) -> str:
    """The page's address with its filters, ready for ``page=N`` (the pager adds it)."""
    kept = urlencode({k: v for k, v in query.items() if v})
    return f"{path}?{kept}&" if kept else f"{path}?"


def _derived(vault: Vault) -> dict[str, Any]:
    state = vault.derived_state()
    return {"stale": state.get("stale", False), "failed": state.get("failed")}


@router.get("/evidence/timeline", response_class=HTMLResponse)
def timeline(
    request: Request,
    page_no: int = Query(1, alias="page"),
    q: str = Query("", max_length=200),
    conversation: str = Query("", max_length=500),
) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    page_no = _page_no(page_no)
    found = vault.messages_page(
        (page_no - 1) * PAGE_SIZE, PAGE_SIZE, search=q.strip() or None, conversation=conversation or None
    )
    flagged = vault.flagged_among([m.id for m in found.rows])
    return page(
        request,
        "evidence_timeline.html",
        back="/evidence",
        tab="timeline",
        messages=found.rows,
        flagged=flagged,
        page_no=page_no,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        more=found.more,
        total=found.total,
        q=q,
        conversation=conversation,
        first_row=found.offset + 1,
        base=_base("/evidence/timeline", q=q, conversation=conversation),
    )


@router.get("/evidence/details", response_class=HTMLResponse)
def details(
    request: Request,
    page_no: int = Query(1, alias="page"),
    q: str = Query("", max_length=200),
    kind: str = Query("", max_length=40),
) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    page_no = _page_no(page_no)
    found = vault.details_page(
        (page_no - 1) * DETAILS_PAGE, DETAILS_PAGE, search=q.strip() or None, kind=kind or None
    )
    return page(
        request,
        "evidence_details.html",
        back="/evidence",
        tab="details",
        rows=found.rows,
        total=found.total,
        kinds=sorted(found.extra.get("kinds", [])),
        kind=kind,
        q=q,
        page_no=page_no,
        pages=max(1, -(-found.total // DETAILS_PAGE)),
        more=found.more,
        derived=_derived(vault),
        base=_base("/evidence/details", q=q, kind=kind),
    )


@router.get("/evidence/flags", response_class=HTMLResponse)
def flags(
    request: Request, page_no: int = Query(1, alias="page"), flag: str = Query("", max_length=40)
) -> Response:
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    page_no = _page_no(page_no)
    found = vault.flags_page((page_no - 1) * FLAGS_PAGE, FLAGS_PAGE, flag=flag or None)
    state = vault.derived_state()
    return page(
        request,
        "evidence_flags.html",
        back="/evidence",
        tab="flags",
        rows=found.rows,
        total=found.total,
        summary=state.get("summary") or {},
        flag=flag,
        page_no=page_no,
        pages=max(1, -(-found.total // FLAGS_PAGE)),
        more=found.more,
        derived=_derived(vault),
        base=_base("/evidence/flags", flag=flag),
    )


@router.post("/evidence/derive", response_class=HTMLResponse)
async def derive(request: Request) -> Response:
    """Work out offender details and red flags again (after an update, or when asked), as a job."""
    await small_form(request)
    vault = _need_vault(request)
    if vault is None:
        return _locked(request)
    started = await jobs.start(
        request, "derive", derive_work(vault), done_location=lambda _s: "/evidence/details"
    )
    return (
        started if isinstance(started, Response) else RedirectResponse("/evidence/details", status_code=303)
    )
