"""Options shared by the commands that talk to a hash bank (``haven protect case submit``, ``haven bank
mirror``): one definition of ``--bank`` (the address), ``--key`` (an API key, or ``$HAVEN_BANK_KEY``) and
``--bank-name``, so their names, environment variable and wording stay the same everywhere."""

from typing import Any

import typer


def bank_url_option() -> Any:
    return typer.Option(..., "--bank", help="The hash bank's address, e.g. http://127.0.0.1:8080")


def bank_key_option(role: str) -> Any:
    """``--key`` (or ``$HAVEN_BANK_KEY``): an API key of the bank with ``role``."""
    return typer.Option(..., "--key", envvar="HAVEN_BANK_KEY", help=f"An API key for that bank ({role}).")


def bank_name_option() -> Any:
    return typer.Option("haven", "--bank-name", help="Which bank at that address.")
