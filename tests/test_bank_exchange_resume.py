"""A fetch killed midway resumes from its stored checkpoint, without duplicates (issue 18): for StopNCII,
NCMEC and ThreatExchange, ``haven bank exchange fetch`` runs as its own process against the loopback
protocol server, which stalls on a later page; the process is killed there (SIGKILL: nothing is
tidied up). The next ``haven bank exchange fetch`` starts where the stored checkpoint says — not from the
beginning — and the bank ends with every hash live exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import test_bank_exchange_servers as srv
from haven.bank.db import bank_meta, make_engine, signals
from haven.bank.exchanges import configs, runner
from test_bank_support import haven_cmd

PDQS = [f"{i:02x}" * 32 for i in range(1, 11)]
AT = int(time.time()) - 3600


def _stopncii() -> tuple[srv.Protocol, str, dict[str, Any], dict[str, Any]]:
    proto = srv.StopNCII(page=2)
    url = proto.start()
    proto.records[:] = [srv.stopncii_record(100 + i, h) for i, h in enumerate(PDQS)]
    proto.stall_if = lambda q: q.get("nextPageToken") == "4"
    # the configured fetch stores StopNCII pages in groups (one transaction and checkpoint per ~group
    # records): a group of 2 records is one 2-record page here, so the checkpoint moves page by page
    config = {"url": f"{url}/v1", "group": 2}
    return proto, "stop_ncii", config, {"fetch_key": "fk", "subscription_key": "sk"}


def _stopncii_mid_group() -> tuple[srv.Protocol, str, dict[str, Any], dict[str, Any]]:
    """Groups of 4 records over pages of 2: killed while the third page waits unstored in its group (the
    fourth hangs), the checkpoint is the second page's, and the resumed fetch reads the third again."""
    proto, api, config, creds = _stopncii()
    config["group"] = 4
    proto.stall_if = lambda q: q.get("nextPageToken") == "6"
    return proto, api, config, creds


def _ncmec() -> tuple[srv.Protocol, str, dict[str, Any], dict[str, Any]]:
    proto = srv.NCMEC(page=2)
    url = proto.start()
    proto.records[:] = [srv.ncmec_record(AT, f"e{i}", pdq=h) for i, h in enumerate(PDQS)]
    proto.stall_if = lambda q: q.get("start") == "4"
    return proto, "ncmec", {"url": url}, {"user": "user", "password": "pass"}


def _te() -> tuple[srv.Protocol, str, dict[str, Any], dict[str, Any]]:
    proto = srv.ThreatExchange(page=2)
    url = proto.start()
    proto.base = url  # type: ignore[attr-defined]
    proto.records[:] = [srv.te_record(AT + i, str(i + 1), h) for i, h in enumerate(PDQS)]
    proto.stall_if = lambda q: q.get("after") == "4"
    return proto, "fb_threatexchange", {"url": url, "privacy_group": 42}, {"api_token": srv.TE_TOKEN}


def _fetch_cmd(database: str) -> list[str]:
    return [*haven_cmd(), "bank", "exchange", "fetch", "EX", "--database", database, "--format", "json"]


@pytest.mark.parametrize(
    "make",
    [_stopncii, _stopncii_mid_group, _ncmec, _te],
    ids=["stopncii", "stopncii-mid-group", "ncmec", "threatexchange"],
)
def test_killed_fetch_resumes_from_checkpoint_without_duplicates(tmp_path: Path, make: Any) -> None:
    database = str(tmp_path / "bank.sqlite")
    proto, api, config, creds = make()
    engine = make_engine(database)
    try:
        configs.add(engine, "EX", api, config, creds)
        key = runner.checkpoint_key("EX")
        proc = subprocess.Popen(
            _fetch_cmd(database), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            # two pages stored (with their checkpoint), a later one hanging: kill the fetch there
            srv.wait_for(lambda: proto.stall_if is not None and _stalled(proto))
            srv.wait_for(lambda: _live(engine) == 4)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        with engine.connect() as conn:
            saved = json.loads(
                conn.execute(select(bank_meta.c.value).where(bank_meta.c.key == key)).scalar_one()
            )
        assert _live(engine) == 4

        proto.stall_if = None
        proto.release.set()
        seen_before = len(proto.log)
        done = subprocess.run(_fetch_cmd(database), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        result = json.loads(done.stdout)[0]
        assert result["complete"] and result["added"] == 6  # only what the killed run had not stored
        first = next(e["query"] for e in proto.log[seen_before:] if e["method"] == "GET")
        if api == "stop_ncii":  # both StopNCII cases: the second page's checkpoint
            assert first["startTimestamp"] == str(saved["update_time"]) == "103"
        elif api == "ncmec":
            assert first.get("start") == "4" and saved["paging_info"]  # resumed mid-page, by its link
        else:
            assert first["start_time"] == str(saved["update_time"]) == str(AT + 3)
        assert _live(engine) == 10
        with engine.connect() as conn:
            most = conn.execute(
                select(func.count())
                .select_from(signals)
                .group_by(signals.c.value)
                .order_by(func.count().desc())
            ).first()
        assert most is not None and most[0] == 1  # no hash twice
    finally:
        proto.stop()
        engine.dispose()


def _stalled(proto: srv.Protocol) -> bool:
    return any(proto.stall_if(e["query"]) for e in list(proto.log))


def _live(engine: Any) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(signals).where(signals.c.active.is_(True))
            ).scalar_one()
        )
