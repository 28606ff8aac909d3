"""Running the console: users (admin), settings (retention period, this console's name and contact),
the audit log with its verification (supervisor, admin), quarantined packages (supervisor)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from haven.console import audit, store
from haven.console.app import render
from haven.console.auth import Ctx, form, need
from haven.console.db import get_meta, quarantine, set_meta
from haven.console.users import ROLES, create_user, list_users
from haven.core.errors import HavenError

router = APIRouter()


def _s(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


@router.get("/admin/users")
def users_page(request: Request, ctx: Ctx = Depends(need("admin"))) -> Response:
    s = _s(request)
    audit.record(s.engine, s.key, ctx.user.name, "view", "users")
    return render(request, "users.html", users=list_users(s.engine), roles=ROLES)


@router.post("/admin/users")
def users_create(request: Request, name: str = Form(""), role: str = Form(""), unit: str = Form("default"),
                 ctx: Ctx = Depends(form("admin"))) -> Response:
    s = _s(request)
    try:
        made = create_user(s.engine, s.key, name, role, unit)
    except HavenError as exc:
        return render(request, "users.html", status=400, users=list_users(s.engine), roles=ROLES,
                      error=exc.message)
    audit.record(s.engine, s.key, ctx.user.name, "user-create", made["user"], role=role, unit=unit)
    return render(request, "users.html", users=list_users(s.engine), roles=ROLES, made=made)


@router.get("/admin/settings")
def settings_page(request: Request, ctx: Ctx = Depends(need("admin", "supervisor"))) -> Response:
    s = _s(request)
    return render(request, "settings.html", retention=store.retention_days(s.engine),
                  contact=get_meta(s.engine, "contact") or s.contact)


@router.post("/admin/settings")
def settings_save(request: Request, retention: str = Form(""), contact: str = Form(""),
                  ctx: Ctx = Depends(form("admin", "supervisor"))) -> Response:
    s = _s(request)
    try:
        days = int(retention) if retention.strip() else None
        store.set_retention(s.engine, s.key, days, ctx.user.name)
    except (ValueError, HavenError):
        return render(request, "settings.html", status=400, retention=retention, contact=contact,
                      error="The retention period is a whole number of days (or empty for none).")
    set_meta(s.engine, "contact", contact.strip()[:500])
    s.contact = contact.strip()[:500]
    request.app.state.psi.contact = s.contact
    audit.record(s.engine, s.key, ctx.user.name, "settings", "", retention_days=days)
    purged = store.purge_expired(s.engine, s.key, actor=ctx.user.name)
    return render(request, "settings.html", retention=days, contact=s.contact, saved=True, purged=purged)


@router.get("/audit")
def audit_page(request: Request, ctx: Ctx = Depends(need("admin", "supervisor"))) -> Response:
    s = _s(request)
    audit.record(s.engine, s.key, ctx.user.name, "view", "audit log")
    problems = audit.verify(s.engine, s.key)
    return render(request, "audit.html", problems=problems, entries=audit.entries(s.engine, limit=300))


@router.get("/quarantine")
def quarantine_page(request: Request, ctx: Ctx = Depends(need("supervisor"))) -> Response:
    s = _s(request)
    with s.engine.connect() as conn:
        rows = conn.execute(select(quarantine.c.id, quarantine.c.received_at, quarantine.c.received_by,
                                   quarantine.c.filename, quarantine.c.reasons)
                            .order_by(quarantine.c.id.desc())).mappings().all()
    audit.record(s.engine, s.key, ctx.user.name, "view", "quarantine", shown=len(rows))
    return render(request, "quarantine.html", rows=rows)
