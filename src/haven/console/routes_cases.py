"""Cases: list, one case (summary, offender details, key moments, continuity, messages, links), search,
ingest by upload, exports (STIX, MISP, the package) and deletion with a reason. Every view, search, export
and deletion goes into the audit log."""

from __future__ import annotations

import json
import os
import tempfile

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from haven.console import audit, exchange, identifiers, store
from haven.console.app import render
from haven.console.auth import CASE_ROLES, Ctx, NeedRole, form, need
from haven.console.links import links_for_tokens
from haven.core.errors import HavenError

router = APIRouter()
MAX_UPLOAD = 2 << 30
MESSAGES_SHOWN = 300


def _s(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


def _case(request: Request, ctx: Ctx, case_id: str) -> dict:  # type: ignore[type-arg]
    s = _s(request)
    case = store.get_case(s.engine, s.key, case_id)
    if case is None or not store.may_see(ctx.user, case["unit"]):
        raise NeedRole("There is no such case in the cases you may see.")
    return case


@router.get("/cases")
def cases(request: Request, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    s = _s(request)
    rows = store.list_cases(s.engine, s.key, ctx.user)
    audit.record(s.engine, s.key, ctx.user.name, "view", "cases", shown=len(rows))
    return render(request, "cases.html", cases=rows)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    s = _s(request)
    case = _case(request, ctx, case_id)
    names = store.identifier_names(s.engine, s.key, case_id)
    found = links_for_tokens(s.engine, names, exclude_case=case_id)
    links = [{"identifier": names[t], "cases": sorted(c)}
             for t, c in sorted(found.items(), key=lambda kv: names[kv[0]])]
    messages = store.case_part(s.engine, s.key, case_id, "messages") or []
    audit.record(s.engine, s.key, ctx.user.name, "view", case_id, part="case")
    return render(request, "case.html", case=case, links=links,
                  indicators=store.case_part(s.engine, s.key, case_id, "indicators") or [],
                  moments=store.case_part(s.engine, s.key, case_id, "moments") or [],
                  continuity=store.case_part(s.engine, s.key, case_id, "continuity") or "",
                  manifest=store.case_part(s.engine, s.key, case_id, "manifest") or {},
                  messages=messages[:MESSAGES_SHOWN], total_messages=len(messages),
                  may_delete=ctx.user.role == "supervisor")


def _json_download(data: object, name: str) -> Response:
    return Response(json.dumps(data, indent=2).encode(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/cases/{case_id}/stix.json")
def case_stix(request: Request, case_id: str, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    return _export(request, ctx, case_id, "stix")


@router.get("/cases/{case_id}/misp.json")
def case_misp(request: Request, case_id: str, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    return _export(request, ctx, case_id, "misp")


def _export(request: Request, ctx: Ctx, case_id: str, fmt: str) -> Response:
    s = _s(request)
    case = _case(request, ctx, case_id)
    data = exchange.case_data(case_id, case["summary"], store.case_part(s.engine, s.key, case_id, "manifest"),
                              store.case_part(s.engine, s.key, case_id, "indicators") or [])
    out = exchange.stix(data) if fmt == "stix" else exchange.misp(data)
    audit.record(s.engine, s.key, ctx.user.name, "export", case_id, format=fmt)
    return _json_download(out, f"{case_id}-{fmt}.json")


@router.get("/cases/{case_id}/package.zip")
def case_package(request: Request, case_id: str,
                 ctx: Ctx = Depends(need("officer", "supervisor"))) -> Response:
    s = _s(request)
    _case(request, ctx, case_id)
    data = store.case_part(s.engine, s.key, case_id, "package")
    audit.record(s.engine, s.key, ctx.user.name, "export", case_id, format="package")
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{case_id}.zip"'})


@router.post("/cases/{case_id}/delete")
def case_delete(request: Request, case_id: str, reason: str = Form(""),
                ctx: Ctx = Depends(form("supervisor"))) -> Response:
    s = _s(request)
    _case(request, ctx, case_id)
    try:
        store.delete_case(s.engine, s.key, case_id, actor=ctx.user.name, reason=reason)
    except HavenError as exc:
        return render(request, "problem.html", status=400, message=exc.message)
    return render(request, "deleted.html", case_id=case_id)


@router.get("/search")
def search(request: Request, q: str = "", ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    s = _s(request)
    hits: list[str] = []
    lid = identifiers.parse(q) if q else None
    if lid is not None:
        token = s.key.token(lid.identifier)
        visible = {c["id"] for c in store.list_cases(s.engine, s.key, ctx.user)}
        hits = sorted(c for c in links_for_tokens(s.engine, [token]).get(token, set()) if c in visible)
        audit.record(s.engine, s.key, ctx.user.name, "search", lid.kind, token=token, hits=len(hits))
    elif q:
        audit.record(s.engine, s.key, ctx.user.name, "search", "unparsed", hits=0)
    return render(request, "search.html", q=q, parsed=lid, hits=hits)


@router.get("/ingest")
def ingest_page(request: Request, ctx: Ctx = Depends(need("officer", "supervisor"))) -> Response:
    return render(request, "ingest.html")


@router.post("/ingest")
async def ingest(request: Request, package: UploadFile = File(...), quarantine: str = Form(""),
                 age: str = Form(""), ctx: Ctx = Depends(form("officer", "supervisor"))) -> Response:
    s = _s(request)
    fd, tmp = tempfile.mkstemp(prefix="haven-console-", suffix=".zip")
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            while block := await package.read(1 << 20):
                size += len(block)
                if size > MAX_UPLOAD:
                    return render(request, "problem.html", status=413, message="The package is too large.")
                fh.write(block)
        try:
            result = await run_in_threadpool(
                store.ingest, s.engine, s.key, tmp, actor=ctx.user.name, unit=ctx.user.unit,
                keep_in_quarantine=bool(quarantine), filename=package.filename or "upload.zip",
                age=int(age) if age.strip().isdigit() else None)
        except store.PackageRefused as exc:
            return render(request, "refused.html", status=422, problems=exc.problems,
                          quarantined=exc.quarantined)
    finally:
        os.unlink(tmp)
    return RedirectResponse(f"/cases/{result.case_id}?ingested=1", status_code=303)
