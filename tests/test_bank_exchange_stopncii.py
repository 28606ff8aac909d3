"""StopNCII into a Haven bank through python-threatexchange, against a loopback server speaking StopNCII's
documented FetchHashes protocol (function and subscription key headers, startTimestamp, pageSize,
nextPageToken, hasMoreRecords, nextSetTimestamp): paging, stored checkpoints, withdrawn hashes deleted
(which python-threatexchange's own importer misses), and resuming a fetch that was stopped."""

from __future__ import annotations

import threading
from pathlib import Path

from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICheckpoint, StopNCIISignalExchangeAPI

from haven.bank.db import make_engine
from haven.bank.exchanges.stopncii import checkpoint, exchange, fetch_into_bank
from haven.bank.exchanges.testing import stopncii_record as record
from haven.bank.exchanges.testing import stopncii_server
from haven.bank.matcher import Matcher

PAGE = 2
RECORDS: list[dict] = []


def test_stopncii_fetch(tmp_path: Path) -> None:
    hashes = [f"{i:02x}" * 32 for i in range(1, 6)]
    RECORDS[:] = [record(100 + i, h) for i, h in enumerate(hashes)]
    server = stopncii_server(lambda: sorted(RECORDS, key=lambda r: r["lastModtimestamp"]), PAGE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = make_engine(str(tmp_path / "bank.sqlite"))
        ex = exchange(f"http://127.0.0.1:{server.server_port}/v1", "fk", "sk")
        # stopped after one page: the checkpoint is stored, and the next run resumes
        first = fetch_into_bank(engine, ex, "STOPNCII", max_pages=1)
        assert (first.pages, first.added) == (1, 2) and checkpoint(engine, "STOPNCII") is not None
        rest = fetch_into_bank(engine, ex, "STOPNCII")
        assert rest.added == 3  # nothing twice
        matcher = Matcher(engine)
        matcher.load()
        assert all(len(matcher.match("pdq", h)) == 1 for h in hashes)

        # the victim withdraws at StopNCII: Haven deletes the hash on the next fetch
        RECORDS.append(record(200, hashes[0].upper(), "Withdrawn"))
        upstream = StopNCIISignalExchangeAPI(ex.collab, ex.api)  # python-threatexchange's own importer
        deltas = list(upstream.fetch_iter([], StopNCIICheckpoint(200, 0)))
        assert deltas[0].updates[("pdq", hashes[0].upper())] is not None  # it keeps the withdrawn hash
        again = fetch_into_bank(engine, ex, "STOPNCII")
        assert again.withdrawn == 1 and again.added == 0
        matcher.sync()
        assert matcher.match("pdq", hashes[0]) == []
        assert len(matcher.match("pdq", hashes[1])) == 1
        engine.dispose()
    finally:
        server.shutdown()


def test_grouped_pages_keep_the_exchange_order(tmp_path: Path) -> None:
    """Pages are stored several to a transaction; the last word on a hash wins, in the exchange's order."""
    a, b, c = "a1" * 32, "b2" * 32, "c3" * 32
    RECORDS[:] = [
        record(100, a),
        record(101, b),
        record(102, a, "Withdrawn"),  # withdrawn, then submitted again: live
        record(103, a),
        record(104, c),
        record(105, c, "Withdrawn"),  # added then withdrawn in the same group: never live
    ]
    server = stopncii_server(lambda: sorted(RECORDS, key=lambda r: r["lastModtimestamp"]), PAGE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = make_engine(str(tmp_path / "bank.sqlite"))
        ex = exchange(f"http://127.0.0.1:{server.server_port}/v1", "fk", "sk")
        got = fetch_into_bank(engine, ex, "STOPNCII", group=10)  # three pages, one transaction
        assert got.pages == 3 and got.added == 2
        matcher = Matcher(engine)
        matcher.load()
        assert [len(matcher.match("pdq", h, 0)) for h in (a, b, c)] == [1, 1, 0]
        assert checkpoint(engine, "STOPNCII").update_time == 106  # the group's last page's checkpoint
        engine.dispose()
    finally:
        server.shutdown()


def test_fast_page_reader_agrees_with_pytx_records() -> None:
    """The bulk reader (msgspec, then record by record when a page does not fit) keeps and skips exactly
    the records python-threatexchange's reader (``hash_record``) keeps and skips."""
    import orjson
    import pytest

    from haven.bank.exchanges.stopncii_client import hash_record
    from haven.bank.exchanges.stopncii_pages import read_page

    good = [
        record(1, "a" * 64),
        record(2, "b" * 64, "Withdrawn"),
        {**record(3, "c" * 64), "CSPFeedbacks": [{"feedbackValue": "Blocked", "tags": ["t"], "source": "p"}]},
        {**record(4, "d" * 64), "caseNumbers": []},
        {**record(5, "e" * 64), "signalType": "VideoMD5", "hashStatus": "Deleted"},
    ]
    bad = [
        {**record(6, "f" * 64), "caseNumbers": {"x": "Bogus"}},
        {**record(7, "1" * 64), "signalType": "Nope"},
        {**record(8, "2" * 64), "CSPFeedbacks": [{"feedbackValue": "Nope"}]},
        {**record(9, "3" * 64), "lastModtimestamp": "9"},
        {k: v for k, v in record(10, "4" * 64).items() if k != "hashValue"},
    ]
    for r in bad:
        with pytest.raises((KeyError, TypeError, ValueError)):
            hash_record(r)
    want = [
        ("pdq", "a" * 64, True),
        ("pdq", "b" * 64, False),
        ("pdq", "c" * 64, True),
        ("pdq", "d" * 64, True),
        ("video_md5", "e" * 64, False),
    ]
    for records in (good, good[:2] + bad + good[2:], good + bad[2:3]):
        page = read_page(
            orjson.dumps(
                {
                    "count": len(records),
                    "nextPageToken": "7",
                    "nextSetTimestamp": 11,
                    "hasMoreRecords": True,
                    "hashRecords": records,
                }
            )
        )
        assert [r[:3] for r in page.records] == want
        assert (page.more, page.token, page.next_set_timestamp) == (True, "7", 11)
        assert page.records[2][3] == [{"feedbackValue": "Blocked", "tags": ["t"], "source": "p"}]


def test_configured_exchange_runs_the_grouped_fetch_under_the_runners_checkpoint(tmp_path: Path) -> None:
    """``runner.fetch`` (what ``haven bank exchange fetch`` and the schedule run) takes the StopNCII kind's
    grouped fetch: one checkpoint under the runner's key (``stored_checkpoint`` reads it), ``max_pages``
    and ``stop`` obeyed with what was read stored, withdrawals applied, ``last_error``/``last_fetch_at``
    kept, and a bad address a plain FetchError."""
    import pytest
    from sqlalchemy import select

    from haven.bank.db import bank_meta
    from haven.bank.exchanges import configs, runner
    from haven.bank.exchanges.kinds import KINDS

    assert KINDS["stop_ncii"].fast_fetch is not None
    hashes = [f"{i:02x}" * 32 for i in range(1, 8)]
    RECORDS[:] = [record(100 + i, h) for i, h in enumerate(hashes)]
    server = stopncii_server(lambda: sorted(RECORDS, key=lambda r: r["lastModtimestamp"]), PAGE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = make_engine(str(tmp_path / "bank.sqlite"))
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        creds = {"fetch_key": "fk", "subscription_key": "sk"}
        configs.add(engine, "SNC", "stop_ncii", {"url": url, "group": 3}, creds, bank="B")
        first = runner.fetch(engine, "SNC", max_pages=2)  # 4 records: one group of 4 (>= 3)
        assert (first.pages, first.added, first.complete) == (2, 4, False)
        cp = runner.stored_checkpoint(engine, configs.get(engine, "SNC"))  # type: ignore[arg-type]
        assert isinstance(cp, StopNCIICheckpoint) and cp.update_time == 103  # its second page's
        assert checkpoint(engine, "B", runner.checkpoint_key("SNC")) == cp  # one storage, one key
        with engine.connect() as conn:
            keys = {k for (k,) in conn.execute(select(bank_meta.c.key)) if "checkpoint" in k or "xcp" in k}
        assert keys == {runner.checkpoint_key("SNC")}
        stop = threading.Event()
        stop.set()
        one = runner.fetch(engine, "SNC", stop=stop)  # stopped after the page being read, and it is stored
        # the page starts AT the checkpoint's timestamp (record 103 again: already live, not added twice)
        assert (one.pages, one.added, one.complete) == (1, 1, False)
        RECORDS.append(record(200, hashes[0].upper(), "Withdrawn"))
        rest = runner.fetch(engine, "SNC")
        assert (rest.added, rest.withdrawn, rest.complete) == (2, 1, True)
        matcher = Matcher(engine)
        matcher.load()
        assert [len(matcher.match("pdq", h, 0)) for h in hashes] == [0] + [1] * 6
        ex = configs.get(engine, "SNC")
        assert ex is not None and ex.last_error is None and ex.last_fetch_at > 0
        configs.add(engine, "DEAD", "stop_ncii", {"url": "http://127.0.0.1:9/v1"}, creds, bank="B")
        with pytest.raises(runner.FetchError, match="Fetching DEAD stopped"):
            runner.fetch(engine, "DEAD")
        dead = configs.get(engine, "DEAD")
        assert dead is not None and dead.last_error
        with pytest.raises(Exception, match="group must be a positive"):
            configs.add(engine, "BAD", "stop_ncii", {"url": url, "group": 0}, creds)
    finally:
        engine.dispose()
        server.shutdown()
