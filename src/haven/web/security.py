"""The web app's guards: who may come in (one-time token, then a session cookie), the security headers
on every response, and the CSRF check every form post goes through."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.web.render import env

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self' https://www.bbc.co.uk"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
OPEN_PATHS = ("/static/",)
"""Served to anyone: the style sheet and script hold no data."""


def cookie_name(app: FastAPI) -> str:
    return f"haven_session_{app.state.port}"


def forbidden() -> HTMLResponse:
    html = env().get_template("forbidden.html").render()
    return HTMLResponse(html, status_code=403)


def install(app: FastAPI) -> None:
    """Add the guard middleware to ``app``."""

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await _guard(request, call_next)
        for key, value in HEADERS.items():
            response.headers[key] = value
        return response


async def _guard(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
    app = request.app
    session = app.state.session
    path = request.url.path
    host = (request.headers.get("host") or "").split(":")[0]
    if host not in ("127.0.0.1", "localhost"):
        # DNS rebinding: a web page that points its own name at 127.0.0.1 gets nothing.
        return forbidden()
    if path.startswith(OPEN_PATHS):
        return await call_next(request)
    if path == "/exit":
        # Quick exit always answers with the neutral site, even for an expired session; only the
        # session's own browser (its cookie) can end the session (see routes.pages.quick_exit).
        return await call_next(request)
    cookie = request.cookies.get(cookie_name(app))
    token = request.query_params.get("token")
    if token is not None:
        rest = {k: v for k, v in request.query_params.items() if k != "token"}
        response = RedirectResponse(path + (f"?{urlencode(rest)}" if rest else ""), status_code=303)
        if session.is_member(cookie):
            return response  # already in: just take the address out of the address bar
        sid = session.redeem(token)
        if sid is None:
            return forbidden()
        response.set_cookie(cookie_name(app), sid, httponly=True, samesite="strict", path="/")
        return response
    if not session.is_member(cookie):
        return forbidden()
    session.idle_check()
    session.touch()
    response = await call_next(request)
    session.touch()  # a long import or report counts as use until it is done
    return response
