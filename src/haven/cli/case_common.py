"""What every ``haven case …`` command module shares: the case-folder argument, the passphrase option,
opening the vault, and checking ``--format``."""

from __future__ import annotations

from pathlib import Path

import typer

from haven.cli.common import PASSPHRASE_ENV_HELP, OutputFormat, get_passphrase
from haven.core.errors import BadAnswers
from haven.vault import Vault

CASE_DIR = typer.Argument(..., help="The case folder.")
PASSPHRASE = typer.Option(None, "--passphrase-env", metavar="VAR", help=PASSPHRASE_ENV_HELP)
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
TABLE_OR_JSON = (OutputFormat.table, OutputFormat.json)
TABLE_OR_JSON_FORMAT = typer.Option(OutputFormat.table, "--format", help="json or table.")


def open_case(directory: Path, passphrase_env: str | None) -> Vault:
    return Vault.open(directory, get_passphrase(passphrase_env))


def check_format(fmt: OutputFormat, allowed: tuple[OutputFormat, ...]) -> None:
    if fmt not in allowed:
        raise BadAnswers(f"--format must be one of: {', '.join(a.value for a in allowed)}", key="format")
