"""The ``haven`` command. Each capability adds its command group from its own ``haven.cli.<name>``
module, through a ``register(app, case_app)`` function, so no two capabilities edit the same file."""

from __future__ import annotations

import importlib

import typer

from haven import __version__

app = typer.Typer(
    name="haven",
    help="Haven: help when someone is threatening to share your intimate images. "
    "Everything stays on this computer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
case_app = typer.Typer(
    help="Your evidence vault: keep, verify and report on the evidence.", no_args_is_help=True
)
app.add_typer(case_app, name="case")

# One module per capability; each defines register(app, case_app).
COMMAND_MODULES = (
    "guide",
    "vault",
    "indicators",
    "protect",
    "report",
    "bank",
    "mail",
    "flags",
    "web",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"haven {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Haven keeps everything on this computer unless you ask otherwise."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"haven.cli.{_name}").register(app, case_app)


def main() -> None:
    app()
