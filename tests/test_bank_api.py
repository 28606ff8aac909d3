"""The bank service over real HTTP: every route, roles, bad input, withdrawal, webhooks, restart, workers,
schemathesis. The server is ``haven bank serve`` in a subprocess on a free loopback port (SQLite here;
PostgreSQL in test_bank_postgres.py runs the same flow)."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from haven.bank.webhooks import SIGNATURE_HEADER, verify_signature
from test_bank_support import haven_cmd, make_key, make_key_cli, running

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_NEAR = "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22"  # 8 bits from PDQ
PDQ_OTHER = "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d"
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
VPDQ = json.dumps([f"{PDQ},100,0.000", f"{PDQ_OTHER},100,1.000"])


def flip(hex_hash: str, bits: int) -> str:
    return f"{int(hex_hash, 16) ^ ((1 << bits) - 1):064x}"


def exercise_bank(server, database: str) -> None:
    """The core flow every backend must pass."""
    sub, plat, admin = (
        make_key(database, r, n)
        for r, n in (("submitter", "intake"), ("matcher", "platform-a"), ("admin", "ops"))
    )
    with server.client(sub) as s, server.client(plat) as p, server.client(admin) as a:
        # a case: hashes only; answers number, PIN and status
        r = s.post(
            "/v1/cases",
            json={
                "signals": [
                    {"signal_type": "pdq", "signal": PDQ.upper()},
                    {"signal_type": "md5", "signal": MD5},
                    {"signal_type": "sha256", "signal": SHA},
                    {"signal_type": "vpdq", "signal": VPDQ},
                ]
            },
        )
        assert r.status_code == 201, r.text
        case = r.json()
        assert set(case) == {"case_number", "pin", "status"} and case["status"] in ("Received", "Active")
        number, pin = case["case_number"], case["pin"]

        # matching: near-duplicate PDQ, exact md5/sha256, vpdq; never the case number or PIN
        r = p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR})
        assert r.status_code == 200
        (m,) = r.json()["matches"]
        assert m["bank"] == "haven" and m["signal_type"] == "pdq" and m["distance"] == 8
        assert number not in r.text and pin not in r.text
        pdq_id = m["signal_id"]
        assert (
            p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR, "max_distance": 7}).json()[
                "matches"
            ]
            == []
        )
        assert (
            p.get("/v1/match", params={"signal_type": "pdq", "signal": flip(PDQ, 32)}).json()["matches"] == []
        )
        assert (
            p.get("/v1/match", params={"signal_type": "pdq", "signal": flip(PDQ, 31)}).json()["matches"][0][
                "distance"
            ]
            == 31
        )
        assert len(p.get("/v1/match", params={"signal_type": "md5", "signal": MD5}).json()["matches"]) == 1
        assert len(p.get("/v1/match", params={"signal_type": "sha256", "signal": SHA}).json()["matches"]) == 1
        assert len(p.get("/v1/match", params={"signal_type": "sha256", "signal": SHA}).json()["matches"]) == 1
        r = p.post(
            "/v1/match",
            json={
                "signals": [
                    {"signal_type": "pdq", "signal": PDQ_OTHER},
                    {"signal_type": "md5", "signal": MD5},
                    {
                        "signal_type": "vpdq",
                        "signal": json.dumps([f"{PDQ_NEAR},90,0.0", f"{PDQ_OTHER},90,1.0"]),
                    },
                    {
                        "signal_type": "vpdq",
                        "signal": json.dumps(
                            [f"{PDQ_NEAR},90,0.0"] + [f"{flip(PDQ_OTHER, 100)},90,{i}.0" for i in range(1, 5)]
                        ),
                    },
                ]
            },
        )
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert [len(x["matches"]) for x in res] == [0, 1, 1, 0]  # last video: 1 of 5 frames (20%) match
        assert res[2]["matches"][0]["query_match_percent"] == 100.0

        # bad input: 422 with a clear message, nothing stored
        before = a.get("/v1/status").json()["last_event"]
        for bad in (
            {"signal_type": "pdq", "signal": "abc"},
            {"signal_type": "pdq", "signal": "z" * 64},
            {"signal_type": "photo", "signal": PDQ},
            {"signal_type": "md5", "signal": PDQ},
        ):
            r = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ_OTHER}, bad]})
            assert r.status_code == 422, r.text
        assert (
            "64 hexadecimal"
            in s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": "abc"}]}).text
        )
        r = p.get("/v1/match", params={"signal_type": "pdq", "signal": "f" * 63})
        assert r.status_code == 422 and "64 hexadecimal" in r.json()["detail"]
        assert p.get("/v1/match", params={"signal_type": "tmk", "signal": PDQ}).status_code == 422
        assert (
            p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ, "max_distance": 40}).status_code
            == 422
        )
        assert a.get("/v1/status").json()["last_event"] == before
        assert p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_OTHER}).json()["matches"] == []
        # images are never accepted
        r = s.post("/v1/cases", content=b"\xff\xd8\xff\xe0JFIF", headers={"Content-Type": "image/jpeg"})
        assert r.status_code == 415
        r = s.post("/v1/cases", files={"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")})
        assert r.status_code == 415

        # the case, with its PIN; feedback shows up there
        assert (
            p.post(
                "/v1/feedback", json={"signal_id": pdq_id, "feedback": "Blocked", "tags": ["ncii"]}
            ).status_code
            == 201
        )
        assert p.post("/v1/feedback", json={"signal_id": pdq_id, "feedback": "Maybe"}).status_code == 422
        assert p.post("/v1/feedback", json={"signal_id": 10**9, "feedback": "Blocked"}).status_code == 404
        r = s.get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "Active" and len(body["signals"]) == 4
        pdq_entry = next(x for x in body["signals"] if x["signal_type"] == "pdq")
        assert pdq_entry["feedback"]["Blocked"] == 1
        assert (
            s.get(
                f"/v1/cases/{number}", headers={"X-Case-Pin": "00000000" if pin != "00000000" else "1"}
            ).status_code
            == 404
        )
        assert s.get("/v1/cases/HVN-NOPE", headers={"X-Case-Pin": pin}).status_code == 404

        # roles: a platform cannot read or withdraw cases; a submitter cannot match
        assert p.get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin}).status_code == 403
        assert p.post(f"/v1/cases/{number}/withdraw", json={"pin": pin}).status_code == 403
        assert s.get("/v1/match", params={"signal_type": "md5", "signal": MD5}).status_code == 403
        assert p.post("/v1/keys", json={"name": "x", "role": "admin"}).status_code == 403
        r = a.post("/v1/keys", json={"name": "platform-b", "role": "matcher"})
        assert r.status_code == 201
        with server.client(r.json()["key"]) as b:
            assert b.get("/v1/match", params={"signal_type": "md5", "signal": MD5}).status_code == 200

        # withdrawal: gone at once
        assert s.post(f"/v1/cases/{number}/withdraw", json={"pin": "wrong"}).status_code == 404
        r = s.post(f"/v1/cases/{number}/withdraw", json={"pin": pin})
        assert r.status_code == 200 and r.json() == {
            "case_number": number,
            "status": "Withdrawn",
            "withdrawn_signals": 4,
        }
        for stype, value in (("pdq", PDQ_NEAR), ("md5", MD5), ("sha256", SHA)):
            assert p.get("/v1/match", params={"signal_type": stype, "signal": value}).json()["matches"] == []
        assert s.get(f"/v1/cases/{number}", headers={"X-Case-Pin": pin}).json()["status"] == "Withdrawn"

    # auth failures
    with server.client() as anon, server.client("hvn_not-a-key") as bad:
        assert anon.get("/v1/health").status_code == 200
        for method, path in (
            ("GET", "/v1/status"),
            ("GET", "/v1/match?signal_type=md5&signal=" + MD5),
            ("POST", "/v1/cases"),
            ("POST", "/v1/match"),
            ("POST", "/v1/feedback"),
            ("POST", "/v1/webhooks"),
            ("GET", "/v1/cases/HVN-1"),
        ):
            for c in (anon, bad):
                r = c.request(method, path, json={})
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.headers.get("www-authenticate") == "Bearer"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return str(tmp_path / "bank.sqlite")


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that do not restart it (starting one costs seconds)."""
    db = str(tmp_path_factory.mktemp("bank") / "bank.sqlite")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HAVEN_BANK_WEBHOOK_ALLOW", "127.0.0.1")  # the loopback test receiver (webhooks.py)
        with running(db) as server:
            yield server


