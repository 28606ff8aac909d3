"""Reading posted forms: CSRF checked on every one, small forms in memory, file forms streamed
(see ``uploads``)."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from haven.web.uploads import Form, parse_multipart

FORM_LIMIT = 64 * 1024
"""Largest ordinary (non-file) form, in bytes."""


class CsrfError(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="csrf")


async def small_form(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` form, CSRF-checked. Raises CsrfError."""
    if int(request.headers.get("content-length") or 0) > FORM_LIMIT:
        raise HTTPException(status_code=413, detail="too big")
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        form = await file_form(request)
        form.close()
        return form.fields
    data = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        fields.setdefault(key, []).append(str(value))
    if not request.app.state.session.csrf_ok((fields.get("csrf") or [""])[0]):
        raise CsrfError()
    return fields


async def file_form(request: Request) -> Form:
    """A ``multipart/form-data`` form, files kept in memory only, CSRF-checked. Raises CsrfError,
    BadUpload or UploadTooBig. The caller closes the returned form."""
    settings = request.app.state.settings
    if not request.headers.get("content-type", "").startswith("multipart/"):
        return Form(fields=await small_form(request))  # a form without files; CSRF checked there
    form = await parse_multipart(
        request.headers.get("content-type", ""), request.stream(), settings.max_upload
    )
    if not request.app.state.session.csrf_ok(form.get("csrf")):
        form.close()
        raise CsrfError()
    return form


def after_upload(request: Request, location: str) -> Response:
    """Where to go after a file form: a 303 for a plain form post, or ``{"location": ...}`` for the
    script's upload (which follows it itself, so a page that shows something once is fetched once)."""
    if request.headers.get("x-haven-upload") == "1":
        return JSONResponse({"location": location})
    return RedirectResponse(location, status_code=303)


def first(fields: dict[str, list[str]], name: str, default: str = "") -> str:
    values = fields.get(name)
    return values[0] if values else default
