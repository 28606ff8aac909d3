"""CLI commands for the web capability: ``haven serve``."""

from __future__ import annotations

import typer

from haven.cli.common import fail


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven serve`` to the root app."""

    @app.command("serve")
    def serve_cmd(
        port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (default: a free one)."),
        no_browser: bool = typer.Option(False, "--no-browser", help="Do not open the browser."),
        host: str = typer.Option("127.0.0.1", "--host", help="Only 127.0.0.1 is allowed."),
        lock_after: float = typer.Option(
            600, "--lock-after", help="Seconds without use before an open case is locked."
        ),
    ) -> None:
        """Open Haven in your browser. Everything stays on this computer."""
        if host != "127.0.0.1":
            fail("Haven only listens on 127.0.0.1, so no other computer can reach it.", 2)
        if lock_after <= 0:
            fail("--lock-after must be more than 0 seconds.", 2)
        from haven.web.server import serve

        try:
            serve(port, no_browser=no_browser, lock_after=lock_after)
        except OSError as exc:
            fail(f"Haven could not start on port {port}: {exc.strerror or exc}", 2)
