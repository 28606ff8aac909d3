"""CLI for the sextortion email checker: ``haven check-email FILE...``. Thin: reads the inputs, calls
``haven.mail``, prints JSON or plain text."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from haven.cli.common import (
    PASSPHRASE_ENV_HELP,
    OutputFormat,
    console,
    err_console,
    get_passphrase,
    handle_errors,
    print_json,
)
from haven.core.errors import BadAnswers, HavenError
from haven.mail import (
    EmailVerdict,
    KnownAddresses,
    PwnedPasswords,
    check_email,
    iter_inputs,
    load_known_addresses,
)

ALL_FAILED_EXIT = 4
ALARMING = ("scam-bluff", "targeted")
LABELS = {
    "scam-bluff": "A mass scam email (a bluff)",
    "targeted": "A real, targeted threat",
    "not-sextortion": "Not a sextortion email",
}


def _read_inputs(files: list[str]) -> list[tuple[str, bytes | None, str | None, Path | None]]:
    """``(label, data, error, path)`` per email; ``-`` reads pasted text from standard input."""
    out: list[tuple[str, bytes | None, str | None, Path | None]] = []
    for name in files:
        if name == "-":
            out.append(("stdin", sys.stdin.buffer.read(), None, None))
            continue
        path = Path(name)
        if not path.is_file():
            out.append((name, None, f"{name} does not exist or is not a file.", None))
            continue
        try:
            for label, data in iter_inputs(path):
                out.append((label, data, None, path))
        except HavenError as exc:
            out.append((path.name, None, exc.message, path))
    return out


def _print_text(v: EmailVerdict) -> None:
    console.print(
        f"\n[bold]{escape(v.file or 'email')}[/]" + (f" — {escape(v.subject)}" if v.subject else ""),
        highlight=False,
    )
    console.print(f"[bold]{LABELS[v.verdict]}[/] (confidence {v.confidence:.0%})", highlight=False)
    for reason in v.reasons:
        console.print(f"  • {escape(reason)}", highlight=False)
    for addr in v.crypto_addresses:
        state = "valid" if addr.valid else "checksum fails"
        known = " — on a known scam list" if addr.known else ""
        console.print(
            f"  {addr.kind.upper()} address: {escape(addr.value)} ({state}){known}", highlight=False
        )
    if v.amount:
        console.print(f"  Amount asked: {escape(v.amount.text)}", highlight=False)
    if v.deadline:
        console.print(f"  Deadline given: {escape(v.deadline.text)}", highlight=False)
    pw = v.quoted_password
    if pw["present"]:
        state = {True: "found in data leaks", False: "not found in the leak list", None: "not checked"}[
            pw["breached"]
        ]
        console.print(f"  Password quoted: {escape(str(pw['value']))} ({state})", highlight=False)
    if v.language:
        console.print(f"  Language: {v.language}", highlight=False)
    if v.advice:
        console.print("[bold]What to do[/]")
        for item in v.advice:
            console.print(f"  - {escape(item['text'])}", highlight=False)
    for warning in v.warnings:
        console.print(f"  [yellow]note[/] {escape(warning)}", highlight=False)


def _add_to_case(
    case_dir: Path,
    passphrase_env: str | None,
    inputs: list[tuple[str, bytes | None, str | None, Path | None]],
) -> dict[str, str]:
    """Keep each readable input in the case vault before it is checked; returns label -> item sha256."""
    from haven.vault import Vault

    kept: dict[str, str] = {}
    with Vault.open(case_dir, get_passphrase(passphrase_env)) as vault:
        done: set[Path] = set()
        for label, data, error, path in inputs:
            if error or data is None:
                continue
            if path is not None:
                if path in done:
                    continue
                done.add(path)
                summary = vault.import_paths([path])
                files = summary.files
            else:
                files = [vault.import_stream(io.BytesIO(data), "pasted-email.txt")]
            for f in files:
                if f.errors:
                    raise HavenError(f"{label} could not be added to the case: {'; '.join(f.errors)}")
            kept[label] = label
        err_console.print(
            f"Kept {len(done) + sum(1 for i in inputs if i[3] is None and i[1])} input(s) "
            f"in the case at {case_dir}.",
            highlight=False,
        )
    return kept


def _log_results(case_dir: Path, passphrase_env: str | None, results: list[dict[str, Any]]) -> None:
    from haven.vault import Vault

    with Vault.open(case_dir, get_passphrase(passphrase_env)) as vault:
        for result in results:
            vault.log(
                "check-email",
                {
                    "file": result.get("file"),
                    "verdict": result.get("verdict"),
                    "confidence": result.get("confidence"),
                    "crypto_addresses": [a["value"] for a in result.get("crypto_addresses", [])],
                },
            )


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven check-email`` to the root app."""

    @app.command("check-email")
    @handle_errors
    def check_email_cmd(
        files: list[str] = typer.Argument(
            ..., help="Email files (.eml, .mbox, .msg, .txt), or - for pasted text."
        ),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json."),
        known: list[Path] = typer.Option(
            [],
            "--known-addresses",
            metavar="CSV",
            help="A CSV of wallet addresses seen in sextortion spam (repeatable).",
        ),
        online: bool = typer.Option(
            False,
            "--online",
            help="Check the quoted password with the Pwned Passwords service. Only the "
            "first 5 characters of its SHA-1 hash are sent.",
        ),
        range_dir: Path | None = typer.Option(
            None,
            "--pwned-range-dir",
            metavar="DIR",
            help="Pwned Passwords range files on this computer (offline check).",
        ),
        pwned_api: str | None = typer.Option(
            None, "--pwned-api", metavar="URL", help="Pwned Passwords API base URL (for --online)."
        ),
        no_ocr: bool = typer.Option(False, "--no-ocr", help="Do not read text in pictures."),
        add_to_case: Path | None = typer.Option(
            None, "--add-to-case", metavar="DIR", help="First keep the email(s) in this case vault."
        ),
        passphrase_env: str | None = typer.Option(
            None, "--passphrase-env", metavar="VAR", help=PASSPHRASE_ENV_HELP
        ),
    ) -> None:
        """Is this email a sextortion scam? Checks each email and explains why."""
        if fmt not in (OutputFormat.text, OutputFormat.json):
            raise BadAnswers("--format must be text or json", key="format")
        known_list: KnownAddresses | None = load_known_addresses(known) if known else None  # type: ignore[arg-type]
        pwned = PwnedPasswords(range_dir, online=online, api_base=pwned_api)
        if online:
            err_console.print(
                "Online password check is on: only the first 5 characters of the quoted "
                f"password's SHA-1 hash are sent to {pwned.api_base}.",
                highlight=False,
            )
        inputs = _read_inputs(files)
        if add_to_case is not None:
            _add_to_case(add_to_case, passphrase_env, inputs)
        results: list[dict[str, Any]] = []
        failed = 0
        for label, data, error, _path in inputs:
            if error is None and data is not None:
                try:
                    verdict = check_email(
                        data, label, known_addresses=known_list, pwned=pwned, ocr=not no_ocr
                    )
                except HavenError as exc:
                    error = exc.message
                else:
                    results.append(verdict.to_dict())
                    if fmt is OutputFormat.text:
                        _print_text(verdict)
                    continue
            failed += 1
            results.append({"file": label, "error": error})
            err_console.print(
                f"[bold red]Could not check[/] {escape(label)}: {escape(str(error))}", highlight=False
            )
        if add_to_case is not None:
            _log_results(add_to_case, passphrase_env, [r for r in results if "error" not in r])
        elif fmt is OutputFormat.text and any(r.get("verdict") in ALARMING for r in results):
            console.print("\nTo keep the email safely before you delete it, add it to your case: "
                          "haven check-email FILE --add-to-case CASE_FOLDER", highlight=False)
        if fmt is OutputFormat.json:
            print_json(results)
        if inputs and failed == len(inputs):
            raise typer.Exit(ALL_FAILED_EXIT)
