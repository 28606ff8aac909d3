"""CLI for red flags: ``haven flags FILE`` (one chat export) and ``haven case flags DIR`` (a vault).

Both print the same JSON (``{"summary": ..., "flags": [...]}``) or a table in plain words.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from haven.cli.common import PASSPHRASE_ENV_HELP, console, get_passphrase, handle_errors, print_json
from haven.core.errors import HavenError, ImportFileError
from haven.core.models import Message
from haven.flags import FlagReport, detect


class FlagsFormat(StrEnum):
    json = "json"
    table = "table"


ME_HELP = (
    "Your name (or id) as it appears in the chat, so Haven knows which messages are yours. "
    "Without it, Haven works it out: the person who makes threats is the other side."
)


def read_chat_file(path: Path, fmt: str | None = None) -> list[Message]:
    """The messages of one chat export, read by Haven's importers (nothing is stored anywhere)."""
    from haven.importers import MemorySink, detect_format, get_importer

    if not path.is_file():
        raise ImportFileError(f"{path} is not a file.")
    importer = get_importer(fmt) if fmt else detect_format(path)
    sink = MemorySink(keep_bytes=False)
    importer.run(path, sink)
    if not sink.messages:
        raise ImportFileError(
            f"No chat messages were found in {path.name} (read as {importer.name}). "
            "Is it a chat export? Try --input-format to name the app."
        )
    return list(sink.messages)


FLAG_TITLES = {
    "sexual-escalation": "Sexual talk",
    "image-request": "Asked for photos or a video call",
    "move-platform": "Asked to move to another app",
    "identity-claim": "Said who they are",
    "recording-claim": "Said they recorded or saved you",
    "threat-to-share": "Threat to share",
    "contact-list": "Showed they know your people",
    "payment-demand": "Demand for money",
    "deadline": "Time limit",
    "repeat-demand": "Asked for more after you paid",
    "self-harm-risk": "You may be in danger",
}


def _when(m: Message | None) -> str:
    if m is None:
        return ""
    if m.timestamp_utc is not None:
        return m.timestamp_utc.strftime("%Y-%m-%d %H:%M UTC")
    return m.timestamp_original or ""


def _table(report: FlagReport) -> None:
    """Plain words for a person: crisis help first, then the key moments, then each flag."""
    s = report.summary
    if s["crisis"]:
        console.print(
            "[bold red]You matter.[/] Some of your messages sound like you might hurt yourself. "
            "Please talk to someone now: run [bold]haven guide[/] for free helplines, or call 999 "
            "(112 in most of Europe) if you are in danger.\n",
            highlight=False,
        )
    console.print(f"[bold]Stage reached:[/] {s['stage'] or 'no red flags found'}", highlight=False)
    if s["victim"]:
        console.print(f"[bold]You:[/] {', '.join(s['victim'])} ({s['victim_source']})", highlight=False)
    by_id = {m.id: m for m in report.messages}
    table = Table("key moment", "when", "who", "what was said", show_header=True)
    for key, label in (
        ("first_contact", "First contact"),
        ("first_platform_move", "First move to another app"),
        ("first_threat", "First threat"),
        ("first_demand", "First demand"),
    ):
        moment = s.get(key)
        if moment:
            table.add_row(label, _when(by_id.get(moment["message_id"])), moment["sender"], moment["evidence"])
    for p in s["payments"]:
        table.add_row("Payment", _when(by_id.get(p["message_id"])), p["sender"], p["evidence"])
    if table.row_count:
        console.print(table)
    for f in report.flags:
        m = by_id.get(f.message_id)
        when = _when(m)
        who = (m.sender or "") if m is not None else ""
        console.print(
            f"\n[bold]{FLAG_TITLES.get(f.flag, f.flag)}[/] ({f.flag}) {when} {who}", highlight=False
        )
        console.print(f'  "{f.evidence}"', highlight=False, markup=False)
        console.print(f"  {f.explanation}", highlight=False, markup=False)


def _show(report: FlagReport, fmt: FlagsFormat) -> None:
    if fmt == FlagsFormat.json:
        print_json(report.to_dict())
    else:
        _table(report)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven flags`` and ``haven case flags``."""

    @app.command("flags")
    @handle_errors
    def flags_file(
        file: Path = typer.Argument(
            ..., help="A chat export: WhatsApp .txt/.zip, Instagram, Telegram, Discord..."
        ),
        fmt: FlagsFormat = typer.Option(FlagsFormat.table, "--format", "-f", help="json or table."),
        me: str | None = typer.Option(None, "--me", help=ME_HELP),
        input_format: str | None = typer.Option(
            None, "--input-format", help="Name the app the export comes from, if it is not found by itself."
        ),
    ) -> None:
        """Find the red flags of sextortion in one chat export, and explain each in plain words."""
        _show(detect(read_chat_file(file, input_format), me=me), fmt)

    @case_app.command("flags")
    @handle_errors
    def flags_case(
        directory: Path = typer.Argument(..., help="The case vault folder."),
        fmt: FlagsFormat = typer.Option(FlagsFormat.table, "--format", "-f", help="json or table."),
        me: str | None = typer.Option(None, "--me", help=ME_HELP),
        conversation: str | None = typer.Option(None, "--conversation", help="Only this conversation."),
        passphrase_env: str | None = typer.Option(None, "--passphrase-env", help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Find the red flags in every conversation kept in a case vault."""
        from haven.vault import Vault

        passphrase = get_passphrase(passphrase_env)
        with Vault.open(directory, passphrase) as vault:
            messages = list(vault.messages(conversation))
        if not messages:
            raise HavenError("This case has no chat messages yet. Import a chat export first.")
        _show(detect(messages, me=me), fmt)