def test_routes_sqlite(shared_server):
    server = shared_server
    exercise_bank(server, server.database)
    assert server.client().get("/openapi.json").json()["paths"].keys() >= {
        "/v1/match",
        "/v1/cases",
        "/v1/cases/{number}",
        "/v1/cases/{number}/withdraw",
        "/v1/feedback",
        "/v1/webhooks",
        "/v1/status",
        "/v1/health",
    }


def test_keys_create_command_prints_json_key(shared_server):
    key = make_key_cli(shared_server.database, "matcher", "platform-cli")
    assert key.startswith("hvn_")
    with shared_server.client(key) as p:
        assert p.get("/v1/status").json()["you"] == {"name": "platform-cli", "role": "matcher"}
    bad = subprocess.run(
        [
            *haven_cmd(),
            "bank",
            "keys",
            "create",
            "--role",
            "boss",
            "--name",
            "x",
            "--database",
            shared_server.database,
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "Unknown role" in bad.stderr


def test_pin_brute_force_is_locked_out(shared_server):
    server = shared_server
    with server.client(make_key(server.database, "submitter", "intake")) as s:
        case = s.post("/v1/cases", json={"signals": [{"signal_type": "md5", "signal": MD5}]}).json()
        wrong = "1" * 8 if case["pin"] != "1" * 8 else "2" * 8
        codes = [
            s.get(f"/v1/cases/{case['case_number']}", headers={"X-Case-Pin": wrong}).status_code
            for _ in range(5)
        ]
        assert codes == [404] * 5
        r = s.get(f"/v1/cases/{case['case_number']}", headers={"X-Case-Pin": case["pin"]})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 60  # even the right PIN waits


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(shared_server, tmp_path: Path):
    server = shared_server
    key = make_key(server.database, "admin", "fuzzer")
    schemathesis = Path(haven_cmd()[0]).with_name("schemathesis")
    if not schemathesis.exists():
        pytest.fail("schemathesis is a test dependency; install the test extras")
    out = subprocess.run(
        [
            str(schemathesis),
            "run",
            server.url + "/openapi.json",
            "-H",
            f"Authorization: Bearer {key}",
            "--checks",
            "not_a_server_error",
            "-n",
            "25",
            "--seed",
            "7",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--no-shrink",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = (out.stdout + out.stderr)[-3000:]
    assert out.returncode == 0, tail
    ran = re.search(r"(\d+) generated, (\d+) passed", out.stdout)
    assert ran and int(ran.group(1)) > 100 and ran.group(1) == ran.group(2), tail


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[bytes, dict[str, str]]]] = []
    fail_first = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_first > 0:  # first delivery fails: the bank must retry
            type(self).fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        type(self).received.append((body, dict(self.headers)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhook_alert_signed_and_retried(shared_server):
    server = shared_server
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        sub = make_key(server.database, "submitter", "intake")
        plat = make_key(server.database, "matcher", "platform-a")
        with server.client(plat) as p, server.client(sub) as s:
            assert p.post("/v1/webhooks", json={"url": "ftp://x"}).status_code == 422
            r = p.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{receiver.server_port}/hook"})
            assert r.status_code == 201
            secret = r.json()["secret"]
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]})
            matches = p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR}).json()["matches"]
            assert len(matches) == 1  # answered without waiting for the (failing) first delivery
            deadline = time.monotonic() + 20
            while not _Receiver.received and time.monotonic() < deadline:
                time.sleep(0.1)
        body, headers = _Receiver.received[0]
        assert verify_signature(secret, body, headers[SIGNATURE_HEADER])
        assert not verify_signature("another secret", body, headers[SIGNATURE_HEADER])
        event = json.loads(body)
        assert event["event"] == "match" and event["signal_id"] == matches[0]["signal_id"]
        assert event["platform"] == "platform-a" and event["distance"] == 8
        assert "case_number" not in event and "pin" not in event
    finally:
        receiver.shutdown()


