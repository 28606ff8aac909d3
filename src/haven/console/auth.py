"""Who may do what: the session behind a request (cookie), the role a route needs, the CSRF token every
form carries. Routes declare ``Depends(need("officer", "supervisor"))`` (GET) or ``Depends(form(…))``
(POST: also checks CSRF)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from haven.console.users import User, get_session

COOKIE = "haven_console"
PRE_COOKIE = "haven_console_pre"
CASE_ROLES = ("officer", "analyst", "supervisor")
ALL_ROLES = ("officer", "analyst", "supervisor", "admin")


class NeedSession(Exception):
    """No (full) session: the person is sent to sign in."""


class NeedRole(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ctx:
    user: User
    csrf: str
    token: str


def _ctx(request: Request, roles: tuple[str, ...]) -> Ctx:
    token = request.cookies.get(COOKIE)
    found = get_session(request.app.state.settings.engine, token)
    if found is None or found[1] != "full":
        raise NeedSession()
    user, _, csrf = found
    ctx = Ctx(user, csrf, token or "")
    request.state.ctx = ctx
    if user.role not in roles:
        raise NeedRole(f"This page is for the {', '.join(roles)} role(s); you are signed in as {user.role}.")
    return ctx


def need(*roles: str) -> Callable[[Request], Ctx]:
    def dep(request: Request) -> Ctx:
        return _ctx(request, roles or ALL_ROLES)

    return dep


def form(*roles: str) -> Callable[[Request], object]:
    async def dep(request: Request) -> Ctx:
        ctx = _ctx(request, roles or ALL_ROLES)
        data = await request.form()
        sent = str(data.get("csrf") or "")
        if not hmac.compare_digest(sent.encode(), ctx.csrf.encode()):
            raise NeedRole("This form has expired or did not come from this console. Please try again.")
        return ctx

    return dep
