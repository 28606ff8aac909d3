"""The PIN lock-out cannot be raced: many wrong PINs fired at once, over two real uvicorn worker processes,
get at most ``MAX_PIN_FAILURES`` evaluated per lock window, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from conftest import need
from haven.bank.cases import MAX_PIN_FAILURES
from haven.bank.db import cases, make_engine
from test_bank_support import make_key, pg_available, postgres, running

MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"
WAVE = 40


def _wave(clients: list[httpx.Client], number: str, pin: str) -> Counter[int]:
    """Every client sends one PIN at the same instant (a barrier), each over its own connection."""
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    lock = threading.Lock()

    def one(c: httpx.Client) -> None:
        barrier.wait()
        code = c.get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin}).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return Counter(codes)


def _expire_lock(database: str, number: str) -> None:
    """Move the lock's end into the past (as if 15 minutes had gone by)."""
    engine = make_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(update(cases).where(cases.c.number == number).values(locked_until=time.time() - 1))
    finally:
        engine.dispose()


def race_lockout(database: str) -> None:
    key = make_key(database, "submitter", "intake")
    with running(database, "--workers", "2") as server:
        clients: list[httpx.Client] = []
        workers: Counter[int] = Counter()
        while len(clients) < WAVE:  # one connection per request; note which worker each one reached
            c = server.client(key)
            workers[c.get("/v1/status").json()["worker"]] += 1
            clients.append(c)
        try:
            assert len(workers) == 2, f"both workers must take part: {workers}"
            case = clients[0].post("/v1/cases", json={"signals": [{"signal_type": "md5", "signal": MD5}]})
            number, pin = case.json()["case_number"], case.json()["pin"]
            wrong = "1" * 8 if pin != "1" * 8 else "2" * 8
            for window in range(2):
                codes = _wave(clients, number, wrong)
                # 404 = this wrong PIN was evaluated; 429 = refused unevaluated by the lock
                assert codes[404] == MAX_PIN_FAILURES, (window, codes)
                assert codes[429] == WAVE - MAX_PIN_FAILURES, (window, codes)
                locked = clients[0].get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin})
                assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60
                _expire_lock(database, number)
            # after the window, the right PIN works and starts a fresh window
            assert clients[1].get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin}).status_code == 200
        finally:
            for c in clients:
                c.close()


@pytest.mark.slow
def test_pin_lockout_holds_across_two_workers_sqlite(tmp_path: Path):
    race_lockout(str(tmp_path / "bank.sqlite"))


@pytest.mark.slow
@pytest.mark.postgres
def test_pin_lockout_holds_across_two_workers_postgres():
    reason = pg_available()
    need(not reason, reason or "")
    with postgres() as url:
        race_lockout(url)


def test_pin_in_url_is_refused(tmp_path: Path):
    database = str(tmp_path / "bank.sqlite")
    key = make_key(database, "submitter", "intake")
    with running(database) as server, server.client(key) as s:
        case = s.post("/v1/cases", json={"signals": [{"signal_type": "md5", "signal": MD5}]}).json()
        r = s.get(f"/v1/cases/{case['case_number']}", params={"pin": case["pin"]})
        assert r.status_code == 400 and "header" in r.json()["detail"]
        ok = s.get(f"/v1/cases/{case['case_number']}", headers={"X-Case-Pin": case["pin"]})
        assert ok.status_code == 200 and ok.json()["status"] == "Active"
