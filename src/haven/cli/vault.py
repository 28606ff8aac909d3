"""CLI commands for the evidence vault: ``haven case create|import|timeline|details|red-flags|derive|verify|
info|items|ledger|note|mark-intimate``. Thin: argument parsing and printing over ``haven.vault.Vault``.

Listings are paged (``--limit`` / ``--offset``) from indexed queries and can be streamed as JSON lines
(``--format jsonl``); offender details and red flags are read from what the import stored."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from haven.cli.common import (
    PASSPHRASE_ENV_HELP,
    OutputFormat,
    console,
    err_console,
    get_passphrase,
    handle_errors,
    print_json,
)
from haven.cli.notices import cli_text
from haven.cli.progress import import_bar
from haven.core.errors import BadAnswers
from haven.vault import ImportSummary, Vault

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

_DIR = typer.Argument(..., help="The case folder.")
_PASS = typer.Option(None, "--passphrase-env", metavar="VAR", help=PASSPHRASE_ENV_HELP)
_LIMIT = typer.Option(100, "--limit", min=1, max=1000, help="How many rows (one page).")
_OFFSET = typer.Option(0, "--offset", min=0, help="Rows to skip (the page's start).")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
LISTING = (OutputFormat.table, OutputFormat.json, OutputFormat.jsonl)


def _jsonl(rows: list[dict]) -> None:  # type: ignore[type-arg]
    import json

    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


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


def _open(directory: Path, passphrase_env: str | None) -> Vault:
    return Vault.open(directory, get_passphrase(passphrase_env))


def _check_format(fmt: OutputFormat, allowed: tuple[OutputFormat, ...]) -> None:
    if fmt not in allowed:
        raise BadAnswers(f"--format must be one of: {', '.join(a.value for a in allowed)}", key="format")


def _print_summary(summary: ImportSummary) -> None:
    table = Table(title="Import summary", show_lines=False)
    for col in ("file", "format", "messages", "new", "items", "warnings", "errors"):
        table.add_column(col, overflow="fold")
    for f in summary.files:
        table.add_row(
            escape(Path(f.path).name),
            f.format or "-",
            str(f.messages),
            str(f.new_messages),
            str(f.items),
            str(len(f.warnings)),
            escape("; ".join(f.errors)) or "-",
        )
    console.print(table)
    for f in summary.files:
        name = Path(f.path).name
        for w in f.warnings:
            text = cli_text(w) if w.startswith(name) else f"{name}: {cli_text(w)}"
            console.print("[yellow]note[/] " + escape(text), highlight=False)
        for e in f.errors:
            text = e if e.startswith(name) else f"{name}: {e}"
            console.print("[red]could not import[/] " + escape(text), highlight=False)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add the vault commands to the ``haven case`` group."""

    @case_app.command("create")
    @handle_errors
    def create(
        directory: Path = _DIR,
        minor: bool = typer.Option(
            False,
            "--minor",
            help="The person is under 18 (intimate images are "
            "recorded by hash and location only, never copied).",
        ),
        age: int | None = typer.Option(
            None, "--age", help="The person's age (under 18 makes it a minor's case)."
        ),
        region: str | None = typer.Option(
            None, "--region", help="scotland, england, wales, northern-ireland or outside-uk."
        ),
        reference: str | None = typer.Option(
            None, "--reference", help="Police crime reference, if you have one."
        ),
        me: list[str] = typer.Option(
            [], "--me", help="Your own name or number as your chats show it (repeat for more)."
        ),
        initials: str | None = typer.Option(
            None, "--initials", help="Your initials for exhibit references (SJ gives SJ/1, SJ/2 ...)."
        ),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Make a new, encrypted case folder."""
        passphrase = get_passphrase(passphrase_env, confirm=True)
        with Vault.create(
            directory, passphrase, minor=minor, age=age, region=region, reference=reference
        ) as vault:
            if me:
                vault.update_case(me=me)
            if initials:
                from haven.report.exhibits import set_initials

                set_initials(vault, initials)
            case = vault.case
        console.print(f"Case created in {directory} (case id {case.id}).", highlight=False)
        if case.minor:
            console.print(
                "This is a case for a person under 18: intimate images are recorded by their hash and "
                "location only, and never copied.",
                highlight=False,
            )
        console.print("Keep your passphrase safe: without it nobody, including you, can open the case.")

    @case_app.command("import")
    @handle_errors
    def import_(
        directory: Path = _DIR,
        paths: list[Path] = typer.Argument(..., help="Files or folders to import (they are only read)."),
        fmt: str | None = typer.Option(None, "--format", help="Force an importer instead of detecting it."),
        intimate: bool = typer.Option(False, "--intimate", help="These files are intimate images."),
        tz: str | None = typer.Option(
            None, "--tz", help="Time zone of exports that write local times (e.g. Europe/London)."
        ),
        date_order: str | None = typer.Option(
            None, "--date-order", help="dmy, mdy or ymd, for chats whose own dates cannot settle it."
        ),
        output: OutputFormat = typer.Option(OutputFormat.table, "--output", help="table or json."),
        quiet: bool = _QUIET,
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Copy evidence into the case (encrypted), read its messages, and log it."""
        _check_format(output, (OutputFormat.table, OutputFormat.json))
        with _open(directory, passphrase_env) as vault, import_bar(quiet) as events:
            try:
                summary = vault.import_paths(
                    paths,
                    fmt=fmt,
                    intimate=intimate,
                    events=events,
                    options={"tz": tz} if tz else None,
                )
            except KeyboardInterrupt:
                err_console.print(
                    "Import stopped. Every file finished so far is safely kept; run the "
                    "same command again to finish the rest."
                )
                raise typer.Exit(130) from None
        if output is OutputFormat.json:
            print_json(summary.to_dict())
        else:
            _print_summary(summary)
        if not summary.ok:
            raise typer.Exit(2)

    @case_app.command("timeline")
    @handle_errors
    def timeline(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or jsonl."),
        conversation: str | None = typer.Option(None, "--conversation", help="Only this conversation."),
        search: str | None = typer.Option(None, "--search", help="Only messages containing this text."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Messages from every app in time order, one page at a time."""
        _check_format(fmt, LISTING)
        with _open(directory, passphrase_env) as vault:
            page = vault.messages_page(offset, limit, conversation=conversation, search=search)
        rows = [m.model_dump(mode="json", include=set(TIMELINE_FIELDS)) for m in page.rows]
        if fmt is OutputFormat.json:
            print_json(rows)
        elif fmt is OutputFormat.jsonl:
            _jsonl(rows)
        else:
            table = Table(title=f"Timeline ({page.total:,} messages)")
            for col in ("time (UTC)", "conversation", "sender", "kind", "text"):
                table.add_column(col, overflow="fold")
            for m in page.rows:
                when = (
                    m.timestamp_utc.strftime("%Y-%m-%d %H:%M")
                    if m.timestamp_utc
                    else (m.timestamp_original or "")
                )
                files = ", ".join(a.filename for a in m.attachments)
                text = m.text + (f" [{files}]" if files else "")
                table.add_row(
                    when, escape(m.conversation), escape(m.sender or ""), m.kind.value, escape(text)
                )
            console.print(table)
        _page_note(len(page.rows), offset, page.total)

    @case_app.command("details")
    @handle_errors
    def details(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or jsonl."),
        kind: str | None = typer.Option(None, "--kind", help="Only this kind (phone, iban, btc, ...)."),
        search: str | None = typer.Option(None, "--search", help="Only details containing this text."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Offender details found when the evidence was imported (one row per detail), one page at a time."""
        _check_format(fmt, LISTING)
        with _open(directory, passphrase_env) as vault:
            page = vault.details_page(offset, limit, kind=kind, search=search)
            _stale_note(vault)
        if fmt is OutputFormat.json:
            print_json(page.rows)
        elif fmt is OutputFormat.jsonl:
            _jsonl(page.rows)
        else:
            table = Table(title=f"Offender details ({page.total:,})")
            for col in ("kind", "value", "valid", "count", "first seen", "last seen"):
                table.add_column(col, overflow="fold")
            for r in page.rows:
                table.add_row(
                    r["kind"],
                    escape(str(r["value"])),
                    "yes" if r["valid"] else "no",
                    str(r["count"]),
                    str(r.get("first_seen") or "")[:16],
                    str(r.get("last_seen") or "")[:16],
                )
            console.print(table)
        _page_note(len(page.rows), offset, page.total)

    @case_app.command("red-flags")
    @handle_errors
    def red_flags(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or jsonl."),
        flag: str | None = typer.Option(None, "--flag", help="Only this red flag (threat-to-share, ...)."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Red flags found when the evidence was imported, with their messages, one page at a time."""
        _check_format(fmt, LISTING)
        with _open(directory, passphrase_env) as vault:
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
        if fmt is OutputFormat.json:
            print_json(rows)
        elif fmt is OutputFormat.jsonl:
            _jsonl(rows)
        else:
            table = Table(title=f"Red flags ({page.total:,})")
            for col in ("time (UTC)", "sender", "flag", "evidence"):
                table.add_column(col, overflow="fold")
            for r in rows:
                table.add_row(
                    (r["time"] or "")[:16], escape(r["sender"] or ""), r["flag"], escape(r["evidence"])
                )
            console.print(table)
        _page_note(len(page.rows), offset, page.total)

    @case_app.command("derive")
    @handle_errors
    def derive(directory: Path = _DIR, quiet: bool = _QUIET, passphrase_env: str | None = _PASS) -> None:
        """Work out the offender details and red flags again from every stored message (after an update)."""
        from haven.cli.progress import report_bar

        with _open(directory, passphrase_env) as vault, report_bar("Reading", 1, quiet) as bar:
            state = vault.rebuild_derived(progress=lambda d, t: bar("messages", d, t))
        console.print(
            f"{state.get('details', 0)} offender details and {state.get('flags', 0)} red flags found.",
            highlight=False,
        )

    @case_app.command("verify")
    @handle_errors
    def verify(directory: Path = _DIR, passphrase_env: str | None = _PASS) -> None:
        """Check the ledger chain and every stored item's hash (exit 0 if all is well, 1 if not)."""
        with _open(directory, passphrase_env) as vault:
            problems = vault.verify()
            entries = len(vault.ledger())
            items = len(vault.items())
        if problems:
            err_console.print(f"[bold red]{len(problems)} problem(s) found:[/]", highlight=False)
            for p in problems:
                err_console.print(f"  - {p}", highlight=False, markup=False)
            raise typer.Exit(1)
        console.print(f"All is well: {entries} ledger entries and {items} items checked.", highlight=False)

    @case_app.command("info")
    @handle_errors
    def info(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="json or table."),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """What is in the case: counts, the person's age group, the ledger head."""
        _check_format(fmt, (OutputFormat.table, OutputFormat.json))
        with _open(directory, passphrase_env) as vault:
            data = vault.info()
        if fmt is OutputFormat.json:
            print_json(data)
            return
        table = Table(show_header=False)
        for key, value in {**data.pop("case"), **data}.items():
            table.add_row(key, "" if value is None else escape(str(value)))
        console.print(table)

    @case_app.command("items")
    @handle_errors
    def items(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or jsonl."),
        limit: int = _LIMIT,
        offset: int = _OFFSET,
        passphrase_env: str | None = _PASS,
    ) -> None:
        """The files kept as evidence, with their ids and SHA-256 hashes, one page at a time."""
        _check_format(fmt, LISTING)
        with _open(directory, passphrase_env) as vault:
            page = vault.items_page(offset, limit)
        found = page.rows
        _page_note(len(found), offset, page.total)
        if fmt is OutputFormat.json:
            print_json([i.model_dump(mode="json") for i in found])
            return
        if fmt is OutputFormat.jsonl:
            _jsonl([i.model_dump(mode="json") for i in found])
            return
        table = Table(title=f"{page.total} items")
        for col in ("id", "file", "size", "sha256", "kept"):
            table.add_column(col, overflow="fold")
        for i in found:
            kept = "hash only" if not i.stored else ("intimate" if i.intimate else "yes")
            table.add_row(i.id, escape(i.filename), str(i.size), i.sha256, kept)
        console.print(table)

    @case_app.command("ledger")
    @handle_errors
    def ledger_(
        directory: Path = _DIR,
        fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="json or table."),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """The log of every action on the evidence."""
        _check_format(fmt, (OutputFormat.table, OutputFormat.json))
        with _open(directory, passphrase_env) as vault:
            entries = vault.ledger()
        if fmt is OutputFormat.json:
            print_json([e.model_dump(mode="json") for e in entries])
            return
        table = Table(title="Ledger")
        for col in ("seq", "time (UTC)", "action", "sha256", "hash"):
            table.add_column(col, overflow="fold")
        for e in entries:
            table.add_row(
                str(e.seq),
                e.time_utc.strftime("%Y-%m-%d %H:%M:%S"),
                e.action,
                e.sha256 or "",
                e.entry_hash[:16],
            )
        console.print(table)

    @case_app.command("me")
    @handle_errors
    def set_me(
        directory: Path = _DIR,
        names: list[str] = typer.Argument(..., help="Your own names, numbers or ids in your chats."),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Tell Haven which chat names are yours, so your messages are never taken for the offender's."""
        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            case = vault.update_case(me=names)
        console.print(f"Your names in this case: {', '.join(case.me)}", highlight=False)

    @case_app.command("note")
    @handle_errors
    def note(
        directory: Path = _DIR,
        text: str = typer.Argument(..., help="What to write down."),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Write down what happened (kept encrypted and logged)."""
        with _open(directory, passphrase_env) as vault:
            saved = vault.add_note(text)
        console.print(f"Note {saved['id']} saved.")

    @case_app.command("mark-intimate")
    @handle_errors
    def mark_intimate(
        directory: Path = _DIR,
        item_id: str = typer.Argument(..., help="The item id."),
        passphrase_env: str | None = _PASS,
    ) -> None:
        """Mark an item as an intimate image: never shown, never exported without your say."""
        with _open(directory, passphrase_env) as vault:
            item = vault.mark_intimate(item_id)
            minor = vault.is_minor
        console.print(f"{item.filename} is marked as an intimate image.", highlight=False)
        if minor and not item.stored:
            console.print(
                "Because this is a case for a person under 18, the copy in the vault was removed. "
                "Its hash and where it was found are still recorded."
            )
