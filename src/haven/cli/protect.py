"""CLI for protecting images: ``haven protect hash|scan`` and ``haven protect case create|show|withdraw|
delete|export|submit|status|sync``. Thin: argument parsing and printing over ``haven.protect``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from haven.cli.bank_options import bank_key_option, bank_name_option, bank_url_option
from haven.cli.common import OutputFormat, console, err_console, handle_errors, print_json
from haven.core.errors import BadAnswers, HavenError
from haven.protect.case import ProtectCase
from haven.protect.hashing import HashResult, hash_paths
from haven.protect.scan import scan_folder
from haven.protect.video import ENGINES

_FMT = typer.Option(OutputFormat.table, "--format", help="json or table.")
_STORE = typer.Option(
    None,
    "--store",
    metavar="DIR",
    help="Folder that holds protection cases (default: $HAVEN_PROTECT_DIR or ~/.local/share/haven/protect).",
)
_EXACT = typer.Option(
    False, "--exact", help="Meta's reference pipelines: images at full size, videos with vpdq (slower)."
)
_PIN_ENV = typer.Option(
    None, "--pin-env", metavar="VAR", help="Read the case PIN from this environment variable, not a prompt."
)


_BANK_URL = bank_url_option()
_BANK_KEY = bank_key_option("the intake's, submitter role")
_BANK_NAME = bank_name_option()


def _check_format(fmt: OutputFormat) -> None:
    if fmt not in (OutputFormat.json, OutputFormat.table):
        raise BadAnswers("--format must be json or table", key="format")


def _get_pin(env_var: str | None) -> str:
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            raise HavenError(f"The environment variable {env_var} is not set.")
        return value
    if not sys.stdin.isatty():
        raise HavenError("No PIN: there is no terminal to ask on. Use --pin-env VAR.")
    return typer.prompt("Case PIN", hide_input=True)


def _open_case(case_ref: str, store: Path | None, pin_env: str | None) -> tuple[ProtectCase, str]:
    """The case, opened with the PIN (from the environment variable or asked on the terminal)."""
    pin = _get_pin(pin_env)
    return ProtectCase.load(case_ref, store=store, pin=pin), pin


def _hash_table(results: list[HashResult]) -> Table:
    table = Table(title="Hashes (made on this computer)")
    for col in ("file", "media", "PDQ / vPDQ", "quality", "MD5"):
        table.add_column(col, overflow="fold")
    for r in results:
        if r.error:
            perceptual, quality = f"[red]{escape(r.error)}[/]", "-"
        elif r.media == "image":
            extra = f" (+{len(r.frames) - 1} frames)" if len(r.frames) > 1 else ""
            perceptual, quality = f"{r.pdq}{extra}", str(r.quality)
        elif r.media == "video":
            good = sum(1 for f in r.vpdq if f.quality >= 50)
            perceptual, quality = f"{len(r.vpdq)} frames", f"{good} good"
        else:
            perceptual, quality = "-", "-"
        table.add_row(escape(r.path), r.media, perceptual, quality, r.md5 or "-")
    return table


def _show_case(case: ProtectCase) -> None:
    console.print(f"Case [bold]{case.case_number}[/]  status: [bold]{case.status}[/]  created {case.created}")
    table = Table(title="Protected files (hashes only; the files stay where they are)")
    for col in ("file on this computer", "media", "PDQ / frames", "MD5"):
        table.add_column(col, overflow="fold")
    for f in case.files:
        perceptual = f.get("pdq") or (f"{len(f['vpdq'])} video frames" if f.get("vpdq") else "-")
        table.add_row(escape(f.get("path", "")), f.get("media", ""), perceptual, f.get("md5") or "-")
    console.print(table)
    console.print("Where you can send these hashes:")
    for s in case.services():
        console.print(f"  - [bold]{escape(s['name'])}[/]: {escape(s['what'])} {s['url']}", highlight=False)


def _tell_banks(case: ProtectCase, pin: str) -> None:
    """Send the queued bank changes now; say what is still waiting (it is sent later)."""
    if not case.outbox:
        return
    from haven.protect import bank_link

    sent = bank_link.flush(case, pin)
    if sent:
        console.print(f"The banks were told ({sent} sent).")
    for o in case.outbox:
        console.print(
            f"The bank at {escape(o['url'])} could not be told yet ({escape(o['error'])}); it will be "
            "tried again the next time you check this case (haven protect case status or sync).",
            highlight=False,
        )


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven protect ...`` to the root app."""
    protect_app = typer.Typer(
        help="Protect your images: make hashes on this computer so copies can be found and blocked. "
        "The images never leave this computer.",
        no_args_is_help=True,
    )
    pcase_app = typer.Typer(
        help="A protection case: a case number, a PIN and your hashes.", no_args_is_help=True
    )
    app.add_typer(protect_app, name="protect")
    protect_app.add_typer(pcase_app, name="case")

    @protect_app.command("hash")
    @handle_errors
    def hash_cmd(
        paths: list[Path] = typer.Argument(..., help="Files or folders (folders are walked)."),
        fmt: OutputFormat = _FMT,
        exact: bool = _EXACT,
        workers: int = typer.Option(0, "--workers", help="Processes to use (0 = every core)."),
        video_engine: str = typer.Option(
            "", "--video-engine", help=f"One of: {', '.join(ENGINES)} (default: fast; vpdq with --exact)."
        ),
    ) -> None:
        """Hash images (PDQ), videos (vPDQ) and any file (MD5, SHA-256). Nothing is sent anywhere."""
        _check_format(fmt)
        if video_engine and video_engine not in ENGINES:
            raise BadAnswers(f"--video-engine must be one of: {', '.join(ENGINES)}", key="video-engine")
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise BadAnswers(f"Not found: {', '.join(missing)}", key="paths")
        engine = video_engine or None
        results = list(hash_paths(paths, fast=not exact, workers=workers or None, video_engine=engine))
        if fmt == OutputFormat.json:
            print_json([r.to_dict() for r in results])
        else:
            console.print(_hash_table(results))
        if results and all(r.error for r in results):
            raise typer.Exit(2)

    @protect_app.command("scan")
    @handle_errors
    def scan_cmd(
        folder: Path = typer.Argument(..., help="The folder to look through (e.g. Downloads)."),
        against: str = typer.Option(..., "--against", help="A case number, case file, export or hash list."),
        fmt: OutputFormat = _FMT,
        store: Path | None = _STORE,
        exact: bool = _EXACT,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Look for copies of your protected images in a folder."""
        _check_format(fmt)
        plain = Path(against).is_file() and Path(against).suffix != ".hpc"  # an export or hash list
        pin = None if plain else _get_pin(pin_env)  # a case is encrypted under its PIN
        report = scan_folder(folder, against, store=store, fast=not exact, pin=pin)
        if fmt == OutputFormat.json:
            print_json(report.to_dict())
            return
        console.print(f"Looked at {report.scanned} files.")
        if not report.matches:
            console.print("No copies were found.")
        for m in report.matches:
            how = {"pdq": f"{m.score:g} bits apart", "vpdq": f"{m.score:g}% of frames"}
            line = f"[bold]{escape(m.path)}[/] looks like {escape(m.matches)}"
            console.print(f"{line} ({m.signal}, {how.get(m.signal, 'identical')})", highlight=False)
        for f in report.failed:
            err_console.print(f"[yellow]could not check[/] {escape(f['path'])}: {escape(f['error'])}")

    @pcase_app.command("create")
    @handle_errors
    def case_create(
        paths: list[Path] = typer.Argument(..., help="Your images or videos, or folders of them."),
        age: int | None = typer.Option(None, "--age", help="Your age: it decides where to send hashes."),
        store: Path | None = _STORE,
        exact: bool = _EXACT,
        fmt: OutputFormat = _FMT,
    ) -> None:
        """Make a protection case: hashes of your files, a case number and a PIN (shown only once)."""
        _check_format(fmt)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise BadAnswers(f"Not found: {', '.join(missing)}", key="paths")
        case, pin = ProtectCase.create(list(paths), store=store, age=age, fast=not exact)
        if fmt == OutputFormat.json:
            extra = {"pin": pin, "stored_at": str(case.path), "services": case.services()}
            print_json({**case.to_dict(), **extra})
            return
        _show_case(case)
        console.print(
            f"\nYour PIN is [bold]{pin}[/]. Write it down now: it is shown only this once, "
            "and you need it to withdraw or delete the case.",
            highlight=False,
        )
        console.print(f"The case is kept on this computer at {escape(str(case.path))}", highlight=False)

    @pcase_app.command("show")
    @handle_errors
    def case_show(
        case_ref: str = typer.Argument(..., metavar="CASE", help="Case number or case file."),
        store: Path | None = _STORE,
        fmt: OutputFormat = _FMT,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Show a case (needs the PIN): its status, the files' hashes and where to send them."""
        _check_format(fmt)
        case = ProtectCase.load(case_ref, store=store, pin=_get_pin(pin_env))
        if fmt == OutputFormat.json:
            print_json({**case.to_dict(), "services": case.services()})
        else:
            _show_case(case)

    @pcase_app.command("withdraw")
    @handle_errors
    def case_withdraw(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Withdraw a case (needs the PIN). Its hashes are no longer exported."""
        case, pin = _open_case(case_ref, store, pin_env)
        case.withdraw(pin)
        console.print(f"Case {case.case_number} is now Withdrawn.")
        _tell_banks(case, pin)

    @pcase_app.command("delete")
    @handle_errors
    def case_delete(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Delete a case's hashes and file paths (needs the PIN). Your files are not touched."""
        case, pin = _open_case(case_ref, store, pin_env)
        case.delete(pin)
        console.print(f"Case {case.case_number} is now Deleted. Your own files were not touched.")
        _tell_banks(case, pin)

    @pcase_app.command("submit")
    @handle_errors
    def case_submit(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        bank_url: str = _BANK_URL,
        key: str = _BANK_KEY,
        bank_name: str = _BANK_NAME,
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
        fmt: OutputFormat = _FMT,
    ) -> None:
        """Send the case's hashes (never the pictures) to a hash bank, under this same case number."""
        from haven.protect import bank_link

        _check_format(fmt)
        case, pin = _open_case(case_ref, store, pin_env)
        res = bank_link.submit(case, pin, bank_url, key, bank_name)
        if fmt == OutputFormat.json:
            print_json({"case_number": case.case_number, **res.to_dict()})
        elif res.status == "Queued":
            console.print(
                f"The bank at {escape(res.url)} could not be reached ({escape(res.error)}). The case will be "
                "sent the next time you check it (haven protect case status) or sync it.",
                highlight=False,
            )
        else:
            console.print(
                f"Case {case.case_number} is at the bank {escape(res.url)} with the same number "
                f"({res.status}). Your PIN was not sent.",
                highlight=False,
            )

    @pcase_app.command("status")
    @handle_errors
    def case_status(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
        fmt: OutputFormat = _FMT,
    ) -> None:
        """How the case stands here and at each bank: per hash, and what platforms did when it matched."""
        from haven.protect import bank_link

        _check_format(fmt)
        case, pin = _open_case(case_ref, store, pin_env)
        banks = bank_link.status(case, pin) if case.links else []
        if fmt == OutputFormat.json:
            print_json(
                {
                    "case_number": case.case_number,
                    "status": case.status,
                    "banks": [b.to_dict() for b in banks],
                    "waiting": case.outbox,
                }
            )
            return
        console.print(f"Case [bold]{case.case_number}[/]  status here: [bold]{case.status}[/]")
        if not banks:
            console.print("This case has not been sent to a hash bank (haven protect case submit).")
        for b in banks:
            line = f"Bank {escape(b.url)}: [bold]{b.status}[/]"
            console.print(line + (f" ({escape(b.error)})" if b.error else ""), highlight=False)
            if b.hashes:
                table = Table()
                cols = ("file on this computer", "hash", "status", "pending review", "blocked", "not blocked")
                for col in cols:
                    table.add_column(col, overflow="fold")
                for h in b.hashes:
                    fb = h.feedback
                    table.add_row(
                        escape(h.path or "-"),
                        h.signal_type,
                        h.status,
                        str(fb.get("PendingReview", 0)),
                        str(fb.get("Blocked", 0)),
                        str(fb.get("NotBlocked", 0)),
                    )
                console.print(table)
        for o in case.outbox:
            console.print(
                f"Still to send: {o['op']} to {escape(o['url'])} "
                f"({escape(o.get('error') or 'not tried yet')})",
                highlight=False,
            )

    @pcase_app.command("sync")
    @handle_errors
    def case_sync(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Send what is waiting for the banks (a withdrawal made while offline, a submission)."""
        case, pin = _open_case(case_ref, store, pin_env)
        _tell_banks(case, pin)
        if not case.outbox:
            console.print("Nothing is waiting to be sent.")

    @pcase_app.command("export")
    @handle_errors
    def case_export(
        case_ref: str = typer.Argument(..., metavar="CASE"),
        out: Path = typer.Option(..., "--out", "-o", help="Where to write the submission file (JSON)."),
        store: Path | None = _STORE,
        pin_env: str | None = _PIN_ENV,
    ) -> None:
        """Write a submission file with hashes only (no file names or paths) for a hash service."""
        case = ProtectCase.load(case_ref, store=store, pin=_get_pin(pin_env))
        case.export_submission(out)
        console.print(f"Wrote {escape(str(out))}: hashes only, no pictures, names or paths.", highlight=False)
