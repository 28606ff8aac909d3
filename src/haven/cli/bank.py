"""CLI commands for the hash bank: ``haven bank serve``, ``keys create`` and ``import-case``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from haven.cli.common import OutputFormat, console, handle_errors, print_json
from haven.core.errors import BadAnswers, ImportFileError

DB_HELP = "Bank database: a SQLite file path (made if missing) or postgresql://user@host/db."


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven bank ...`` (for platforms and the people who run a bank)."""
    bank = typer.Typer(
        help="Hash bank and match service for platforms (hashes only, never images).", no_args_is_help=True
    )
    keys = typer.Typer(help="API keys for platforms and tools.", no_args_is_help=True)
    bank.add_typer(keys, name="keys")
    app.add_typer(bank, name="bank")

    @bank.command("serve")
    @handle_errors
    def serve(
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8080, "--port", help="Port to listen on."),
        workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes (one per core)."),
        snapshot_dir: Path | None = typer.Option(
            None, "--snapshot-dir", help="Where the index snapshot is kept (default: beside a SQLite file)."
        ),
        log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
        shards: int = typer.Option(
            0, "--shards", min=0, max=256, help="Hold the PDQ index in N Ray actors (local Ray cluster)."
        ),
    ) -> None:
        """Run the match service (FastAPI + uvicorn)."""
        import uvicorn

        from haven.bank.api import create_app
        from haven.bank.db import make_engine

        make_engine(database).dispose()  # schema made once, before workers start
        opts = _server_options()
        if shards and workers != 1:
            raise BadAnswers("--shards runs with one server process (--workers 1): the shards do the work.")
        if workers == 1:
            app = create_app(database, snapshot_dir, shards=shards)
            uvicorn.run(app, host=host, port=port, log_level=log_level, **opts)
            return
        os.environ["HAVEN_BANK_DATABASE"] = database
        if snapshot_dir is not None:
            os.environ["HAVEN_BANK_SNAPSHOT_DIR"] = str(snapshot_dir)
        uvicorn.run(
            "haven.bank.api:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            **opts,
        )

    @keys.command("create")
    @handle_errors
    def keys_create(
        role: str = typer.Option(..., "--role", help="submitter, matcher, curator or admin."),
        name: str = typer.Option(..., "--name", help="Who uses the key (platform or tool name)."),
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="json or text."),
    ) -> None:
        """Make an API key. It is shown once; only its hash is stored."""
        from haven.bank.db import make_engine
        from haven.bank.keys import Role, create_key

        if role not in Role.__members__:
            raise BadAnswers(f"Unknown role {role!r}: use one of {', '.join(Role.__members__)}.")
        engine = make_engine(database)
        try:
            key = create_key(engine, name, role)
        except ValueError as exc:
            raise BadAnswers(str(exc)) from None
        finally:
            engine.dispose()
        if fmt == OutputFormat.json:
            print_json({"key": key, "name": name.strip(), "role": role})
        else:
            console.print(f"API key for {name.strip()} ({role}), shown once:\n{key}", highlight=False)

    @bank.command("import-case")
    @handle_errors
    def import_case(
        path: Path = typer.Argument(
            ..., help='`haven protect` submission export, or JSON {"signals": [{"signal_type", "signal"}]}.'
        ),
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        bank_name: str = typer.Option("haven", "--bank", help="Bank to put the hashes in."),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="json or text."),
    ) -> None:
        """Add a person's exported hashes as a case; prints the case number and PIN."""
        from pydantic import ValidationError

        from haven.bank.cases import create_case, signals_from_export
        from haven.bank.db import make_engine
        from haven.bank.schemas import CaseIn

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            body = CaseIn.model_validate({"signals": signals_from_export(data), "bank": bank_name})
        except OSError as exc:
            raise ImportFileError(f"Cannot read {path}: {exc.strerror}") from None
        except (ValueError, ValidationError) as exc:
            raise ImportFileError(f"{path} is not a case export: {exc}") from None
        engine = make_engine(database)
        try:
            new = create_case(engine, [(s.signal_type, s.signal) for s in body.signals], "import", bank_name)
        finally:
            engine.dispose()
        out = {"case_number": new.case_number, "pin": new.pin, "status": new.status}
        if fmt == OutputFormat.json:
            print_json(out)
        else:
            console.print(
                f"Case {new.case_number}, PIN {new.pin} ({new.status}). Keep both safe.", highlight=False
            )

    @bank.command("mirror")
    @handle_errors
    def mirror_cmd(
        url: str = typer.Argument(..., help="The source bank, e.g. http://127.0.0.1:8080"),
        key: str = typer.Option(
            ..., "--key", envvar="HAVEN_BANK_KEY", help="An API key of the source (matcher role)."
        ),
        database: str = typer.Option("haven-mirror.sqlite", "--database", help=DB_HELP),
        public_key: str | None = typer.Option(
            None, "--public-key", help="The source's feed key (hex); default: pinned on first contact."
        ),
        every: float = typer.Option(0.0, "--every", min=0.0, help="Keep following: seconds between fetches."),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="json or text."),
    ) -> None:
        """Keep a local copy of a bank current from its signed feed (adds and withdrawals)."""
        import time

        import httpx

        from haven.bank.db import make_engine
        from haven.bank.mirror import MirrorError, mirror

        engine = make_engine(database)
        try:
            while True:
                try:
                    res = mirror(engine, url, key, public_key)
                except MirrorError as exc:
                    raise BadAnswers(str(exc)) from None
                except httpx.HTTPError as exc:
                    raise BadAnswers(f"Cannot reach {url}: {exc}") from None
                out = {
                    "pages": res.pages,
                    "added": res.added,
                    "removed": res.removed,
                    "checkpoint": res.checkpoint,
                }
                if fmt == OutputFormat.json:
                    print_json(out)
                else:
                    console.print(
                        f"Mirror at change {res.checkpoint}: {res.added} added, {res.removed} withdrawn "
                        f"({res.pages} pages).",
                        highlight=False,
                    )
                if not every:
                    break
                time.sleep(every)
        finally:
            engine.dispose()


def _server_options() -> dict[str, Any]:
    """Fastest uvicorn parts that are installed (httptools parser, uvloop event loop)."""
    opts: dict[str, Any] = {"access_log": False}
    try:
        import httptools  # noqa: F401

        opts["http"] = "httptools"
    except ImportError:
        pass
    try:
        import uvloop  # noqa: F401

        opts["loop"] = "uvloop"
    except ImportError:
        pass
    return opts
