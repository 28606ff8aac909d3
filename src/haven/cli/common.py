"""Helpers every command group shares: output formats, passphrase input, clean error exits."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from haven.core.errors import HavenError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    json = "json"
    table = "table"
    markdown = "markdown"
    text = "text"
    csv = "csv"
    html = "html"
    jsonl = "jsonl"


PASSPHRASE_ENV_HELP = "Read the vault passphrase from this environment variable instead of asking."


def get_passphrase(env_var: str | None, *, confirm: bool = False) -> str:
    """The vault passphrase: from ``env_var`` when given (scripts, tests), else an interactive prompt."""
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            raise HavenError(f"The environment variable {env_var} is not set.")
        return value
    if not sys.stdin.isatty():
        raise HavenError("No passphrase: there is no terminal to ask on. Use --passphrase-env VAR.")
    return typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)


def fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a HavenError into a clear message on stderr and its exit code (no traceback)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except HavenError as exc:
            fail(exc.message, exc.exit_code)
            raise  # unreachable: fail() raises

    return wrapper


def print_json(data: Any) -> None:
    """JSON to stdout, plain (no Rich markup or wrapping), so other tools can read it."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
