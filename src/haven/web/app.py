"""The FastAPI application: one session, the guards, and one router per journey."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from haven.core.errors import HavenError
from haven.web import i18n, security
from haven.web.render import page
from haven.web.routes import confirm, continuity, email, evidence, guide, pages, protect, report
from haven.web.settings import Settings
from haven.web.state import Session

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings, *, port: int = 0, on_new_link: Callable[[str, str], None] | None = None
) -> FastAPI:
    """Build the app. ``app.state.session.launch_token`` is the one-time token for the first address."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="Haven")
    app.state.settings = settings
    app.state.port = port
    app.state.session = Session(settings.lock_after, on_new_link)
    security.install(app)
    app.add_middleware(i18n.LanguageMiddleware)  # outermost: every page, even a refused one, has a language
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, guide, confirm, evidence, protect, email, report, continuity):
        app.include_router(module.router)

    @app.exception_handler(StarletteHTTPException)
    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        if exc.status_code == 403:
            return page(request, "expired.html", status_code=403)
        if exc.status_code == 404:
            return page(request, "notfound.html", status_code=404)
        if exc.status_code == 413:
            return page(request, "toobig.html", status_code=413)
        if exc.status_code == 405:
            return page(request, "notallowed.html", status_code=405)
        return page(request, "notfound.html", status_code=exc.status_code)

    @app.exception_handler(HavenError)
    async def _haven_error(request: Request, exc: HavenError) -> HTMLResponse:
        return page(request, "problem.html", status_code=400, message=exc.message, detail_lang="en")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> HTMLResponse:
        # This handler runs outside the language middleware: find the language again.
        i18n.set_current(i18n.choose(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE)))
        message = i18n.gettext("Something went wrong inside Haven. Nothing was lost.")
        response = page(request, "problem.html", status_code=500, message=message)
        response.headers.update(security.HEADERS)  # this handler runs outside the guard middleware
        return response

    return app
