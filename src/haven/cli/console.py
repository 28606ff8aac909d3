"""``haven console …``: the police and support-worker console (see docs/console.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from haven.cli.common import OutputFormat, console, handle_errors, print_json

DB_HELP = "Console database: a SQLite file path (made if missing) or postgresql://user@host/db."
KEY_HELP = (
    "Key file (32 bytes, hex). Default: HAVEN_CONSOLE_KEY_FILE, else a passphrase from "
    "HAVEN_CONSOLE_PASSPHRASE, else a key file made in $HAVEN_HOME/console/."
)
TOKEN_HELP = "Secret agreed with the other force's console (default: HAVEN_CONSOLE_PEER_TOKEN)."


def _open(database: str, key_file: Path | None):  # type: ignore[no-untyped-def]
    from haven.console.crypto import open_key
    from haven.console.db import make_engine

    engine = make_engine(database)
    return engine, open_key(engine, key_file)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven console ...``."""
    group = typer.Typer(
        help="Police and support-worker console: receive, verify and link packages.", no_args_is_help=True
    )
    users = typer.Typer(help="Console accounts.", no_args_is_help=True)
    group.add_typer(users, name="users")
    app.add_typer(group, name="console")

    @users.command("create")
    @handle_errors
    def users_create(
        role: str = typer.Option(..., "--role", help="officer, analyst, supervisor or admin."),
        name: str = typer.Option(..., "--name", help="User name."),
        unit: str = typer.Option("default", "--unit", help="The person's unit (officers see its cases)."),
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """Make an account: prints the password and the TOTP secret once."""
        from haven.console import audit
        from haven.console.users import create_user

        engine, key = _open(database, key_file)
        made = create_user(engine, key, name, role, unit)
        audit.record(engine, key, "cli", "user-create", made["user"], role=role, unit=unit)
        if fmt == OutputFormat.json:
            print_json(made)
        else:
            console.print(
                f"user {made['user']}\npassword {made['password']}\ntotp_secret {made['totp_secret']}",
                highlight=False,
            )

    @group.command("ingest")
    @handle_errors
    def ingest(
        package: Path = typer.Argument(..., help="A package made by 'haven case export'."),
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        unit: str = typer.Option("default", "--unit", help="Unit the case belongs to."),
        age: int | None = typer.Option(
            None, "--age", help="The person's age, when the package does not say."
        ),
        quarantine: bool = typer.Option(False, "--quarantine", help="Keep a failing package in quarantine."),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """Verify a package and store it; print the cases it links to. A failing package: exit 1."""
        from haven.console.store import PackageRefused, ingest

        engine, key = _open(database, key_file)
        try:
            result = ingest(
                engine, key, package, actor="cli", unit=unit, age=age, keep_in_quarantine=quarantine
            )
        except PackageRefused as exc:
            if fmt == OutputFormat.json:
                print_json(
                    {
                        "verified": False,
                        "stored": False,
                        "quarantined": exc.quarantined,
                        "reasons": exc.problems,
                    }
                )
            else:
                console.print("Refused: the package failed verification and was not stored.", highlight=False)
                for p in exc.problems:
                    console.print(f"  - {p}", highlight=False, markup=False)
            raise typer.Exit(1) from None
        if fmt == OutputFormat.json:
            print_json(result.to_dict())
            return
        console.print(f"Stored as case {result.case_id} (verified).", highlight=False)
        for link in result.links:
            console.print(
                f"  links: {link['identifier']} also in {', '.join(link['cases'])}",
                highlight=False,
                markup=False,
            )

    @group.command("links")
    @handle_errors
    def links(
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """Clusters of cases that share offender identifiers, strongest first."""
        from haven.console import audit
        from haven.console.links import clusters

        engine, key = _open(database, key_file)
        found = clusters(engine, key)
        audit.record(engine, key, "cli", "view", "links", clusters=len(found))
        if fmt == OutputFormat.json:
            print_json({"clusters": found})
            return
        for g in found:
            console.print(f"strength {g['strength']}: {', '.join(g['cases'])}", highlight=False)
            for i in g["identifiers"]:
                console.print(
                    f"  {i['identifier']}  ({len(i['cases'])} cases)", highlight=False, markup=False
                )

    @group.command("psi")
    @handle_errors
    def psi(
        peer: str = typer.Option(
            ..., "--peer", help="The other console's address (https, or http on loopback)."
        ),
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        peer_token: str | None = typer.Option(None, "--peer-token", help=TOKEN_HELP),
        name: str = typer.Option("Haven console", "--name", help="This console's name (the peer sees it)."),
        contact: str | None = typer.Option(None, "--contact", help="Contact the peer sees for a match."),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """Find the offender identifiers this console and another force's console both hold (PSI)."""
        from haven.console.db import get_meta
        from haven.console.psi import TOKEN_ENV, run

        engine, key = _open(database, key_file)
        token = peer_token or os.environ.get(TOKEN_ENV, "")
        out = run(
            engine,
            key,
            peer,
            token,
            name,
            contact if contact is not None else (get_meta(engine, "contact") or ""),
        )
        if fmt == OutputFormat.json:
            print_json(out)
            return
        console.print(
            f"{len(out['shared'])} identifier(s) in common with {out['peer_name']}.", highlight=False
        )
        for s in out["shared"]:
            console.print(f"  {s['identifier']}: {s['message']}", highlight=False, markup=False)

    @group.command("serve")
    @handle_errors
    def serve(
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8090, "--port", help="Port to listen on."),
        name: str = typer.Option(
            "Haven console", "--name", help="This console's name (shown, and to peers)."
        ),
        contact: str | None = typer.Option(None, "--contact", help="Contact a PSI peer sees for a match."),
        peer_token: str | None = typer.Option(None, "--peer-token", help=TOKEN_HELP + " Enables /psi/v1."),
        allowed_host: list[str] = typer.Option(
            [], "--allowed-host", help="Host name the console is served as."
        ),
        log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
    ) -> None:
        """Run the console web app (one process; put it behind TLS for anything but this computer)."""
        import uvicorn

        from haven.console import store
        from haven.console.app import Settings, create_app
        from haven.console.db import get_meta
        from haven.console.psi import TOKEN_ENV

        engine, key = _open(database, key_file)
        store.purge_expired(engine, key)
        hosts = {"127.0.0.1", "localhost", "::1", host, *allowed_host}
        settings = Settings(
            engine,
            key,
            name=name,
            contact=contact if contact is not None else (get_meta(engine, "contact") or ""),
            peer_token=peer_token or os.environ.get(TOKEN_ENV) or None,
            allowed_hosts=hosts,
        )
        console.print(f"Haven console running on http://{host}:{port}/", highlight=False)
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)

    @group.command("verify-audit")
    @handle_errors
    def verify_audit(
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
        fmt: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """Check the audit log's hash chain and sealed head. Exit 1 on any problem."""
        from haven.console import audit

        engine, key = _open(database, key_file)
        problems = audit.verify(engine, key)
        count = len(audit.entries(engine))
        if fmt == OutputFormat.json:
            print_json({"ok": not problems, "entries": count, "problems": problems})
        else:
            console.print("The audit log verifies." if not problems else "\n".join(problems), highlight=False)
        if problems:
            raise typer.Exit(1)

    @group.command("delete")
    @handle_errors
    def delete(
        case_id: str = typer.Argument(...),
        reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
    ) -> None:
        """Delete one case and everything derived from it (logged with the reason)."""
        from haven.console.store import delete_case

        engine, key = _open(database, key_file)
        delete_case(engine, key, case_id, actor="cli", reason=reason)
        console.print(f"Deleted {case_id}.", highlight=False)

    @group.command("retention")
    @handle_errors
    def retention(
        days: int = typer.Option(..., "--days", help="Keep cases this many days (0: until deleted)."),
        database: str = typer.Option("haven-console.sqlite", "--database", help=DB_HELP),
        key_file: Path | None = typer.Option(None, "--key-file", help=KEY_HELP),
    ) -> None:
        """Set the retention period and delete the cases older than it (each logged)."""
        from haven.console.store import purge_expired, set_retention

        engine, key = _open(database, key_file)
        set_retention(engine, key, days or None, "cli")
        gone = purge_expired(engine, key, actor="cli")
        console.print(f"Retention {days or 'unlimited'} days; deleted {len(gone)} case(s).", highlight=False)
