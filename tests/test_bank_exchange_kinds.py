"""Exchanges configured per bank in the database and fetched through python-threatexchange's
``SignalExchangeAPI`` classes (StopNCII, NCMEC, ThreatExchange, a file, a URL list), each against a
loopback server speaking its documented wire protocol (``test_bank_exchange_servers``): several pages,
the checkpoint stored, a second fetch taking only what changed, deletes and withdrawals applied (the hash
stops matching), and platforms' feedback pushed back where the exchange takes it."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import test_bank_exchange_servers as srv
from haven.bank.cases import Feedback, add_feedback
from haven.bank.db import make_engine, signals
from haven.bank.exchanges import configs, runner
from haven.bank.matcher import Matcher

PDQS = [f"{i:02x}" * 32 for i in range(1, 7)]
NOW = int(time.time()) - 3600


def live(engine, bank: str) -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(signals.c.value).where(signals.c.bank == bank, signals.c.active.is_(True))
            ).scalars()
        )


def rows_per_value(engine, bank: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(
                    func.max(
                        select(func.count())
                        .where(signals.c.bank == bank)
                        .group_by(signals.c.value)
                        .subquery()
                        .c[0]
                    )
                )
            ).scalar_one()
            or 0
        )


def one_signal_id(engine, bank: str, value: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(signals.c.id).where(
                    signals.c.bank == bank, signals.c.value == value, signals.c.active.is_(True)
                )
            ).scalar_one()
        )


@pytest.fixture()
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    e = make_engine(str(tmp_path / "bank.sqlite"))
    yield e
    e.dispose()


def test_stopncii_configured_paged_withdrawn_and_feedback(engine) -> None:  # type: ignore[no-untyped-def]
    proto = srv.StopNCII(page=2)
    url = proto.start()
    try:
        proto.records[:] = [srv.stopncii_record(100 + i, h) for i, h in enumerate(PDQS[:5])]
        creds = {"fetch_key": "fk", "subscription_key": "sk", "feedback_key": "fbk"}
        configs.add(engine, "STOPNCII", "stop_ncii", {"url": f"{url}/v1"}, creds, every_seconds=60)
        first = runner.fetch(engine, "STOPNCII")
        assert (first.pages, first.added, first.complete) == (3, 5, True)
        assert live(engine, "STOPNCII") == set(PDQS[:5])
        # the victim withdraws at StopNCII: the next (scheduled) fetch deletes it and takes only the change
        proto.records.append(srv.stopncii_record(200, PDQS[0].upper(), "Withdrawn"))
        proto.log.clear()
        again = runner.run_due(engine, now=time.time() + 61)["STOPNCII"]
        assert not isinstance(again, str) and (again.added, again.withdrawn) == (0, 1)
        assert proto.log[0]["query"]["startTimestamp"] == "105"  # from the stored checkpoint
        matcher = Matcher(engine)
        matcher.load()
        assert matcher.match("pdq", PDQS[0]) == [] and len(matcher.match("pdq", PDQS[1])) == 1
        # a platform blocked a match: StopNCII is told (SubmitFeedback), once
        add_feedback(engine, one_signal_id(engine, "STOPNCII", PDQS[1]), "pf", Feedback.Blocked, [])
        assert runner.push_feedback(engine, "STOPNCII") == 1
        assert runner.push_feedback(engine, "STOPNCII") == 0
        assert proto.feedback == [{"tags": [], "feedbackValue": "Blocked", "hashValue": PDQS[1]}]
        assert "fk" not in str(configs.get(engine, "STOPNCII").public())  # type: ignore[union-attr]
    finally:
        proto.stop()


def test_ncmec_paged_deleted_entries_and_votes(engine) -> None:  # type: ignore[no-untyped-def]
    proto = srv.NCMEC(page=2)
    url = proto.start()
    try:
        proto.records[:] = [
            srv.ncmec_record(NOW, f"e{i}", pdq=h, md5=f"{i:032x}") for i, h in enumerate(PDQS[:5])
        ]
        configs.add(
            engine,
            "NCMEC",
            "ncmec",
            {"url": url, "environment": "Industry"},
            {"user": "user", "password": "pass"},
        )
        first = runner.fetch(engine, "NCMEC")
        assert first.complete and first.added == 10  # a PDQ and an MD5 per entry
        assert live(engine, "NCMEC") == set(PDQS[:5]) | {f"{i:032x}" for i in range(5)}
        assert any("start" in e["query"] for e in proto.log), len(proto.log)  # paged (<paging><next>)
        # NCMEC deletes an entry: the delete names the entry, not its hashes; both go
        # (stamped where the last fetch ended: NCMEC's entries carry the time of their change)
        ended = runner.stored_checkpoint(engine, configs.get(engine, "NCMEC")).get_entries_max_ts
        proto.records.append(srv.ncmec_record(ended, "e1", deleted=True))
        time.sleep(1.1)  # the next fetch's range ends (now - 5 s) past that
        again = runner.fetch(engine, "NCMEC")
        assert again.withdrawn == 2 and PDQS[1] not in live(engine, "NCMEC")
        assert f"{1:032x}" not in live(engine, "NCMEC") and PDQS[2] in live(engine, "NCMEC")
        # feedback: Blocked is an upvote, NotBlocked a downvote with NCMEC's reason
        add_feedback(engine, one_signal_id(engine, "NCMEC", PDQS[2]), "pf", Feedback.Blocked, [])
        add_feedback(engine, one_signal_id(engine, "NCMEC", PDQS[3]), "pf", Feedback.NotBlocked, [])
        assert runner.push_feedback(engine, "NCMEC") == 2
        assert [(f["esp"], f["entry"], f["type"]) for f in proto.feedback] == [
            (7, "e2", "PDQ"),
            (7, "e3", "PDQ"),
        ]
        assert "affirmative" in proto.feedback[0]["xml"] and "g-1" in proto.feedback[1]["xml"]
    finally:
        proto.stop()


def test_threatexchange_paged_tombstones_and_reactions(engine) -> None:  # type: ignore[no-untyped-def]
    proto = srv.ThreatExchange(page=2)
    url = proto.start()
    proto.base = url
    try:
        proto.records[:] = [srv.te_record(NOW + i, str(i + 1), h) for i, h in enumerate(PDQS[:5])]
        configs.add(
            engine, "TE", "fb_threatexchange", {"url": url, "privacy_group": 123}, {"api_token": srv.TE_TOKEN}
        )
        first = runner.fetch(engine, "TE")
        assert (first.pages, first.added) == (3, 5) and live(engine, "TE") == set(PDQS[:5])
        proto.records.append(srv.te_record(NOW + 50, "2", PDQS[1], delete=True))
        proto.log.clear()
        again = runner.fetch(engine, "TE")
        assert again.withdrawn == 1 and PDQS[1] not in live(engine, "TE")
        assert proto.log[0]["query"]["start_time"] == str(NOW + 4)  # resumed from the checkpoint
        add_feedback(engine, one_signal_id(engine, "TE", PDQS[0]), "pf", Feedback.Blocked, [])
        add_feedback(engine, one_signal_id(engine, "TE", PDQS[2]), "pf", Feedback.PendingReview, [])
        assert runner.push_feedback(engine, "TE") == 2
        assert proto.feedback == [
            {"descriptor": "91", "reactions": "HELPFUL"},
            {"descriptor": "93", "reactions": "SAW_THIS_TOO"},
        ]
    finally:
        proto.stop()


def test_file_and_url_lists_delete_what_they_no_longer_list(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "hashes.txt"
    listing.write_text("".join(f"pdq {h}\n" for h in PDQS[:3]))
    configs.add(engine, "FILE", "file", {"filename": str(listing)}, {})
    assert runner.fetch(engine, "FILE").added == 3
    listing.write_text("".join(f"pdq {h}\n" for h in PDQS[1:4]))
    again = runner.fetch(engine, "FILE")
    assert (again.added, again.withdrawn) == (1, 1) and live(engine, "FILE") == set(PDQS[1:4])

    proto = srv.URLList()
    url = proto.start()
    try:
        proto.records[:] = [{"type": "pdq", "value": h} for h in PDQS[:4]] + [
            {"type": "video_md5", "value": "0a" * 16}
        ]
        configs.add(engine, "LIST", "url", {"url": f"{url}/list.txt"}, {})
        assert runner.fetch(engine, "LIST").added == 5
        unchanged = runner.fetch(engine, "LIST")  # 304 Not Modified: nothing read, nothing deleted
        assert (unchanged.pages, unchanged.withdrawn) == (0, 0) and len(live(engine, "LIST")) == 5
        del proto.records[0]
        assert runner.fetch(engine, "LIST").withdrawn == 1 and PDQS[0] not in live(engine, "LIST")
        assert rows_per_value(engine, "LIST") == 1
    finally:
        proto.stop()


def test_bad_configurations_are_refused_plainly(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(configs.ExchangeError, match="needs: fetch_key"):
        configs.add(engine, "X", "stop_ncii", {}, {"subscription_key": "sk"})
    with pytest.raises(configs.ExchangeError, match="Unknown exchange kind"):
        configs.add(engine, "X", "nope", {}, {})
    configs.add(engine, "OFFLINE", "ncmec", {"url": "http://127.0.0.1:9"}, {"user": "u", "password": "p"})
    with pytest.raises(runner.FetchError, match="OFFLINE stopped after 0 pages"):
        runner.fetch(engine, "OFFLINE")
    assert configs.get(engine, "OFFLINE").last_error  # type: ignore[union-attr]


def test_haven_feed_configured_by_command_between_two_real_banks(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from test_bank_support import haven_cmd, make_key, running

    source = str(tmp_path / "source.sqlite")
    intake, reader = make_key(source, "submitter", "intake"), make_key(source, "matcher", "bank-b")
    target = str(engine.url.database)
    with running(source) as a, a.client(intake) as s:
        made = [
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": h}]}).json()
            for h in PDQS[:3]
        ]
        add = subprocess.run(
            [
                *haven_cmd(),
                "bank",
                "exchange",
                "add",
                "FROM_A",
                "--api",
                "haven_feed",
                "--database",
                target,
                "--config",
                json.dumps({"url": a.url, "page_size": 2}),
                "--format",
                "json",
            ],
            env={**os.environ, "HAVEN_EXCHANGE_CREDENTIALS": json.dumps({"key": reader})},
            capture_output=True,
            text=True,
        )
        assert add.returncode == 0, add.stdout + add.stderr
        assert json.loads(add.stdout)["credentials"] == ["key"] and reader not in add.stdout
        first = runner.fetch(engine, "FROM_A")
        assert (first.pages, first.added) == (2, 3) and live(engine, "FROM_A") == set(PDQS[:3])
        s.post(f"/v1/cases/{made[0]['case_number']}/withdraw", json={"pin": made[0]["pin"]})
        again = runner.fetch(engine, "FROM_A")  # the withdrawal names a signal id: its hash goes
        assert (again.added, again.withdrawn) == (0, 1) and live(engine, "FROM_A") == set(PDQS[1:3])


def test_serve_fetches_exchanges_on_their_schedule(tmp_path: Path) -> None:
    from test_bank_support import make_key, running

    database = str(tmp_path / "served.sqlite")
    listing = tmp_path / "list.txt"
    listing.write_text(f"pdq {PDQS[0]}\n")
    setup = make_engine(database)
    configs.add(setup, "LISTED", "file", {"filename": str(listing)}, {}, every_seconds=0.5)
    setup.dispose()
    platform = make_key(database, "matcher", "pf")
    with running(database, "--fetch-exchanges") as bank, bank.client(platform) as p:

        def found(h: str) -> bool:
            return p.get("/m/lookup", params={"signal_type": "pdq", "signal": h}).json() != {}

        srv.wait_for(lambda: found(PDQS[0]), 30)
        listing.write_text(f"pdq {PDQS[1]}\n")  # the list changes: the next scheduled fetch follows it
        srv.wait_for(lambda: found(PDQS[1]) and not found(PDQS[0]), 30)