def test_restart_reloads_snapshot(sqlite_db: str):
    with running(sqlite_db) as server:
        sub, plat = make_key(sqlite_db, "submitter", "i"), make_key(sqlite_db, "matcher", "p")
        with server.client(sub) as s:
            kept = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]}).json()
            gone = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ_OTHER}]}).json()
            s.post(f"/v1/cases/{gone['case_number']}/withdraw", json={"pin": gone["pin"]})
    assert (Path(sqlite_db + ".snapshot") / "meta.json").exists()
    # a change made while the server is down must be replayed on top of the snapshot
    bad = Path(sqlite_db).with_name("bad.json")
    bad.write_text(json.dumps({"signals": [{"signal_type": "pdq", "signal": "nothex"}]}))
    refused = subprocess.run(
        [*haven_cmd(), "bank", "import-case", str(bad), "--database", sqlite_db],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "not a case export" in refused.stderr  # nothing stored
    export = Path(sqlite_db).with_name("export.json")
    export.write_text(  # the shape `haven protect` exports: hashes per file, no paths or names
        json.dumps(
            {
                "format": "haven-protect-submission/1",
                "case_number": "HVN-7K2M-Q9TD",
                "hashes": [{"media": "image", "md5": MD5, "sha256": SHA}],
            }
        )
    )
    out = subprocess.run(
        [*haven_cmd(), "bank", "import-case", str(export), "--database", sqlite_db, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = json.loads(out.stdout)
    assert imported["status"] == "Active" and imported["case_number"] == "HVN-7K2M-Q9TD"  # one number
    with running(sqlite_db) as server, server.client(plat) as p:
        status = p.get("/v1/status").json()
        assert status["loaded_from"] == "snapshot"
        assert (
            len(p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR}).json()["matches"]) == 1
        )
        assert p.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_OTHER}).json()["matches"] == []
        assert len(p.get("/v1/match", params={"signal_type": "md5", "signal": MD5}).json()["matches"]) == 1
        assert len(p.get("/v1/match", params={"signal_type": "sha256", "signal": SHA}).json()["matches"]) == 1
        with server.client(sub) as s:
            assert (
                s.get(f"/v1/cases/{kept['case_number']}", headers={"X-Case-Pin": kept["pin"]}).json()[
                    "status"
                ]
                == "Active"
            )


