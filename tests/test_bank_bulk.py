"""Bulk pages into a bank (haven.bank.bulk): one transaction per page with its checkpoint, no hash live
twice, withdrawals found by value, other writers' changes seen, and the fast StopNCII record reader giving
exactly python-threatexchange's own records."""

from __future__ import annotations

import enum
from pathlib import Path

import dacite
import pytest
from sqlalchemy import select

from haven.bank import banks as store
from haven.bank import bulk
from haven.bank import cases as case_ops
from haven.bank.bulk import BankWriter, apply_page
from haven.bank.db import bank_meta, cases, events, make_engine, signals
from haven.bank.exchanges.stopncii_client import hash_record
from haven.bank.matcher import Matcher

A, B, C = "a" * 64, "b" * 64, "c" * 64


def live(engine, bank: str = "X") -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(signals.c.signal_type, signals.c.value).where(
                signals.c.bank == bank, signals.c.active.is_(True)
            )
        ).all()
    return sorted((t, v) for t, v in rows)


def test_pages_add_dedupe_and_withdraw(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    writer = BankWriter(engine, "X", "exchange:test")
    first = writer.apply([("pdq", A), ("pdq", B), ("pdq", A), ("md5", "0" * 32)], [], {"cp:X": "1"})
    assert (first.added, first.withdrawn) == (3, 0)
    again = writer.apply([("pdq", A), ("pdq", "not hex")], [("pdq", B), ("pdq", C)], {"cp:X": "2"})
    assert (again.added, again.withdrawn, again.skipped) == (0, 1, 1)
    assert live(engine) == [("md5", "0" * 32), ("pdq", A)]
    with engine.connect() as conn:
        assert conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == "cp:X")).scalar() == "2"
        ops = conn.execute(select(events.c.op).order_by(events.c.seq)).scalars().all()
        numbers = conn.execute(select(cases.c.number, cases.c.pin_hash)).all()
    assert ops == ["add", "add", "add", "remove"]
    assert all(n.startswith("EXCH-") and h == "!exchange" for n, h in numbers)
    # a fresh writer (a new fetch run) reads the live set from the database: nothing twice
    assert apply_page(engine, "X", [("pdq", A)], submitted_by="t").added == 0
    # every change is on the events feed: the matcher sees the bulk rows
    matcher = Matcher(engine)
    matcher.load()
    assert len(matcher.match("pdq", A)) == 1 and matcher.match("pdq", B) == []
    engine.dispose()


def test_other_writers_are_seen(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    writer = BankWriter(engine, "X", "exchange:test")
    writer.apply([("pdq", A)])
    # a curator adds content to the same bank between two pages, and withdraws the exchange's item
    store.add_content(engine, "X", [("pdq", B)], "curator")
    with engine.connect() as conn:
        first_case = conn.execute(select(cases.c.id).where(cases.c.number.like("EXCH-%"))).scalar_one()
    assert store.remove_content(engine, "X", first_case) == 1
    page = writer.apply([("pdq", A), ("pdq", B)], [])
    assert page.added == 1  # A again (it was withdrawn meanwhile); B is live already
    gone = writer.apply([], [("pdq", B)])
    assert gone.withdrawn == 1  # the curator's copy of B is withdrawn by value too
    assert live(engine) == [("pdq", A)]
    engine.dispose()


def test_failed_page_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    writer = BankWriter(engine, "X", "exchange:test")
    write = bulk._write_sqlite

    def killed(*args: object) -> None:
        write(*args)  # type: ignore[arg-type]
        raise OSError("killed after the rows were written, before the commit")

    monkeypatch.setattr(bulk, "_write_sqlite", killed)
    with pytest.raises(OSError):
        writer.apply([("pdq", A)], [], {"cp:X": "1"})
    monkeypatch.setattr(bulk, "_write_sqlite", write)
    assert live(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == "cp:X")).scalar() is None
    assert writer.apply([("pdq", A)], [], {"cp:X": "1"}).added == 1
    engine.dispose()


def test_exchange_case_opens_with_no_pin(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    BankWriter(engine, "X", "exchange:test").apply([("pdq", A)])
    with engine.connect() as conn:
        number = conn.execute(select(cases.c.number)).scalar_one()
    for pin in ("", "00000000", "!exchange"):
        with pytest.raises(case_ops.CaseError):
            case_ops.withdraw_case(engine, number, pin)
    assert live(engine) == [("pdq", A)]
    engine.dispose()


def test_fast_record_reader_equals_pytx() -> None:
    from threatexchange.exchanges.clients.stopncii import api as sapi

    raws = [
        {
            "lastModtimestamp": 17,
            "signalType": "ImagePDQ",
            "hashValue": A,
            "hashStatus": "Active",
            "caseNumbers": {"c1": "Active", "c2": "Withdrawn"},
            "CSPFeedbacks": [{"feedbackValue": "Blocked", "tags": ["x", "y"], "source": "P"}],
        },
        {
            "lastModtimestamp": 18,
            "signalType": "VideoMD5",
            "hashValue": "0" * 32,
            "hashStatus": "Withdrawn",
            "caseNumbers": [],
            "CSPFeedbacks": [],
        },
    ]
    for raw in raws:
        want_raw = dict(raw, caseNumbers=raw["caseNumbers"] or {})
        want = dacite.from_dict(
            data_class=sapi.StopNCIIHashRecord,
            data=want_raw,
            config=dacite.Config(cast=[enum.Enum, set]),
        )
        assert hash_record(raw) == want
    for bad in ({"lastModtimestamp": 1}, {**raws[0], "hashStatus": "Nonsense"}, {**raws[0], "hashValue": 5}):
        with pytest.raises((KeyError, TypeError, ValueError)):
            hash_record(bad)
