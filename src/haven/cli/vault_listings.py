"""The paged listings of a case: ``haven case timeline|details|red-flags|items|ledger``.

Each reads one page from an indexed query (``--limit`` / ``--offset``) and prints it as a table, JSON or
JSON lines; offender details and red flags are read from what the import stored, never worked out again."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from haven.cli.case_common import (
    CASE_DIR,
    PASSPHRASE,
    TABLE_OR_JSON,
    TABLE_OR_JSON_FORMAT,
    check_format,
    open_case,
)
from haven.cli.common import OutputFormat, console, err_console, handle_errors, print_json
from haven.vault import Vault

TIMELINE_FIELDS = (
    "id",
    "source_format",
    "conversation",
    "sender",
    "sender_id",
    "timestamp_utc",
    "timestamp_original",
    "kind",
    "text",
    "attachments",
)

_LIMIT = typer.Option(100, "--limit", min=1, max=1000, help="How many rows (one page).")
_OFFSET = typer.Option(0, "--offset", min=0, help="Rows to skip (the page's start).")
_LISTING_FORMAT = typer.Option(OutputFormat.table, "--format", help="table, json or jsonl.")
LISTING = (OutputFormat.table, OutputFormat.json, OutputFormat.jsonl)

Row = dict[str, Any]


def _page_note(shown: int, offset: int, total: int) -> None:
    if shown < total:
        err_console.print(
            f"Rows {offset + 1 if shown else offset}–{offset + shown} of {total:,} "
            f"(--offset {offset + shown} for the next page).",
            highlight=False,
        )


def _stale_note(vault: Vault) -> None:
    state = vault.derived_state()
    if state.get("failed"):
        err_console.print(
            f"[yellow]note[/] offender details and red flags could not be worked out "
            f"({escape(state['failed'])}); run `haven case derive` to try again."
        )
    elif state.get("stale"):
        err_console.print(
            "[yellow]note[/] these were found by an older version of Haven or before your "
            "names changed; run `haven case derive` to bring them up to date."
        )


def emit(
    fmt: OutputFormat,
    rows: list[Row],
    *,
    title: str,
    columns: Sequence[str],
    cells: Callable[[Row], Sequence[str]],
) -> None:
    """Print rows as JSON, JSON lines, or a table whose cells come from ``cells(row)``."""
    if fmt is OutputFormat.json:
        print_json(rows)
        return
    if fmt is OutputFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*cells(row))
    console.print(table)


def _when(iso: str | None, fallback: str | None = None, width: int = 16) -> str:
    """An ISO time from the JSON rows as ``YYYY-MM-DD HH:MM`` (or the file's own words when unknown)."""
    return iso[:width].replace("T", " ") if iso else (fallback or "")


def _timeline_cells(r: Row) -> list[str]:
    files = ", ".join(a["filename"] for a in r.get("attachments") or [])
    text = r["text"] + (f" [{files}]" if files else "")
    return [
        _when(r.get("timestamp_utc"), r.get("timestamp_original")),
        escape(r["conversation"]),
        escape(r.get("sender") or ""),
        str(r["kind"]),
        escape(text),
    ]


def _detail_cells(r: Row) -> list[str]:
    return [
        r["kind"],
        escape(str(r["value"])),
        "yes" if r["valid"] else "no",
        str(r["count"]),
        str(r.get("first_seen") or "")[:16],
        str(r.get("last_seen") or "")[:16],
    ]


def _flag_cells(r: Row) -> list[str]:
    return [_when(r["time"]), escape(r["sender"] or ""), r["flag"], escape(r["evidence"])]


def _item_cells(r: Row) -> list[str]:
    kept = "hash only" if not r["stored"] else ("intimate" if r["intimate"] else "yes")
    return [r["id"], escape(r["filename"]), str(r["size"]), r["sha256"], kept]


def _ledger_cells(r: Row) -> list[str]:
    return [str(r["seq"]), _when(r["time_utc"], width=19), r["action"], r.get("sha256") or "",
            r["entry_hash"][:16]]


def register(case_app: typer.Typer) -> None:
    """Add the listing commands to the ``haven case`` group."""

    @case_app.command("timeline")
    @handle_errors
    def timeline(
        directory: Path = CASE_DIR,
        fmt: OutputFormat = _LISTING_FORMAT,
        conversation: str | None = typer.Option(None, "--conversation", help="Only this conversation."),
        search: str | None = typer.Option(None, "--search", help="Only messages containing this text."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Messages from every app in time order, one page at a time."""
        check_format(fmt, LISTING)
        with open_case(directory, passphrase_env) as vault:
            page = vault.messages_page(offset, limit, conversation=conversation, search=search)
        rows = [m.model_dump(mode="json", include=set(TIMELINE_FIELDS)) for m in page.rows]
        emit(fmt, rows, title=f"Timeline ({page.total:,} messages)",
             columns=("time (UTC)", "conversation", "sender", "kind", "text"), cells=_timeline_cells)
        _page_note(len(rows), offset, page.total)

    @case_app.command("details")
    @handle_errors
    def details(
        directory: Path = CASE_DIR,
        fmt: OutputFormat = _LISTING_FORMAT,
        kind: str | None = typer.Option(None, "--kind", help="Only this kind (phone, iban, btc, ...)."),
        search: str | None = typer.Option(None, "--search", help="Only details containing this text."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Offender details found when the evidence was imported (one row per detail), one page at a time."""
        check_format(fmt, LISTING)
        with open_case(directory, passphrase_env) as vault:
            page = vault.details_page(offset, limit, kind=kind, search=search)
            _stale_note(vault)
        emit(fmt, list(page.rows), title=f"Offender details ({page.total:,})",
             columns=("kind", "value", "valid", "count", "first seen", "last seen"), cells=_detail_cells)
        _page_note(len(page.rows), offset, page.total)

    @case_app.command("red-flags")
    @handle_errors
    def red_flags(
        directory: Path = CASE_DIR,
        fmt: OutputFormat = _LISTING_FORMAT,
        flag: str | None = typer.Option(None, "--flag", help="Only this red flag (threat-to-share, ...)."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Red flags found when the evidence was imported, with their messages, one page at a time."""
        check_format(fmt, LISTING)
        with open_case(directory, passphrase_env) as vault:
            page = vault.flags_page(offset, limit, flag=flag)
            _stale_note(vault)
        rows = [
            {
                **f.model_dump(mode="json"),
                "time": m.timestamp_utc.isoformat() if m and m.timestamp_utc else None,
                "sender": m.sender if m else None,
                "conversation": m.conversation if m else None,
            }
            for f, m in page.rows
        ]
        emit(fmt, rows, title=f"Red flags ({page.total:,})",
             columns=("time (UTC)", "sender", "flag", "evidence"), cells=_flag_cells)
        _page_note(len(rows), offset, page.total)

    @case_app.command("items")
    @handle_errors
    def items(
        directory: Path = CASE_DIR,
        fmt: OutputFormat = _LISTING_FORMAT,
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """The files kept as evidence, with their ids and SHA-256 hashes, one page at a time."""
        check_format(fmt, LISTING)
        with open_case(directory, passphrase_env) as vault:
            page = vault.items_page(offset, limit)
        rows = [i.model_dump(mode="json") for i in page.rows]
        _page_note(len(rows), offset, page.total)
        emit(fmt, rows, title=f"{page.total} items",
             columns=("id", "file", "size", "sha256", "kept"), cells=_item_cells)

    @case_app.command("ledger")
    @handle_errors
    def ledger_(
        directory: Path = CASE_DIR,
        fmt: OutputFormat = TABLE_OR_JSON_FORMAT,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """The log of every action on the evidence."""
        check_format(fmt, TABLE_OR_JSON)
        with open_case(directory, passphrase_env) as vault:
            rows = [e.model_dump(mode="json") for e in vault.ledger()]
        emit(fmt, rows, title="Ledger", columns=("seq", "time (UTC)", "action", "sha256", "hash"),
             cells=_ledger_cells)
