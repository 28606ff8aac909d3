"""The bank on a real PostgreSQL (started here from Debian's binaries, torn down after): the same flow as
on SQLite, plus restart with the snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import need
from test_bank_api import PDQ, PDQ_NEAR, exercise_bank
from test_bank_support import make_key, pg_available, postgres, running

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def pg_url():
    reason = pg_available()
    need(not reason, reason or "")
    with postgres() as url:
        yield url


def test_routes_postgres(pg_url: str, tmp_path: Path):
    with running(pg_url, "--snapshot-dir", str(tmp_path / "snap")) as server:
        exercise_bank(server, pg_url)


def test_restart_postgres(pg_url: str, tmp_path: Path):
    snap = tmp_path / "snap"
    sub, plat = make_key(pg_url, "submitter", "i"), make_key(pg_url, "matcher", "p")
    with running(pg_url, "--snapshot-dir", str(snap)) as server, server.client(sub) as s:
        case = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]}).json()
    with running(pg_url, "--snapshot-dir", str(snap)) as server, server.client(plat) as p:
        assert p.get("/v1/status").json()["loaded_from"] == "snapshot"
        found = p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR}).json()["matches"]
        assert any(m["distance"] == 8 for m in found)
        with server.client(sub) as s:
            assert (
                s.post(f"/v1/cases/{case['case_number']}/withdraw", json={"pin": case["pin"]}).status_code
                == 200
            )
        assert p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR}).json()["matches"] == []


def test_bulk_pages_postgres(pg_url: str):
    """Exchange pages through COPY and the sequences: the same answers as on SQLite."""
    from sqlalchemy import select

    from haven.bank.bulk import BankWriter
    from haven.bank.db import bank_meta, cases, events, make_engine, signals
    from haven.bank.matcher import Matcher

    engine = make_engine(pg_url)
    a, b, c = "a" * 64, "b" * 64, "c" * 64
    writer = BankWriter(engine, "PGX", "exchange:test")
    assert writer.apply([("pdq", a), ("pdq", b), ("pdq", a)], [], {"cp:PGX": "1"}).added == 2
    again = writer.apply([("pdq", a), ("pdq", c)], [("pdq", b)], {"cp:PGX": "2"})
    assert (again.added, again.withdrawn) == (1, 1)
    assert BankWriter(engine, "PGX", "t").apply([("pdq", c)]).added == 0  # a new run reads the live set
    with engine.connect() as conn:
        live = conn.execute(
            select(signals.c.value).where(signals.c.bank == "PGX", signals.c.active.is_(True))
        ).scalars()
        assert sorted(live) == [a, c]
        assert conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == "cp:PGX")).scalar() == "2"
        numbers = conn.execute(select(cases.c.number).where(cases.c.bank == "PGX")).scalars().all()
        ops = conn.execute(
            select(events.c.op)
            .join(signals, signals.c.id == events.c.signal_id)
            .where(signals.c.bank == "PGX")
        ).scalars()
        assert sorted(ops) == ["add", "add", "add", "remove"]
    assert len(numbers) == 3 and all(n.startswith("EXCH-") for n in numbers)
    matcher = Matcher(engine)
    matcher.load()
    assert len(matcher.match("pdq", a)) == 1 and matcher.match("pdq", b) == []
    # the feed pages them in order through PostgreSQL's cursor too; a withdrawal names no value
    from haven.bank.feed import page

    first = page(engine, 0, 2)
    assert first["more"] and [c[1] for c in first["changes"]] == ["add", "add"]
    rest = page(engine, first["next"])
    ops = [(c[1], c[5]) for c in first["changes"] + rest["changes"] if c[3] == "PGX"]
    assert ops == [("add", a), ("add", b), ("remove", None), ("add", c)] and not rest["more"]
    engine.dispose()


def test_bulk_pages_and_sealed_credentials_postgres(pg_url: str, monkeypatch: pytest.MonkeyPatch):
    """Exchange pages through COPY (haven.bank.bulk) and sealed credentials on PostgreSQL."""
    from sqlalchemy import select

    from haven.bank.bulk import BankWriter
    from haven.bank.db import exchange_configs, make_engine
    from haven.bank.exchanges import configs, sealed
    from haven.bank.matcher import Matcher

    monkeypatch.delenv("HAVEN_BANK_SECRET_KEY", raising=False)
    monkeypatch.delenv("HAVEN_BANK_KEYFILE", raising=False)
    engine = make_engine(pg_url)
    writer = BankWriter(engine, "PGX", "exchange:test")
    a, b = "1" * 64, "2" * 64
    assert writer.apply([("pdq", a), ("pdq", b)], [], {"cp:PGX": "1"}).added == 2
    assert writer.apply([], [("pdq", b)], {"cp:PGX": "2"}).withdrawn == 1
    matcher = Matcher(engine)
    matcher.load()
    assert len(matcher.match("pdq", a, 0)) == 1 and matcher.match("pdq", b, 0) == []
    configs.add(engine, "PGFEED", "haven_feed", {"url": "http://127.0.0.1:9"}, {"key": "tok-PG-SECRET"})
    with engine.connect() as conn:
        stored = conn.execute(
            select(exchange_configs.c.credentials).where(exchange_configs.c.name == "PGFEED")
        ).scalar_one()
    assert sealed.is_sealed(stored) and "tok-PG-SECRET" not in str(stored)
    assert configs.get(engine, "PGFEED").credentials == {"key": "tok-PG-SECRET"}
    engine.dispose()
