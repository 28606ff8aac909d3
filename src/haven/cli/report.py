"""CLI for the report: `haven case report`, `haven case export` and `haven verify` (anyone may run it)."""

from __future__ import annotations

from pathlib import Path

import typer

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
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Write a PDF report a police officer can read. Intimate images are never shown in it."""
        from haven.report.pdf import build_pdf
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            path = build_pdf(vault, out)
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
        passphrase_env: str | None = typer.Option(None, help=PASSPHRASE_ENV_HELP),
    ) -> None:
        """Write an evidence package (zip) that anyone can check with 'haven verify'."""
        from haven.report.package import export_package
        from haven.vault import Vault

        with Vault.open(directory, get_passphrase(passphrase_env)) as vault:
            res = export_package(vault, out, include_intimate=include_intimate)
        console.print(f"Package written to [bold]{res.path}[/] ({res.members} files, "
                      f"{res.items_included} evidence items included, "
                      f"{res.items_withheld} kept by hash only).")
        console.print(f"SHA-256 of the package: {res.sha256}")
        console.print(f"Signing key: {res.integrity.public_key}")

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
                console.print(f"[green]OK[/]   {check}", highlight=False)
            for problem in res.problems:
                console.print(f"[red]FAIL[/] {problem}", highlight=False)
            console.print("[bold green]The package checks out.[/]" if res.ok
                          else f"[bold red]The package failed {len(res.problems)} check(s).[/]")
        raise typer.Exit(0 if res.ok else 1)
