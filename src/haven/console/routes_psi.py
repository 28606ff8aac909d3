"""PSI: the peer endpoint (``/psi/v1/…``, bearer peer token, JSON; only when the console was given a
peer token) and the page listing what earlier runs found."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from haven.console import audit, psi, psi_peer
from haven.console.app import render
from haven.console.auth import Ctx, need
from haven.core.errors import HavenError

router = APIRouter()
MAX_BODY = 512 << 20


async def _peer(request: Request, action: str, *args: Any) -> Response:
    responder: psi_peer.Responder = request.app.state.psi
    if not responder.token:
        return JSONResponse({"error": "this console does not take part in PSI"}, status_code=404)
    if not responder.authorised(request.headers.get("authorization")):
        s = request.app.state.settings
        audit.record(s.engine, s.key, "peer", "psi-refused", request.client.host if request.client else "")
        return JSONResponse({"error": "wrong or missing peer token"}, status_code=401)
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        body = await request.json()
        method = getattr(responder, action)
        out = await run_in_threadpool(method, *args, body)  # type: ignore[call-arg]
    except (HavenError, ValueError, KeyError, RuntimeError, TimeoutError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(out)


@router.post("/psi/v1/start")
async def psi_start(request: Request) -> Response:
    return await _peer(request, "start")


@router.post("/psi/v1/{sid}/setup")
async def psi_setup(request: Request, sid: str) -> Response:
    return await _peer(request, "setup", sid)


@router.post("/psi/v1/{sid}/request")
async def psi_request(request: Request, sid: str) -> Response:
    return await _peer(request, "request", sid)


@router.post("/psi/v1/{sid}/result")
async def psi_result(request: Request, sid: str) -> Response:
    return await _peer(request, "result", sid)


@router.get("/psi")
def psi_page(request: Request, ctx: Ctx = Depends(need("analyst", "supervisor"))) -> Response:
    s = request.app.state.settings
    audit.record(s.engine, s.key, ctx.user.name, "view", "psi results")
    return render(request, "psi.html", results=psi.results(s.engine, s.key))
