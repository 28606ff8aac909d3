"""Long work as background jobs (``haven.jobs``): the status page, its JSON and server-sent events, Cancel,
and the download of a finished report.

The status page works without JavaScript: while the job runs it refreshes itself every two seconds, and
it survives a reload because the job lives in the server. The script only makes it smoother (it reads
``/evidence/jobs/<id>.json``; ``/evidence/jobs/<id>/events`` streams the same as server-sent events).
A short job does not show the page at all: the request waits for it first (``QUICK_WAIT`` seconds for a
plain form post, ``SCRIPT_WAIT`` when the page's script sent it and will show the status page itself).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from haven.jobs import JobContext, JobManager, JobRunning, JobStatus
from haven.web.forms import after_upload, small_form
from haven.web.render import page

router = APIRouter()
QUICK_WAIT = 8.0
"""Seconds a plain form post waits for its job before showing the status page instead."""
SCRIPT_WAIT = 1.0
KIND_WORDS = {
    "import": "Adding your files",
    "derive": "Reading your messages again",
    "pdf": "Making the PDF report",
    "package": "Making the evidence package",
}


def manager(request: Request) -> JobManager:
    jobs = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = request.app.state.jobs = JobManager()
    return jobs


def case_key(request: Request) -> str:
    session = request.app.state.session
    return str(getattr(session, "case_name", None) or "case")


async def start(
    request: Request,
    kind: str,
    work: Callable[[JobContext], dict[str, Any] | None],
    *,
    done_location: Callable[[JobStatus], str] | None = None,
) -> JobStatus | Response:
    """Start ``work`` as the case's job and wait briefly. Returns the finished status (the caller answers
    with the result), or a response: the status page, or a page saying another job is running."""
    jobs = manager(request)
    try:
        status = jobs.start(case_key(request), kind, work)
    except JobRunning as exc:
        return page(
            request,
            "evidence_job.html",
            409,
            back="/evidence",
            tab="case",
            job=exc.running.to_dict(),
            words=KIND_WORDS,
            refused=exc.message,
        )
    scripted = request.headers.get("x-haven-upload") == "1"
    await run_in_threadpool(jobs.wait, status.id, SCRIPT_WAIT if scripted else QUICK_WAIT)
    if status.active or status.state != "done":
        return after_upload(request, f"/evidence/jobs/{status.id}")
    if done_location is not None:
        return after_upload(request, done_location(status))
    return status


def _job_or_404(request: Request, job_id: str) -> JobStatus | None:
    job = manager(request).get(job_id)
    if job is None or job.case != case_key(request):
        return None
    return job


@router.get("/evidence/jobs/{job_id}.json")
def job_json(request: Request, job_id: str) -> JSONResponse:
    job = _job_or_404(request, job_id)
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse(job.to_dict())


@router.get("/evidence/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    job = _job_or_404(request, job_id)
    if job is None:
        return page(request, "notfound.html", 404)
    if job.state == "done" and job.kind == "import":
        return RedirectResponse("/evidence/added", status_code=303)
    response = page(
        request, "evidence_job.html", back="/evidence", tab="case", job=job.to_dict(), words=KIND_WORDS
    )
    if job.active:
        response.headers["Refresh"] = "2"  # the page follows the job without JavaScript
    return response


@router.get("/evidence/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str) -> Response:
    """Server-sent events: one ``data:`` line with the status whenever it changes, until the job ends."""
    job = _job_or_404(request, job_id)
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)

    async def stream() -> AsyncIterator[str]:
        last = None
        while True:
            body = json.dumps(job.to_dict())
            if body != last:
                last = body
                yield f"data: {body}\n\n"
            if not job.active or await request.is_disconnected():
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.post("/evidence/jobs/{job_id}/cancel", response_class=HTMLResponse)
async def job_cancel(request: Request, job_id: str) -> Response:
    await small_form(request)
    job = _job_or_404(request, job_id)
    if job is None:
        return page(request, "notfound.html", 404)
    manager(request).cancel(job_id)
    await run_in_threadpool(manager(request).wait, job_id, 10.0)
    return RedirectResponse(f"/evidence/jobs/{job_id}", status_code=303)


@router.get("/evidence/jobs/{job_id}/download")
def job_download(request: Request, job_id: str) -> Response:
    """A finished report or package, sent once; its private folder is removed after sending."""
    job = _job_or_404(request, job_id)
    path = Path(str((job.result or {}).get("path", ""))) if job is not None else None
    if job is None or job.state != "done" or path is None or not path.is_file():
        return page(request, "notfound.html", 404)
    media = "application/pdf" if path.suffix == ".pdf" else "application/zip"
    job.result = {**(job.result or {}), "sent": True}
    return FileResponse(
        path,
        media_type=media,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
    )


async def report_response(request: Request, vault: Any, kind: str, folder: Path) -> Response:
    """The PDF report (``kind="pdf"``) or the package as a job: sent at once when it is quick, else the
    status page (with a download link when done). ``folder`` is a private scratch folder, removed after
    sending or when the job does not succeed."""
    from haven.jobs.tasks import package_work, pdf_work

    out = folder / ("haven-report.pdf" if kind == "pdf" else "haven-package.zip")
    inner = pdf_work(vault, out) if kind == "pdf" else package_work(vault, out)

    def work(ctx: JobContext) -> dict[str, Any] | None:
        try:
            return inner(ctx)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    started = await start(request, kind, work)
    if isinstance(started, Response):
        if started.status_code == 409:
            shutil.rmtree(folder, ignore_errors=True)
        return started
    started.result = {**(started.result or {}), "sent": True}
    return FileResponse(
        out,
        media_type="application/pdf" if kind == "pdf" else "application/zip",
        filename=out.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