@pytest.mark.slow
def test_two_workers_see_adds_and_withdrawals_within_a_second(sqlite_db: str):
    """Each worker has its own index; the event feed carries a change to the other one within a second."""
    with running(sqlite_db, "--workers", "2") as server:
        sub, plat = make_key(sqlite_db, "submitter", "i"), make_key(sqlite_db, "matcher", "p")
        clients, workers = [], set()
        while len(workers) < 2 and len(clients) < 40:  # connections until both workers answer
            c = server.client(plat)
            workers.add(c.get("/v1/status").json()["worker"])
            clients.append(c)
        assert len(workers) == 2

        def all_see(expected: int) -> float:
            start = time.monotonic()
            while time.monotonic() - start < 5:
                counts = [
                    len(
                        c.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR}).json()[
                            "matches"
                        ]
                    )
                    for c in clients
                ]
                if all(n == expected for n in counts):
                    return time.monotonic() - start
                time.sleep(0.02)
            raise AssertionError(f"workers disagree after 5 s: {counts}")

        all_see(0)  # every connection has answered once
        with server.client(sub) as s:
            case = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]}).json()
            assert all_see(1) < 1.0
            s.post(f"/v1/cases/{case['case_number']}/withdraw", json={"pin": case["pin"]})
            assert all_see(0) < 1.0
        for c in clients:
            c.close()


@pytest.mark.slow
def test_forked_workers_share_the_loaded_index_and_one_is_restarted(sqlite_db: str):
    """``--workers 2`` builds the index once and forks the workers over it: both answer what was in the
    bank at start, a worker that dies is started again (from the loaded state, replaying newer events),
    and a withdrawal made after the restart is seen by every worker."""
    import os
    import signal

    sub, plat = make_key(sqlite_db, "submitter", "i"), make_key(sqlite_db, "matcher", "p")
    with running(sqlite_db) as first, first.client(sub) as s:  # bank content before the workers start
        case = s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQ}]}).json()
    with running(sqlite_db, "--workers", "2") as server:

        def by_worker(want: int, avoid: frozenset[int] = frozenset()) -> dict[int, int]:
            seen: dict[int, int] = {}
            deadline = time.monotonic() + 30
            while (len(seen) < want or set(seen) & avoid) and time.monotonic() < deadline:
                with server.client(plat) as c:
                    try:
                        pid = c.get("/v1/status").json()["worker"]
                        found = c.get("/v1/match", params={"signal_type": "pdq", "signal": PDQ_NEAR})
                    except httpx.HTTPError:
                        continue
                    if pid not in avoid:
                        seen[pid] = len(found.json()["matches"])
            return seen

        workers = by_worker(2)
        assert len(workers) == 2 and set(workers.values()) == {1}
        dead = min(workers)
        os.kill(dead, signal.SIGKILL)
        time.sleep(2)
        with server.client(sub) as s:
            s.post(f"/v1/cases/{case['case_number']}/withdraw", json={"pin": case["pin"]})
        time.sleep(1.0)
        after = by_worker(2, frozenset({dead}))
        assert len(after) == 2 and dead not in after and set(after.values()) == {0}, after
