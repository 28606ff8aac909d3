"""``haven console serve``: the multi-user web app (FastAPI, server-rendered Jinja2 pages, no JavaScript).

Security on every response: a strict Content-Security-Policy (no scripts at all), no-store, no framing,
no referrer; a Host check against the names the console is served under (DNS rebinding). Sessions are
random tokens in an HttpOnly SameSite=Strict cookie (Secure under https), stored hashed; every form carries
the session's CSRF token (``auth.py``). The ``/psi/v1`` endpoint takes a bearer peer token instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from haven.console.auth import NeedRole, NeedSession
from haven.console.crypto import ConsoleKey
from haven.console.psi_peer import Responder

HERE = Path(__file__).parent
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass
class Settings:
    engine: Engine
    key: ConsoleKey
    name: str = "Haven console"
    contact: str = ""
    peer_token: str | None = None
    allowed_hosts: set[str] = field(default_factory=lambda: {"127.0.0.1", "localhost", "::1"})
    secure_cookies: bool = False
    psi_prepare: bool = True
    """With a peer token: prepare the next PSI run's setup in the background (``psi_peer``)."""


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    return env


def render(request: Request, name: str, status: int = 200, **ctx: object) -> HTMLResponse:
    env: Environment = request.app.state.templates
    ctx.setdefault("ctx", getattr(request.state, "ctx", None))
    ctx.setdefault("console_name", request.app.state.settings.name)
    return HTMLResponse(env.get_template(name).render(request=request, **ctx), status_code=status)


def create_app(settings: Settings) -> FastAPI:
    responder = Responder(settings.engine, settings.key, settings.peer_token, settings.name, settings.contact)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.psi_prepare:
            responder.begin_preparing()
        yield
        responder.close()

    app = FastAPI(title="Haven console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.templates = templates()
    app.state.psi = responder
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in settings.allowed_hosts:
            response: Response = PlainTextResponse("Unknown host.", status_code=403)
        else:
            response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        for k, v in HEADERS.items():
            response.headers[k] = v
        return response

    @app.exception_handler(NeedSession)
    async def _login(request: Request, exc: NeedSession) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(NeedRole)
    async def _forbidden(request: Request, exc: NeedRole) -> Response:
        return render(request, "forbidden.html", status=403, reason=exc.reason)

    from haven.console import routes_admin, routes_auth, routes_cases, routes_picture, routes_psi

    for module in (routes_auth, routes_cases, routes_picture, routes_admin, routes_psi):
        app.include_router(module.router)
    return app
