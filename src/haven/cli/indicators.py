"""CLI for offender details: ``haven indicators extract`` (any text file or stdin) and
``haven case indicators`` (everything in a vault: messages, email headers, screenshots' OCR text)."""

from __future__ import annotations

import csv
import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from haven.cli.common import PASSPHRASE_ENV_HELP, console, get_passphrase, handle_errors, print_json
from haven.core.errors import HavenError
from haven.core.models import Indicator, Provenance
from haven.indicators import aggregate, extract, extract_messages


class ExtractFormat(StrEnum):
    json = "json"
    table = "table"


class CaseFormat(StrEnum):
    json = "json"
    csv = "csv"
    table = "table"


class BadInput(HavenError):
    exit_code = 2


def _read_text(source: str) -> tuple[str, str]:
    """(text, name) from a file path or ``-`` (stdin). Any bytes are read; undecodable ones are replaced."""
    if source == "-":
        return sys.stdin.buffer.read().decode("utf-8", errors="replace"), "stdin"
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), str(path)
    return data.decode("utf-8-sig", errors="replace"), str(path)


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{col}"


def _findings_table(findings: list[Indicator], text: str) -> Table:
    table = Table(title=f"{len(findings)} offender detail(s) found", show_lines=False)
    for col in ("kind", "value (normalised)", "checked", "where", "context"):
        table.add_column(col, overflow="fold")
    for ind in findings:
        table.add_row(
            ind.kind,
            ind.normalized,
            "valid" if ind.valid else "INVALID",
            _line_col(text, ind.provenance.start),
            ind.context,
        )
    return table


def _rows_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(rows)} offender detail(s) in this case")
    for col in ("kind", "value (normalised)", "checked", "seen", "first seen", "last seen", "conversations"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["kind"],
            r["normalized"],
            "valid" if r["valid"] else "INVALID",
            str(r["count"]),
            r["first_seen"] or "",
            r["last_seen"] or "",
            ", ".join(r["conversations"]),
        )
    return table


CSV_FIELDS = (
    "kind",
    "normalized",
    "value",
    "valid",
    "confidence",
    "count",
    "first_seen",
    "last_seen",
    "conversations",
    "context",
)


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "conversations": "; ".join(r["conversations"])})
    return out.getvalue()


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven indicators extract`` and ``haven case indicators``."""
    indicators_app = typer.Typer(
        help="Offender details: find and check user names, numbers, wallets, bank details and codes in text.",
        no_args_is_help=True,
    )
    app.add_typer(indicators_app, name="indicators")

    @indicators_app.command("extract")
    @handle_errors
    def extract_cmd(
        source: str = typer.Argument(
            "-", metavar="[FILE|-]", help="A text file, or - to read standard input."
        ),
        region: str = typer.Option("GB", "--region", help="Country for phone numbers written without +."),
        fmt: ExtractFormat = typer.Option(ExtractFormat.json, "--format", help="json or table."),
    ) -> None:
        """Find offender details in any text: user names, phone numbers, emails, links, crypto wallets,
        bank details, money transfer numbers, gift card codes, amounts and deadlines."""
        text, name = _read_text(source)
        findings = extract(text, region=region, provenance=Provenance(field="text"))
        for ind in findings:
            ind.extra = {**ind.extra, "file": name}
        if fmt == ExtractFormat.json:
            print_json([i.model_dump(mode="json") for i in findings])
        else:
            console.print(_findings_table(findings, text))

    @case_app.command("indicators")
    @handle_errors
    def case_indicators(
        directory: Path = typer.Argument(..., metavar="DIR", help="The case folder (vault)."),
        fmt: CaseFormat = typer.Option(CaseFormat.table, "--format", help="json, csv or table."),
        every: bool = typer.Option(False, "--all", help="List every occurrence, not one row per detail."),
        passphrase_env: str | None = typer.Option(None, "--passphrase-env", help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Every offender detail in the case: messages, email headers and screenshots' text. One row per
        detail, with how often and when it was seen and in which conversations."""
        from haven.vault import Vault

        passphrase = get_passphrase(passphrase_env)
        with Vault.open(directory, passphrase) as vault:
            region = vault.case.phone_region or "GB"
            findings = extract_messages(vault.messages(), vault.items(), region=region)
            rows = aggregate(findings)
            vault.log("indicators", {"findings": len(findings), "details": len(rows), "region": region})
        if every:
            if fmt == CaseFormat.json:
                print_json([i.model_dump(mode="json") for i in findings])
                return
            rows = [
                {
                    "kind": i.kind,
                    "normalized": i.normalized,
                    "value": i.value,
                    "valid": i.valid,
                    "confidence": i.confidence,
                    "count": 1,
                    "first_seen": i.extra.get("timestamp_utc"),
                    "last_seen": i.extra.get("timestamp_utc"),
                    "conversations": [c for c in [i.extra.get("conversation")] if c],
                    "context": i.context,
                }
                for i in findings
            ]
        if fmt == CaseFormat.json:
            print_json(rows)
        elif fmt == CaseFormat.csv:
            sys.stdout.write(_csv(rows))
        else:
            console.print(_rows_table(rows))
