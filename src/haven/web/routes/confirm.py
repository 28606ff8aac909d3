"""Are you sure? pages before a step that cannot be undone in the evidence case: marking a picture as a
nude picture (for an under-18 this deletes Haven's only copy at once). The page says what will happen and
posts to the action itself; "No" goes back and changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import HavenError
from haven.web.render import page

router = APIRouter()


@router.get("/evidence/intimate/{item_id}", response_class=HTMLResponse)
def confirm_intimate(request: Request, item_id: str) -> Response:
    vault = request.app.state.session.vault
    if vault is None:
        return RedirectResponse("/evidence?locked=1", status_code=303)
    try:
        item = vault.get_item(item_id)
    except HavenError:
        return RedirectResponse("/evidence/files", status_code=303)
    return page(
        request, "evidence_intimate_confirm.html", back="/evidence/files", item=item, minor=vault.is_minor
    )
