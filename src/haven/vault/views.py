"""Paged, indexed reads for the views (web pages and CLI listings): no call loads a whole case.

Every function returns one page and the total it is a page of. Messages come in time order from the
``messages_in_order`` index (messages without a time last), offender details and red flags from the
derived tables (see ``derived``) in the order they were ranked, files from the items table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from haven.core.models import Flag, Item, Message, is_own_sender
from haven.vault.derived import META_KEY, is_stale, read_state, wanted_state

if TYPE_CHECKING:
    from haven.vault.vault import Vault

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    offset: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def more(self) -> bool:
        return self.offset + len(self.rows) < self.total


def _bounds(offset: int, limit: int) -> tuple[int, int]:
    return max(0, int(offset)), max(1, min(int(limit), MAX_LIMIT))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def messages_page(
    vault: Vault,
    offset: int = 0,
    limit: int = 200,
    *,
    conversation: str | None = None,
    search: str | None = None,
) -> Page[Message]:
    """One page of the timeline (``Vault.messages`` order), optionally of one conversation or with text."""
    offset, limit = _bounds(offset, limit)
    where, args = [], []
    if conversation is not None:
        where.append("conversation = ?")
        args.append(conversation)
    if search:
        where.append("data LIKE ? ESCAPE '\\'")
        args.append(_like(search))
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with vault.reading() as conn:
        total = conn.execute(f"SELECT count(*) FROM messages{clause}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT data FROM messages INDEXED BY messages_in_order{clause} "
            "ORDER BY ts IS NULL, ts, rowid LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
    me = vault.case.me
    out = []
    for (data,) in rows:
        msg = Message.model_validate_json(data)
        if me and msg.from_me is None:
            msg.from_me = is_own_sender(me, msg.sender, msg.sender_id)
        out.append(msg)
    return Page(out, total, offset, limit)


def derived_state(vault: Vault) -> dict[str, Any]:
    """The derived data's state: ``{"stale": bool, "failed": str | None, "summary": {...}, ...}``."""
    with vault.reading() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
        has_messages = conn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None
    state = read_state(lambda _k: row[0] if row else None) or {}
    failed = state.get("error") if state.get("version") == "failed" else None
    stale = has_messages and (failed is not None or is_stale(state or None, wanted_state(vault)))
    return {**state, "stale": bool(stale), "failed": failed}


def details_page(
    vault: Vault, offset: int = 0, limit: int = 100, *, kind: str | None = None, search: str | None = None
) -> Page[dict[str, Any]]:
    """One page of offender details (aggregated rows, as ``haven.indicators.aggregate`` makes them)."""
    import json

    offset, limit = _bounds(offset, limit)
    where, args = [], []
    if kind:
        where.append("kind = ?")
        args.append(kind)
    if search:
        where.append("search LIKE ? ESCAPE '\\'")
        args.append(_like(search.casefold()))
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with vault.reading() as conn:
        total = conn.execute(f"SELECT count(*) FROM derived_details{clause}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT data FROM derived_details{clause} ORDER BY rank LIMIT ? OFFSET ?", [*args, limit, offset]
        ).fetchall()
        kinds = [r[0] for r in conn.execute("SELECT DISTINCT kind FROM derived_details").fetchall()]
    return Page([json.loads(r[0]) for r in rows], total, offset, limit, {"kinds": kinds})


def flags_page(
    vault: Vault, offset: int = 0, limit: int = 100, *, flag: str | None = None
) -> Page[tuple[Flag, Message | None]]:
    """One page of red flags, each with its message."""
    offset, limit = _bounds(offset, limit)
    clause, args = ("WHERE f.flag = ?", [flag]) if flag else ("", [])
    with vault.reading() as conn:
        total = conn.execute(f"SELECT count(*) FROM derived_flags f {clause}", args).fetchone()[0]
        rows = conn.execute(
            "SELECT f.data, m.data FROM derived_flags f LEFT JOIN messages m ON m.id = f.message_id "
            f"{clause} ORDER BY f.rank LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
    out = [(Flag.model_validate_json(f), Message.model_validate_json(m) if m else None) for f, m in rows]
    return Page(out, total, offset, limit)


def flagged_among(vault: Vault, message_ids: list[str]) -> dict[str, list[str]]:
    """The red flags on the given messages (for marking a timeline page)."""
    if not message_ids:
        return {}
    out: dict[str, list[str]] = {}
    with vault.reading() as conn:
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for mid, flag in conn.execute(
                f"SELECT message_id, flag FROM derived_flags WHERE message_id IN ({marks}) ORDER BY rank",
                chunk,
            ):
                out.setdefault(mid, []).append(flag)
    return out


_FILES_WHERE = (
    "json_extract(data, '$.parent_id') IS NULL OR json_extract(data, '$.media_type') LIKE 'image/%' "
    "OR json_extract(data, '$.media_type') LIKE 'video/%'"
)


def items_page(
    vault: Vault, offset: int = 0, limit: int = 100, *, top_and_pictures: bool = False
) -> Page[Item]:
    """One page of the case's files (``top_and_pictures``: the files the person added, and pictures and
    videos found inside them — what the web app's Files page lists)."""
    offset, limit = _bounds(offset, limit)
    clause = f" WHERE {_FILES_WHERE}" if top_and_pictures else ""
    with vault.reading() as conn:
        total = conn.execute(f"SELECT count(*) FROM items{clause}").fetchone()[0]
        rows = conn.execute(
            f"SELECT data FROM items{clause} ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
    return Page([Item.model_validate_json(r[0]) for r in rows], total, offset, limit)
