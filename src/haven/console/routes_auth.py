"""Signing in (password, then a TOTP code), signing out, and the home page with its link alerts."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from haven.console import audit, store
from haven.console.app import render
from haven.console.auth import CASE_ROLES, COOKIE, PRE_COOKIE, Ctx, form, need
from haven.console.users import SignInError, check_password, check_totp, end_session, get_session, new_session

router = APIRouter()


def _settings(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    secure = _settings(request).secure_cookies or request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=secure, path="/",
                        max_age=max_age)


@router.get("/login")
def login_page(request: Request) -> Response:
    pre = secrets.token_urlsafe(24)
    response = render(request, "login.html", pre=pre)
    _cookie(request, response, PRE_COOKIE, pre, 900)
    return response


def _pre_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(PRE_COOKIE) or ""
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form("")) -> Response:
    s = _settings(request)
    if not _pre_ok(request, csrf):
        return render(request, "login.html", status=400, pre=csrf,
                      error="The form expired. Please try again.")
    try:
        user = check_password(s.engine, name, password)
    except SignInError as exc:
        audit.record(s.engine, s.key, name[:200] or "?", "sign-in-failed", "password", locked=exc.locked)
        return render(request, "login.html", status=401, pre=csrf, error=str(exc))
    token, _ = new_session(s.engine, user.id, "totp")
    response = RedirectResponse("/login/totp", status_code=303)
    _cookie(request, response, COOKIE, token)
    return response


@router.get("/login/totp")
def totp_page(request: Request) -> Response:
    found = get_session(_settings(request).engine, request.cookies.get(COOKIE))
    if found is None or found[1] != "totp":
        return RedirectResponse("/login", status_code=303)
    return render(request, "totp.html", csrf=found[2])


@router.post("/login/totp")
def totp(request: Request, code: str = Form(""), csrf: str = Form("")) -> Response:
    s = _settings(request)
    token = request.cookies.get(COOKIE)
    found = get_session(s.engine, token)
    if found is None or found[1] != "totp" or not hmac.compare_digest(found[2].encode(), csrf.encode()):
        return RedirectResponse("/login", status_code=303)
    try:
        user = check_totp(s.engine, s.key, found[0].id, code)
    except SignInError as exc:
        audit.record(s.engine, s.key, found[0].name, "sign-in-failed", "totp", locked=exc.locked)
        return render(request, "totp.html", status=401, csrf=found[2], error=str(exc))
    end_session(s.engine, token)
    full, _ = new_session(s.engine, user.id, "full")
    audit.record(s.engine, s.key, user.name, "sign-in", user.role)
    response = RedirectResponse("/", status_code=303)
    _cookie(request, response, COOKIE, full)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx = Depends(form())) -> Response:
    s = _settings(request)
    end_session(s.engine, ctx.token)
    audit.record(s.engine, s.key, ctx.user.name, "sign-out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request, ctx: Ctx = Depends(need())) -> Response:
    s = _settings(request)
    alerts = store.alerts_for(s.engine, s.key, ctx.user) if ctx.user.role in CASE_ROLES else []
    cases = store.list_cases(s.engine, s.key, ctx.user)[:10] if ctx.user.role in CASE_ROLES else []
    audit.record(s.engine, s.key, ctx.user.name, "view", "home", alerts=len(alerts))
    return render(request, "home.html", alerts=alerts, cases=cases)
