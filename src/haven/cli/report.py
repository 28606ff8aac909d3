"""CLI commands for the report capability."""

from __future__ import annotations

import typer


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add this capability's commands to the root app and/or the `haven case` group."""
