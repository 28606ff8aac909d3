"""CLI commands for the hash bank: ``haven bank serve``, ``keys create`` and ``import-case``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from haven.cli.bank_options import bank_key_option
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
        fetch_exchanges: bool = typer.Option(
            False, "--fetch-exchanges", help="Also fetch the configured exchanges on their schedule."
        ),
        share_index: bool = typer.Option(
            True,
            "--share-index/--no-share-index",
            help="With --workers > 1: build the index once and fork the workers over it (shared pages).",
        ),
    ) -> None:
        """Run the match service (FastAPI + uvicorn)."""
        import threading

        import uvicorn

        from haven.bank.api import create_app
        from haven.bank.db import make_engine

        make_engine(database).dispose()  # schema made once, before workers start
        opts = _server_options()
        if workers > 1 and share_index and not shards:
            from haven.bank import prefork
            from haven.bank.api import preload

            app = create_app(database, snapshot_dir)
            extra = []
            if fetch_exchanges:  # one scheduler, in a process of its own

                def fetch_loop() -> None:
                    from haven.bank.exchanges import runner

                    runner.scheduler(make_engine(database), threading.Event(), 1.0)

                extra.append(fetch_loop)
            prefork.serve(
                app, lambda: preload(app), host, port, workers, {**opts, "log_level": log_level}, extra
            )
            return
        if fetch_exchanges:  # one scheduler in this (parent) process, however many workers serve
            from haven.bank.exchanges import runner

            threading.Thread(
                target=runner.scheduler,
                args=(make_engine(database), threading.Event(), 1.0),
                daemon=True,
                name="haven-exchanges",
            ).start()
        if shards and workers != 1:
            raise BadAnswers("--shards runs with one server process (--workers 1): the shards do the work.")
        if workers == 1:
            from haven.bank.prefork import server_options

            app = create_app(database, snapshot_dir, shards=shards)
            uvicorn.run(app, host=host, port=port, log_level=log_level, **server_options(app, opts))
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
        pin: str | None = typer.Option(
            None,
            "--pin",
            envvar="HAVEN_CASE_PIN",
            help="The person's haven protect PIN: the bank then takes that PIN too (one number, one PIN).",
        ),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", help="json or text."),
    ) -> None:
        """Add a person's exported hashes as a case. A `haven protect` export keeps its own case number
        (the victim has one number everywhere); with --pin, the same PIN opens it here too, else a bank PIN
        is printed."""
        from pydantic import ValidationError

        from haven.bank.cases import CaseError, create_case, register_case, signals_from_export
        from haven.bank.db import make_engine
        from haven.bank.schemas import CaseIn

        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            body = CaseIn.model_validate({"signals": signals_from_export(data), "bank": bank_name})
        except OSError as exc:
            raise ImportFileError(f"Cannot read {path}: {exc.strerror}") from None
        except (ValueError, ValidationError) as exc:
            raise ImportFileError(f"{path} is not a case export: {exc}") from None
        number = data.get("case_number") or None
        if number is not None and not isinstance(number, str):
            raise ImportFileError(f"{path} is not a case export: case_number is not text")
        if pin is not None and number is None:
            raise BadAnswers("--pin needs a haven protect export (it has the case number the PIN goes with).")
        validated: list[tuple[str, str]] = [(s.signal_type, s.signal) for s in body.signals]
        engine = make_engine(database)
        try:
            if pin is not None and number is not None:
                from haven.protect.bank_link import pin_verifier

                new, _created = register_case(
                    engine, number, pin_verifier(number, pin), validated, "import", bank_name
                )
            else:
                new = create_case(engine, validated, "import", bank_name, number=number)
        except CaseError as exc:
            raise BadAnswers(exc.message) from None
        finally:
            engine.dispose()
        out = {"case_number": new.case_number, "pin": new.pin or None, "status": new.status}
        if fmt == OutputFormat.json:
            print_json(out)
        elif new.pin:
            console.print(
                f"Case {new.case_number}, PIN {new.pin} ({new.status}). Keep both safe.", highlight=False
            )
        else:
            console.print(
                f"Case {new.case_number} ({new.status}): the person's own PIN opens it.", highlight=False
            )

    @bank.command("mirror")
    @handle_errors
    def mirror_cmd(
        url: str = typer.Argument(..., help="The source bank, e.g. http://127.0.0.1:8080"),
        key: str = bank_key_option("the source's, matcher role"),
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

    _register_exchanges(bank)


def _register_exchanges(bank: typer.Typer) -> None:
    """``haven bank exchange add|list|fetch|run|remove``: python-threatexchange exchanges per bank."""
    ex_app = typer.Typer(
        help="Fetch hashes from StopNCII, NCMEC, ThreatExchange, files, URLs or another Haven bank.",
        no_args_is_help=True,
    )
    bank.add_typer(ex_app, name="exchange")
    fmt_opt = typer.Option(OutputFormat.text, "--format", help="json or text.")

    def _json_arg(text: str, what: str) -> dict[str, Any]:
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            raise BadAnswers(f'{what} should be a JSON object, like \'{{"url": "http://..."}}\'.') from None
        if not isinstance(value, dict):
            raise BadAnswers(f"{what} should be a JSON object.")
        return value

    @ex_app.command("add")
    @handle_errors
    def ex_add(
        name: str = typer.Argument(..., help="A name for the exchange (also its bank's, by default)."),
        api: str = typer.Option(
            ..., "--api", help="stop_ncii, ncmec, fb_threatexchange, file, url or haven_feed."
        ),
        config: str = typer.Option("", "--config", help='Settings as JSON, e.g. \'{"url": "http://..."}\'.'),
        credentials: str = typer.Option(
            "", "--credentials", envvar="HAVEN_EXCHANGE_CREDENTIALS", help="Credentials as JSON (or env)."
        ),
        bank_name: str | None = typer.Option(None, "--bank", help="The bank to fill (default: NAME)."),
        every: float = typer.Option(3600.0, "--every", min=0.0, help="Seconds between scheduled fetches."),
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        fmt: OutputFormat = fmt_opt,
    ) -> None:
        """Configure an exchange for a bank (stored in the bank database)."""
        from haven.bank.db import make_engine
        from haven.bank.exchanges import configs

        engine = make_engine(database)
        try:
            made = configs.add(
                engine,
                name,
                api,
                _json_arg(config, "--config"),
                _json_arg(credentials, "--credentials"),
                bank_name,
                every,
            )
        except (configs.ExchangeError, KeyError, ValueError, TypeError) as exc:
            raise BadAnswers(str(exc)) from None
        finally:
            engine.dispose()
        if fmt == OutputFormat.json:
            print_json(made.public())
        else:
            console.print(f"Exchange {made.name} ({made.api}) fills bank {made.bank}.", highlight=False)

    @ex_app.command("list")
    @handle_errors
    def ex_list(
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        fmt: OutputFormat = fmt_opt,
    ) -> None:
        """The configured exchanges (credentials are not shown)."""
        from haven.bank.db import make_engine
        from haven.bank.exchanges import configs

        engine = make_engine(database)
        try:
            found = [x.public() for x in configs.all_exchanges(engine)]
        finally:
            engine.dispose()
        if fmt == OutputFormat.json:
            print_json(found)
            return
        for x in found:
            line = f"{x['name']}: {x['api']} into bank {x['bank']}, every {x['every_seconds']:g} s"
            console.print(
                line + (f" (last error: {x['last_error']})" if x["last_error"] else ""), highlight=False
            )

    @ex_app.command("fetch")
    @handle_errors
    def ex_fetch(
        names: list[str] = typer.Argument(None, help="Exchanges to fetch (default: every enabled one)."),
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        max_pages: int | None = typer.Option(None, "--max-pages", min=1, help="Stop after this many pages."),
        fmt: OutputFormat = fmt_opt,
    ) -> None:
        """Fetch now, from each exchange's stored checkpoint, then push feedback back."""
        from haven.bank.db import make_engine
        from haven.bank.exchanges import configs, runner

        engine = make_engine(database)
        results = []
        try:
            chosen = names or [x.name for x in configs.all_exchanges(engine) if x.enabled]
            for name in chosen:
                try:
                    res = runner.fetch(engine, name, max_pages=max_pages)
                    pushed = runner.push_feedback(engine, name)
                except runner.FetchError as exc:
                    raise BadAnswers(str(exc)) from None
                results.append({**res.__dict__, "feedback_sent": pushed})
        finally:
            engine.dispose()
        if fmt == OutputFormat.json:
            print_json(results)
            return
        for r in results:
            console.print(
                f"{r['name']}: {r['added']} added, {r['withdrawn']} withdrawn ({r['pages']} pages"
                f"{', complete' if r['complete'] else ', to be continued'}); "
                f"{r['feedback_sent']} feedback sent.",
                highlight=False,
            )

    @ex_app.command("run")
    @handle_errors
    def ex_run(
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
        tick: float = typer.Option(5.0, "--tick", min=0.1, help="Seconds between looks at the schedule."),
    ) -> None:
        """Keep fetching each exchange on its schedule (until stopped with Ctrl-C)."""
        import threading

        from haven.bank.db import make_engine
        from haven.bank.exchanges import runner

        engine = make_engine(database)
        stop = threading.Event()
        try:
            runner.scheduler(engine, stop, tick)
        except KeyboardInterrupt:
            stop.set()
        finally:
            engine.dispose()

    @ex_app.command("remove")
    @handle_errors
    def ex_remove(
        name: str = typer.Argument(...),
        database: str = typer.Option("haven-bank.sqlite", "--database", help=DB_HELP),
    ) -> None:
        """Forget an exchange's configuration (its bank and hashes stay; withdraw them with the bank)."""
        from haven.bank.db import make_engine
        from haven.bank.exchanges import configs

        engine = make_engine(database)
        try:
            if not configs.remove(engine, name):
                raise BadAnswers(f"No exchange is named {name}.")
        finally:
            engine.dispose()
        console.print(f"Exchange {name} removed.", highlight=False)


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
