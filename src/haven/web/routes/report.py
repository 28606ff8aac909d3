"""My report: download the police PDF and the verifiable package for the open case, and check a package
someone gave you (``haven.report``)."""

from __future__ import annotations

import contextlib
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from haven.core.errors import HavenError
from haven.web.forms import after_upload, file_form, small_form
from haven.web.render import page
from haven.web.uploads import exposed

router = APIRouter()


@router.get("/report", response_class=HTMLResponse)
def report(request: Request) -> Response:
    session = request.app.state.session
    return page(request, "report.html", back="/home", tab="report", verify=session.flash.get("verify"))


def _scratch(request: Request) -> Path:
    """A private folder (0700) for a report on its way to the browser; removed once it is sent."""
    run = request.app.state.settings.run_dir
    run.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = run / f"report-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    return folder


def _send(path: Path, folder: Path, media_type: str) -> Response:
    return FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


async def _build(request: Request, kind: str) -> Response:
    await small_form(request)
    vault = request.app.state.session.vault
    if vault is None:
        return RedirectResponse("/evidence", status_code=303)
    folder = _scratch(request)
    try:
        from haven.web.routes.jobs import report_response  # a background job with a status page

        return await report_response(request, vault, kind, folder)
    except Exception as exc:  # a report that cannot be made is a message, never a crash
        shutil.rmtree(folder, ignore_errors=True)
        text = (
            exc.message
            if isinstance(exc, HavenError)
            else (
                f"Haven could not make this report ({type(exc).__name__}: {exc}). Nothing in your case was "
                "changed or lost."
            )
        )
        return page(
            request,
            "report.html",
            500 if not isinstance(exc, HavenError) else 400,
            back="/home",
            tab="report",
            verify=None,
            errors=[{"field": "make", "text": text}],
        )


@router.post("/report/pdf")
async def report_pdf(request: Request) -> Response:
    return await _build(request, "pdf")


@router.post("/report/package")
async def report_package(request: Request) -> Response:
    return await _build(request, "package")


def _verify(request: Request, files: list[Any]) -> dict[str, Any]:
    from haven.report.verify import verify_package

    with exposed(request.app.state.settings.run_dir, files) as paths:
        result = verify_package(paths[0]).to_dict()
    result["package"] = files[0].filename
    return result


@router.post("/report/verify", response_class=HTMLResponse)
async def report_verify(request: Request) -> Response:
    try:
        form = await file_form(request)
    except HavenError as exc:
        return page(
            request,
            "report.html",
            400,
            back="/home",
            tab="report",
            verify=None,
            errors=[{"field": "package", "text": exc.message}],
        )
    with form:
        files = form.file_list("package")
        if not files:
            return page(
                request,
                "report.html",
                400,
                back="/home",
                tab="report",
                verify=None,
                errors=[{"field": "package", "text": "Please choose the package file to check."}],
            )
        try:
            result = await run_in_threadpool(_verify, request, files[:1])
        except HavenError as exc:
            result = {"package": files[0].filename, "ok": False, "problems": [exc.message], "checks": []}
        except Exception as exc:  # a hostile or broken file is a result, never a crash
            with contextlib.suppress(Exception):
                form.close()
            result = {
                "package": files[0].filename,
                "ok": False,
                "problems": [f"The file could not be read as a package ({type(exc).__name__})."],
                "checks": [],
            }
    request.app.state.session.flash["verify"] = result
    # a new address each time, so the browser loads the page again even when it is already on /report
    return after_upload(request, f"/report?checked={secrets.token_hex(4)}#check")
