"""The bank's HTTP API (FastAPI): cases, matching, feedback, webhooks, status. Routes follow HMA's shape.

Every route but ``/v1/health`` needs ``Authorization: Bearer KEY`` and a role allowed for it. Only JSON
bodies are accepted (no images, ever): other content types get 415, bodies over 2 MB get 413.
"""

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import Match

from haven import __version__
from haven.bank import case_link, feed, hma, openapi
from haven.bank import cases as case_ops
from haven.bank import webhooks as hooks
from haven.bank.db import make_engine, normalise_url
from haven.bank.fastmatch import BankAPI, FastMatch, dumps
from haven.bank.index import MAX_RADIUS
from haven.bank.keys import PERMISSIONS, KeyCache, Principal, create_key
from haven.bank.matcher import Matcher
from haven.bank.openapi import errors
from haven.bank.schemas import (
    BatchMatchIn,
    BatchMatchResponse,
    CaseCreated,
    CaseIn,
    CaseOut,
    FeedbackIn,
    FeedbackOut,
    KeyIn,
    KeyOut,
    MatchResponse,
    PinIn,
    SignalTypeName,
    WebhookIn,
    WebhookOut,
    WithdrawOut,
)
from haven.protect.signals import validate_signal

MAX_BODY = 2 * 1024 * 1024
SNAPSHOT_SECONDS = 300.0

_bearer = HTTPBearer(auto_error=False, description="An API key made with `haven bank keys create`.")


