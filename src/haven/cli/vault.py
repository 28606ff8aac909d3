"""CLI commands for the evidence vault: ``haven case create|import|timeline|details|red-flags|derive|verify|
info|items|ledger|note|mark-intimate``. Thin: argument parsing and printing over ``haven.vault.Vault``.

Listings are paged (``--limit`` / ``--offset``) from indexed queries and can be streamed as JSON lines
(``--format jsonl``); offender details and red flags are read from what the import stored."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from haven.cli import vault_listings
from haven.cli.case_common import (
    CASE_DIR,
    PASSPHRASE,
    QUIET,
    TABLE_OR_JSON,
    TABLE_OR_JSON_FORMAT,
    check_format,
    open_case,
)
from haven.cli.common import (
    OutputFormat,
    console,
    err_console,
    get_passphrase,
    handle_errors,
    print_json,
)
from haven.cli.notices import cli_text
from haven.cli.progress import import_bar
from haven.vault import ImportSummary, Vault


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
    vault_listings.register(case_app)

    @case_app.command("create")
    @handle_errors
    def create(
        directory: Path = CASE_DIR,
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
        passphrase_env: str | None = PASSPHRASE,
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
        directory: Path = CASE_DIR,
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
        quiet: bool = QUIET,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Copy evidence into the case (encrypted), read its messages, and log it."""
        check_format(output, TABLE_OR_JSON)
        with open_case(directory, passphrase_env) as vault, import_bar(quiet) as events:
            try:
                summary = vault.import_paths(
                    paths,
                    fmt=fmt,
                    intimate=intimate,
                    events=events,
                    options={k: v for k, v in (("tz", tz), ("date_order", date_order)) if v} or None,
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

    @case_app.command("derive")
    @handle_errors
    def derive(
        directory: Path = CASE_DIR, quiet: bool = QUIET, passphrase_env: str | None = PASSPHRASE
    ) -> None:
        """Work out the offender details and red flags again from every stored message (after an update)."""
        from haven.cli.progress import report_bar

        with open_case(directory, passphrase_env) as vault, report_bar("Reading", 1, quiet) as bar:
            state = vault.rebuild_derived(progress=lambda d, t: bar("messages", d, t))
        console.print(
            f"{state.get('details', 0)} offender details and {state.get('flags', 0)} red flags found.",
            highlight=False,
        )

    @case_app.command("verify")
    @handle_errors
    def verify(directory: Path = CASE_DIR, passphrase_env: str | None = PASSPHRASE) -> None:
        """Check the ledger chain and every stored item's hash (exit 0 if all is well, 1 if not)."""
        with open_case(directory, passphrase_env) as vault:
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
        directory: Path = CASE_DIR,
        fmt: OutputFormat = TABLE_OR_JSON_FORMAT,
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """What is in the case: counts, the person's age group, the ledger head."""
        check_format(fmt, TABLE_OR_JSON)
        with open_case(directory, passphrase_env) as vault:
            data = vault.info()
        if fmt is OutputFormat.json:
            print_json(data)
            return
        table = Table(show_header=False)
        for key, value in {**data.pop("case"), **data}.items():
            table.add_row(key, "" if value is None else escape(str(value)))
        console.print(table)

    @case_app.command("me")
    @handle_errors
    def set_me(
        directory: Path = CASE_DIR,
        names: list[str] = typer.Argument(..., help="Your own names, numbers or ids in your chats."),
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Tell Haven which chat names are yours, so your messages are never taken for the offender's."""
        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            case = vault.update_case(me=names)
        console.print(f"Your names in this case: {', '.join(case.me)}", highlight=False)

    @case_app.command("note")
    @handle_errors
    def note(
        directory: Path = CASE_DIR,
        text: str = typer.Argument(..., help="What to write down."),
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Write down what happened (kept encrypted and logged)."""
        with open_case(directory, passphrase_env) as vault:
            saved = vault.add_note(text)
        console.print(f"Note {saved['id']} saved.")

    @case_app.command("mark-intimate")
    @handle_errors
    def mark_intimate(
        directory: Path = CASE_DIR,
        item_id: str = typer.Argument(..., help="The item id."),
        passphrase_env: str | None = PASSPHRASE,
    ) -> None:
        """Mark an item as an intimate image: never shown, never exported without your say."""
        with open_case(directory, passphrase_env) as vault:
            item = vault.mark_intimate(item_id)
            minor = vault.is_minor
        console.print(f"{item.filename} is marked as an intimate image.", highlight=False)
        if minor and not item.stored:
            console.print(
                "Because this is a case for a person under 18, the copy in the vault was removed. "
                "Its hash and where it was found are still recorded."
            )
