"""CLI for the report: `haven case report`, `haven case export` and `haven verify` (anyone may run it)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from haven.cli.case_common import QUIET
from haven.cli.common import (
    PASSPHRASE_ENV_HELP,
    OutputFormat,
    console,
    get_passphrase,
    handle_errors,
    print_json,
)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    @case_app.command("report")
    @handle_errors
    def report(
        directory: Path = typer.Argument(..., help="The case folder."),
        out: Path = typer.Option(..., "--out", help="Where to write the PDF."),
        tlp: str = typer.Option("amber", "--tlp", help="TLP marking: clear, green, amber or red."),
        quiet: bool = QUIET,
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Write a PDF report a police officer can read. Intimate images are never shown in it."""
        from haven.cli.progress import report_bar
        from haven.report.pdf import PDF_STAGES, build_pdf
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault, \
                report_bar("Report", len(PDF_STAGES), quiet) as bar:
            path = build_pdf(vault, out, tlp=tlp, progress=bar)
        console.print(f"Report written to [bold]{path}[/].")

    @case_app.command("export")
    @handle_errors
    def export(
        directory: Path = typer.Argument(..., help="The case folder."),
        out: Path = typer.Option(..., "--out", help="Where to write the package (.zip)."),
        include_intimate: bool = typer.Option(
            False, "--include-intimate",
            help="Also put intimate images in the package (18+ only; never for a person under 18).",
        ),
        tlp: str = typer.Option(
            "amber", "--tlp", help="TLP marking of the STIX and MISP content: clear, green, amber or red."
        ),
        quiet: bool = QUIET,
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Write an evidence package (zip) that anyone can check with 'haven verify'."""
        from haven.cli.progress import report_bar
        from haven.report.package import PACKAGE_STAGES, export_package
        from haven.report.signing import fingerprint
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault, \
                report_bar("Package", len(PACKAGE_STAGES), quiet) as bar:
            res = export_package(vault, out, include_intimate=include_intimate, tlp=tlp, progress=bar)
        console.print(f"Package written to [bold]{res.path}[/] ({res.members} files, "
                      f"{res.items_included} evidence items included, "
                      f"{res.items_withheld} kept by hash only).")
        console.print(f"SHA-256 of the package: {res.sha256}")
        console.print(f"Signing key: {res.integrity.public_key} (fingerprint "
                      f"{fingerprint(res.integrity.public_key)})", highlight=False)

    @app.command("verify")
    def verify(
        package: Path = typer.Argument(..., help="The evidence package (.zip) to check."),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text or json"),
        public_key: str | None = typer.Option(
            None, help="The signing key printed in the report, to check the package was signed by it."
        ),
    ) -> None:
        """Check an evidence package: signature, every file's hash, the ledger chain, the Merkle root.
        Needs no passphrase and no internet. Exit code 0 when everything checks out, 1 when not."""
        from haven.report.verify import verify_package

        res = verify_package(package, public_key=public_key)
        if fmt == OutputFormat.json:
            print_json(res.to_dict())
        else:
            for check in res.checks:
                console.print(f"[green]OK[/]   {escape(check)}", highlight=False)
            for note in res.notes:
                console.print(f"[yellow]NOTE[/] {escape(note)}", highlight=False)
            for problem in res.problems:
                console.print(f"[red]FAIL[/] {escape(problem)}", highlight=False)
            colour = "green" if res.ok else "red"
            console.print(f"[bold {colour}]{escape(res.verdict())}[/]", highlight=False)
        raise typer.Exit(0 if res.ok else 1)

    @case_app.command("initials")
    @handle_errors
    def initials(
        directory: Path = typer.Argument(..., help="The case folder."),
        value: str = typer.Argument(..., help="Your initials, e.g. SJ (exhibits become SJ/1, SJ/2 ...)."),
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Set the initials in exhibit references (only until the case is first exported)."""
        from haven.report.exhibits import set_initials
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            case = set_initials(vault, value)
        console.print(f"Exhibits of this case are numbered {case.initials}/1, {case.initials}/2 ...",
                      highlight=False)

    @case_app.command("share-account")
    @handle_errors
    def share_account(
        directory: Path = typer.Argument(..., help="The case folder."),
        yes: bool = typer.Option(False, "--yes", help="I agree: put these in my police report."),
        paid: str | None = typer.Option(None, help="no, yes-collected, yes-not-collected or yes-unknown."),
        amount: str | None = typer.Option(None, help="How much you paid, e.g. '£50 Steam card'."),
        when: str | None = typer.Option(None, help="When you paid, in your words."),
        how: list[str] = typer.Option([], "--how", help="How you paid: bank-transfer, gift-card, crypto ..."),
        platform: list[str] = typer.Option([], "--platform", help="A platform where this happened (repeat)."),
        account: list[str] = typer.Option(
            [], "--account", help="Your own account name on a platform, as platform=name (repeat)."
        ),
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Add your own account to the report: paid or not, how, platforms, names.

        Only with --yes: nothing is shared unless you agree."""
        from haven.core.errors import HavenError
        from haven.guide.models import Answers
        from haven.report.account import share_with_police
        from haven.vault import Vault

        own = {}
        for pair in account:
            name, sep, value = pair.partition("=")
            if not sep:
                raise HavenError(f"--account {pair!r}: write it as platform=name, e.g. instagram=sam.j")
            own[name] = value
        try:
            answers = Answers.model_validate({"paid": paid, "payment_method": how, "platforms": platform})
        except ValueError as exc:
            raise HavenError(f"Those answers do not look right: {str(exc).splitlines()[-1]}") from None
        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            share_with_police(vault, answers, agreed=yes, amount=amount, when=when, own_accounts=own)
        console.print("Your account will be in the report.")

    @case_app.command("continuity")
    @handle_errors
    def continuity(
        directory: Path = typer.Argument(..., help="The case folder."),
        out: Path | None = typer.Option(None, "--out", help="Write the statement to this file."),
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Print the continuity statement, a first-person draft to give to the officer."""
        from haven.report.continuity import case_statement
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            text = case_statement(vault)
        if out is not None:
            out.write_text(text, encoding="utf-8")
            console.print(f"Continuity statement written to [bold]{escape(str(out))}[/].")
        else:
            print(text, end="")
