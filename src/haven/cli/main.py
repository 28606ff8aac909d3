"""The ``haven`` command, started lazily so ``haven --help`` answers at once.

Each capability adds its commands from its own ``haven.cli.<name>`` module, through a
``register(app, case_app)`` function, so no two capabilities edit the same file. Those modules import
numpy, Pillow, PyAV, Rich and the like, so ``haven`` does not import them up front: it reads the two
tables below and imports one module only when one of its commands runs (or shows its own ``--help``).

HOW TO ADD A COMMAND (the lazy pattern):
1. Write it in your module's ``register(app, case_app)`` as before (``@app.command("x")``,
   ``app.add_typer(group, name="x")`` or ``@case_app.command("x")``).
2. Add one line here: in ``ROOT_COMMANDS`` for ``haven x``, in ``CASE_COMMANDS`` for ``haven case x``:
   ``"x": ("your_module", "The one-line help shown by haven --help.")``.
3. Add your module to ``COMMAND_MODULES`` (the full, eager app that tests and docs checks use).
``tests/test_cli_lazy.py`` fails, naming the command, when a table and the modules disagree, and checks
that ``haven --help`` imports none of the heavy modules. Keep heavy imports out of ``haven.cli.common``.

``from haven.cli.main import app`` still gives the full Typer app with every command (built on first use).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

import haven

ROOT_HELP = (
    "Haven: help when someone is threatening to share your intimate images. "
    "Everything stays on this computer."
)
CASE_HELP = "Your evidence vault: keep, verify and report on the evidence."

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
    "console",
)

# haven <name>: (module in haven.cli, one-line help). "case" is built here, from CASE_COMMANDS.
ROOT_COMMANDS: dict[str, tuple[str, str]] = {
    "guide": ("guide", "A calm plan for your situation: one question at a time, or from an answers file."),
    "letter": (
        "guide",
        "The police Support and Information letter, with the right help for the person's age and area.",
    ),
    "verify": (
        "report",
        "Check an evidence package: signature, every file's hash, the ledger chain, the Merkle root.",
    ),
    "check-email": ("mail", "Is this email a sextortion scam? Checks each email and explains why."),
    "flags": (
        "flags",
        "Find the red flags of sextortion in one chat export, and explain each in plain words.",
    ),
    "serve": ("web", "Open Haven in your browser. Everything stays on this computer."),
    "indicators": (
        "indicators",
        "Offender details: find and check user names, numbers, wallets, bank details and codes in text.",
    ),
    "protect": (
        "protect",
        "Protect your images: make hashes on this computer so copies can be found and blocked. "
        "The images never leave this computer.",
    ),
    "bank": ("bank", "Hash bank and match service for platforms (hashes only, never images)."),
    "console": ("console", "Police and support-worker console: receive, verify and link packages."),
}

# haven case <name>: (module in haven.cli, one-line help).
CASE_COMMANDS: dict[str, tuple[str, str]] = {
    "create": ("vault", "Make a new, encrypted case folder."),
    "import": ("vault", "Copy evidence into the case (encrypted), read its messages, and log it."),
    "timeline": ("vault", "Messages from every app in time order, one page at a time."),
    "details": (
        "vault",
        "Offender details found when the evidence was imported (one row per detail), one page at a time.",
    ),
    "red-flags": ("vault", "Red flags found when the evidence was imported, with their messages."),
    "derive": ("vault", "Work out the offender details and red flags again from every stored message."),
    "verify": (
        "vault",
        "Check the ledger chain and every stored item's hash (exit 0 if all is well, 1 if not).",
    ),
    "info": ("vault", "What is in the case: counts, the person's age group, the ledger head."),
    "items": ("vault", "The files kept as evidence, with their ids and SHA-256 hashes."),
    "ledger": ("vault", "The log of every action on the evidence."),
    "me": (
        "vault",
        "Tell Haven which chat names are yours, so your messages are never taken for the offender's.",
    ),
    "note": ("vault", "Write down what happened (kept encrypted and logged)."),
    "mark-intimate": (
        "vault",
        "Mark an item as an intimate image: never shown, never exported without your say.",
    ),
    "indicators": (
        "indicators",
        "Every offender detail in the case: messages, email headers and screenshots' text.",
    ),
    "report": (
        "report",
        "Write a PDF report a police officer can read. Intimate images are never shown in it.",
    ),
    "export": ("report", "Write an evidence package (zip) that anyone can check with 'haven verify'."),
    "initials": ("report", "Set the initials in exhibit references (only until the case is first exported)."),
    "share-account": ("report", "Add your own account to the report: paid or not, how, platforms, names."),
    "continuity": ("report", "Print the continuity statement, a first-person draft to give to the officer."),
    "flags": ("flags", "Find the red flags in every conversation kept in a case vault."),
}


def _registered(module: str) -> tuple[Any, Any]:  # click groups (typer may vendor its own click)
    """The click groups (root, case) holding everything ``haven.cli.<module>`` registers."""
    root, case = typer.Typer(), typer.Typer()
    importlib.import_module(f"haven.cli.{module}").register(root, case)
    return typer.main.get_group(root), typer.main.get_group(case)


class LazyGroup(TyperGroup):
    """A command group whose commands are imported only when one runs.

    Listing (``--help``) uses the table's one-line help; running ``haven x …`` imports x's module and
    hands over the real command, so its own options, help and errors are exactly the module's.
    """

    def __init__(
        self, *, table: dict[str, tuple[str, str]] | None = None, in_case: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.table = table or {}
        self.in_case = in_case

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.table if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.table:
            return found
        # A light stand-in, enough for the list of commands in --help.
        text = self.table[cmd_name][1]
        return typer.core.TyperCommand(cmd_name, help=text, short_help=text, rich_markup_mode=None)

    def _click_resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name in self.table and name not in self.commands:
            root, case = _registered(self.table[name][0])
            real = (case if self.in_case else root).commands.get(name)
            if real is not None:
                self.commands[name] = real
        return super()._click_resolve_command(ctx, args)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"haven {haven.__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Haven keeps everything on this computer unless you ask otherwise."""


def lazy_command() -> Any:
    """The ``haven`` command as run from the console script: every command group imported on demand."""
    app = typer.Typer(
        name="haven",
        help=ROOT_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        cls=LazyGroup,
    )
    app.callback()(_root)
    group = typer.main.get_group(app)
    assert isinstance(group, LazyGroup)
    group.table, group.in_case = ROOT_COMMANDS, False
    case = LazyGroup(
        name="case",
        help=CASE_HELP,
        no_args_is_help=True,
        table=CASE_COMMANDS,
        in_case=True,
        rich_markup_mode=None,
    )
    group.add_command(case, "case")
    return group


def build_app() -> typer.Typer:
    """The full Typer app with every command imported (tests, docs checks, ``typer.testing``)."""
    app = typer.Typer(
        name="haven",
        help=ROOT_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    case_app = typer.Typer(help=CASE_HELP, no_args_is_help=True)
    app.add_typer(case_app, name="case")
    app.callback()(_root)
    for name in COMMAND_MODULES:
        importlib.import_module(f"haven.cli.{name}").register(app, case_app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def main() -> None:
    lazy_command()(prog_name="haven")