class BodyGuard:
    """ASGI middleware: JSON bodies only, and at most ``MAX_BODY`` bytes (checked before reading). Requests
    no route takes (unknown path, wrong method) go straight on, so the router answers 404 / 405."""

    def __init__(self, app: Any, router: Any = None) -> None:
        self.app = app
        self.router = router

    def _routed(self, scope: dict) -> bool:
        if self.router is None:
            return True
        return any(route.matches(scope)[0] == Match.FULL for route in self.router.routes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and self._routed(scope):
            headers = dict(scope["headers"])
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            length = headers.get(b"content-length")
            error = None
            if ctype != b"application/json":
                error = (
                    415,
                    "Send JSON (Content-Type: application/json). Only hash strings are accepted; "
                    "images and files are never accepted.",
                )
            elif length is None or not length.isdigit():
                error = (411, "A Content-Length header is required.")
            elif int(length) > MAX_BODY:
                error = (413, f"The request body is larger than {MAX_BODY} bytes.")
            if error:
                await JSONResponse({"detail": error[1]}, status_code=error[0])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def default_snapshot_dir(database: str) -> Path | None:
    url = normalise_url(database)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///") + ".snapshot")
    return None


def create_app(
    database: str, snapshot_dir: Path | None = None, poll_seconds: float = 0.2, shards: int = 0
) -> FastAPI:
    """The bank service over ``database`` (SQLite path/URL or ``postgresql://``); ``shards`` > 0 holds the
    PDQ index in that many Ray actors (``bank/shards.py``)."""
    engine = make_engine(database)
    keys = KeyCache(engine)
    backend = None
    if shards:
        from haven.bank.shards import start_local

        backend = start_local(database, shards)
    matcher = Matcher(
        engine, snapshot_dir if snapshot_dir is not None else default_snapshot_dir(database), backend
    )
    dispatcher = hooks.Dispatcher(engine)
    stop = threading.Event()

    def snapshot_loop() -> None:
        saved = -1
        while not stop.wait(SNAPSHOT_SECONDS):
            if matcher.last_seq != saved:
                matcher.save_snapshot()
                saved = matcher.last_seq

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        matcher.start(poll_seconds, load=not getattr(_app.state, "preloaded", False))
        dispatcher.start()
        saver = threading.Thread(target=snapshot_loop, daemon=True, name="haven-bank-snapshot")
        saver.start()
        yield
        stop.set()
        matcher.stop()
        matcher.save_snapshot()
        dispatcher.stop()
        engine.dispose()
        if backend is not None:  # the local Ray cluster this process started
            from haven.bank.shards import stop_local

            stop_local(backend)

    app = BankAPI(
        title="Haven hash bank",
        version=__version__,
        description="Match uploads against hashes that people asked to protect. Hashes only; no images.",
        lifespan=lifespan,
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN: off (see bank/openapi.py)
        redoc_url=None,
    )
    openapi.install(app)  # every route's errors declared with the one Error schema

    def match_body(who: Principal, signal_type: str, value: str, max_distance: int) -> bytes:
        found = [m.to_dict() for m in matcher.match(signal_type, value, max_distance)]
        if found:
            dispatcher.alert(found, who.name)
        return dumps({"matches": found})

    app.add_middleware(BodyGuard, router=app.router)
    app.fast = FastMatch(keys, match_body)  # the common GET /v1/match, before FastAPI (bank/fastmatch.py)
    app.state.matcher, app.state.engine, app.state.dispatcher = matcher, engine, dispatcher

    def allowed(action: str):
        roles = PERMISSIONS[action]

        async def check(
            creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> Principal:
            if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
                raise HTTPException(
                    401,
                    "An API key is required: Authorization: Bearer KEY",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            principal = keys.lookup(creds.credentials)
            if principal is None:
                raise HTTPException(401, "This API key is not valid.", headers={"WWW-Authenticate": "Bearer"})
            if principal.role not in roles:
                raise HTTPException(403, f"The {principal.role} role cannot use this route.")
            return principal

        return check

    def case_error(exc: case_ops.CaseError) -> HTTPException:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return HTTPException(exc.status, exc.message, headers=headers)

    @app.get("/v1/health", tags=["status"])
    async def health() -> dict[str, str]:
        """Liveness; the only route without a key."""
        return {"status": "ok"}

    @app.get("/v1/status", tags=["status"])
    def status(who: Annotated[Principal, Depends(allowed("status"))]) -> dict[str, Any]:
        """Bank size, index state and the last applied change."""
        return {
            "status": "ok",
            "version": __version__,
            "you": {"name": who.name, "role": who.role},
            **matcher.stats(),
            "webhook_alerts_dropped": dispatcher.dropped,
        }

    @app.get("/v1/match", response_model=MatchResponse, tags=["match"])
    async def match_one(
        who: Annotated[Principal, Depends(allowed("match"))],
        signal_type: Annotated[SignalTypeName, Query()],
        signal: Annotated[
            str, Query(max_length=1000, description="Use POST /v1/match for long vPDQ values.")
        ],
        max_distance: Annotated[int, Query(ge=0, le=MAX_RADIUS)] = MAX_RADIUS,
    ) -> Response:
        """Bank signals matching one hash: bank, signal id, type and distance (never case details)."""
        try:
            value = validate_signal(signal_type, signal)
        except ValueError as exc:
            raise HTTPException(422, f"signal: {exc}") from None
        return Response(match_body(who, signal_type, value, max_distance), media_type="application/json")

    @app.post("/v1/match", response_model=BatchMatchResponse, tags=["match"])
    async def match_batch(
        body: BatchMatchIn, who: Annotated[Principal, Depends(allowed("match"))]
    ) -> JSONResponse:
        """Up to 1000 hashes at once; results in request order."""
        by_type: dict[str, list[int]] = {}
        for i, s in enumerate(body.signals):
            by_type.setdefault(s.signal_type, []).append(i)
        results: list[list[dict[str, Any]]] = [[] for _ in body.signals]
        for stype, positions in by_type.items():
            found = matcher.match_many(stype, [body.signals[i].signal for i in positions], body.max_distance)
            for i, matches in zip(positions, found, strict=True):
                results[i] = [m.to_dict() for m in matches]
        every = [m for r in results for m in r]
        if every:
            dispatcher.alert(every, who.name)
        return JSONResponse(
            {
                "results": [
                    {"signal_type": s.signal_type, "signal": s.signal, "matches": r}
                    for s, r in zip(body.signals, results, strict=True)
                ]
            }
        )

    @app.post("/v1/cases", status_code=201, response_model=CaseCreated, tags=["cases"])
    def create_case(body: CaseIn, who: Annotated[Principal, Depends(allowed("cases"))]) -> CaseCreated:
        """A person's hashes. Answers the case number and PIN once: keep them to check or withdraw."""
        try:
            new = case_ops.create_case(
                engine, [(s.signal_type, s.signal) for s in body.signals], who.name, body.bank
            )
        except case_ops.CaseError as exc:
            raise case_error(exc) from None
        matcher.sync()  # live before we answer
        return CaseCreated(case_number=new.case_number, pin=new.pin, status=new.status)  # type: ignore[arg-type]

    @app.get("/v1/cases/{number}", response_model=CaseOut, tags=["cases"], responses=errors(400, 404, 429))
    def get_case(
        number: str,
        who: Annotated[Principal, Depends(allowed("cases"))],
        request: Request,
        x_case_pin: Annotated[str | None, Header(max_length=100)] = None,
    ) -> dict[str, Any]:
        """Case status and platform feedback. The PIN goes in the X-Case-Pin header, never in the URL."""
        if "pin" in request.query_params:  # URLs end up in access logs
            raise HTTPException(400, "Send the case PIN in the X-Case-Pin header, never in the URL.")
        given = x_case_pin
        if not given:
            raise HTTPException(422, "The case PIN is required (X-Case-Pin header).")
        try:
            return case_ops.get_case(engine, number[:40], given)
        except case_ops.CaseError as exc:
            raise case_error(exc) from None

    @app.post(
        "/v1/cases/{number}/withdraw", response_model=WithdrawOut, tags=["cases"], responses=errors(404, 429)
    )
    def withdraw(
        number: str, body: PinIn, who: Annotated[Principal, Depends(allowed("cases"))]
    ) -> dict[str, Any]:
        """Withdraw the case: its hashes stop matching at once, on every worker within a second."""
        try:
            out = case_ops.withdraw_case(engine, number[:40], body.pin)
        except case_ops.CaseError as exc:
            raise case_error(exc) from None
        matcher.sync()
        return out

    @app.post(
        "/v1/feedback", status_code=201, response_model=FeedbackOut, tags=["match"], responses=errors(404)
    )
    def give_feedback(
        body: FeedbackIn, who: Annotated[Principal, Depends(allowed("feedback"))]
    ) -> FeedbackOut:
        """What the platform did with a match: PendingReview, Blocked or NotBlocked."""
        try:
            case_ops.add_feedback(engine, body.signal_id, who.name, body.feedback, body.tags)
        except case_ops.CaseError as exc:
            raise case_error(exc) from None
        return FeedbackOut(signal_id=body.signal_id, feedback=body.feedback.value, platform=who.name)

    @app.post("/v1/webhooks", status_code=201, response_model=WebhookOut, tags=["alerts"])
    def add_webhook(
        body: WebhookIn, who: Annotated[Principal, Depends(allowed("webhooks"))]
    ) -> dict[str, Any]:
        """Register a URL for resurfacing alerts. The secret (shown once) verifies X-Haven-Signature."""
        try:
            out = hooks.register(engine, who.name, body.url, dispatcher.policy)
        except ValueError as exc:
            raise HTTPException(422, f"url: {exc}") from None
        dispatcher.refresh()
        return out

    @app.post("/v1/keys", status_code=201, response_model=KeyOut, tags=["keys"])
    def add_key(body: KeyIn, who: Annotated[Principal, Depends(allowed("keys"))]) -> KeyOut:
        """Admin only: a new API key (shown once)."""
        try:
            key = create_key(engine, body.name, body.role)
        except ValueError as exc:
            raise HTTPException(422, f"name: {exc}") from None
        return KeyOut(key=key, name=body.name.strip(), role=body.role)

    app.router.routes.extend(hma.make_router(engine, matcher, allowed, app).routes)  # HMA 2.0 (bank/hma.py)
    app.router.routes.extend(feed.make_router(engine, allowed).routes)  # signed feed (bank/feed.py)
    app.router.routes.extend(case_link.make_router(engine, matcher, allowed).routes)  # bank/case_link.py
    return app


def preload(app: FastAPI) -> None:
    """Load the index now, in this process, and close its database connections: the workers forked
    next (``bank/prefork.py``) share it and only follow the events feed from here."""
    from haven.bank.index import HammingIndex

    HammingIndex.warm_up()
    app.state.matcher.load()
    app.state.preloaded = True
    app.state.engine.dispose()


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers: settings come from HAVEN_BANK_* environment variables."""
    database = os.environ["HAVEN_BANK_DATABASE"]
    snap = os.environ.get("HAVEN_BANK_SNAPSHOT_DIR")
    return create_app(database, Path(snap) if snap else None)
