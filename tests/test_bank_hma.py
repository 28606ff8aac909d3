"""HMA 2.0-compatible routes over real HTTP (``haven bank serve`` on loopback): each route's request and
answer shapes as in facebook/ThreatExchange ``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/``, with
Haven's keys and roles required, several banks with enable/disable, content metadata, and no media routes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import need
from test_bank_support import make_key, pg_available, postgres, running

# HMA's own compare test pair (test_api.py::test_compare_hashes): distance 9
SPEC1 = "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318"
SPEC2 = "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318"
OTHER = "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d"
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"


@pytest.fixture(scope="module")
def pg_url():
    reason = pg_available()
    need(not reason, reason or "")
    with postgres() as url:
        yield url


def test_hma_routes(tmp_path: Path) -> None:
    exercise_hma(str(tmp_path / "bank.sqlite"))


@pytest.mark.postgres
@pytest.mark.slow
def test_hma_routes_postgres(pg_url: str) -> None:
    exercise_hma(pg_url)


def exercise_hma(db: str) -> None:
    cur, plat = make_key(db, "curator", "trust-team"), make_key(db, "matcher", "platform-a")
    sub = make_key(db, "submitter", "intake")
    with running(db) as server, server.client(cur) as c, server.client(plat) as p, server.client() as anon:
        # status routes: HMA's plain-text answers, no key (like /v1/health)
        assert anon.get("/status").text == "I-AM-ALIVE"
        assert anon.get("/status/live").text == "I-AM-ALIVE"
        assert anon.get("/site-map").status_code == 401
        assert "/m/lookup" in p.get("/site-map").json() and "/h/hash" not in p.get("/site-map").json()

        # keys and roles: no key 401, a platform cannot curate, a submitter cannot match
        assert anon.get("/c/banks").status_code == 401
        assert p.get("/c/banks").status_code == 403
        with server.client(sub) as s:
            assert s.get("/m/lookup", params={"signal_type": "pdq", "signal": SPEC1}).status_code == 403

        # banks: create (201, BankConfig), duplicate 403, show, list, bad name 400
        r = c.post("/c/banks", json={"name": "NCII_UK"})
        assert r.status_code == 201 and r.json() == {"name": "NCII_UK", "matching_enabled_ratio": 1.0}
        assert c.post("/c/banks", json={"name": "NCII_UK"}).status_code == 403
        assert (
            c.post("/c/banks", json={"name": "SPARE", "enabled": False}).json()["matching_enabled_ratio"] == 0
        )
        assert c.post("/c/banks", json={"name": "bad name!"}).status_code == 400
        assert c.get("/c/bank/NCII_UK").json() == {"name": "NCII_UK", "matching_enabled_ratio": 1.0}
        assert c.get("/c/bank/NOPE").status_code == 404
        names = [b["name"] for b in c.get("/c/banks").json()]
        assert {"NCII_UK", "SPARE"} <= set(names)

        # content by hashes, with metadata; media (url) refused
        r = c.post(
            "/c/bank/NCII_UK/content",
            json={"signals": {"pdq": SPEC1, "md5": MD5}, "metadata": {"content_id": "abc", "json": {"k": 1}}},
        )
        assert r.status_code == 200, r.text
        item = r.json()
        assert set(item) == {"id", "signals"} and item["signals"] == {"pdq": SPEC1, "md5": MD5}
        cid = item["id"]
        assert c.post("/c/bank/NCII_UK/content", json={"url": "http://127.0.0.1/x.jpg"}).status_code == 400
        assert c.post("/c/bank/NCII_UK/content", json={"signals": {"pdq": "zz"}}).status_code == 400
        assert (
            c.post(
                "/c/bank/NCII_UK/content", json={"signals": {"pdq": OTHER}, "metadata": {"x": 1}}
            ).status_code
            == 400
        )
        other = c.post("/c/bank/SPARE/signal", json={"pdq": OTHER, "note": "spare"}).json()["id"]

        got = c.get(f"/c/bank/NCII_UK/content/{cid}", params={"include_signals": "true"}).json()
        assert got["id"] == cid and got["disable_until_ts"] == 0 and got["original_media_uri"] is None
        assert got["bank"] == {"name": "NCII_UK", "matching_enabled_ratio": 1.0}
        assert got["signals"]["pdq"] == SPEC1 and got["metadata"] == {"content_id": "abc", "json": {"k": 1}}
        assert c.get(f"/c/bank/SPARE/content/{cid}").status_code == 404

        # matching: lookup grouped by bank (enabled only), raw_lookup (ids; with distance), compare
        q = {"signal_type": "pdq", "signal": SPEC2}
        assert p.get("/m/lookup", params=q).json() == {"NCII_UK": [{"bank_content_id": cid, "distance": "9"}]}
        assert p.get("/m/raw_lookup", params=q).json() == {"matches": [cid]}
        assert p.get("/m/raw_lookup", params={**q, "include_distance": "true"}).json() == {
            "matches": [{"bank_content_id": cid, "distance": "9"}]
        }
        # SPARE is switched off: lookup leaves it out, raw_lookup (as in HMA) does not check
        q2 = {"signal_type": "pdq", "signal": OTHER}
        assert p.get("/m/lookup", params=q2).json() == {}
        assert p.get("/m/raw_lookup", params=q2).json() == {"matches": [other]}
        assert p.get("/v1/match", params=q2).json()["matches"] == []
        assert c.put("/c/bank/SPARE", json={"enabled": True}).json()["matching_enabled_ratio"] == 1.0
        assert p.get("/m/lookup", params=q2).json() == {
            "SPARE": [{"bank_content_id": other, "distance": "0"}]
        }
        assert len(p.get("/v1/match", params=q2).json()["matches"]) == 1
        assert p.get("/m/raw_lookup", params={**q2, "banks": "NCII_UK"}).json() == {"matches": []}
        assert p.get("/m/lookup", params={"signal_type": "video_md5", "signal": MD5}).json() == {
            "NCII_UK": [{"bank_content_id": cid, "distance": "0"}]
        }
        assert p.get("/m/lookup", params={"signal_type": "nope", "signal": MD5}).status_code == 400
        assert p.get("/m/lookup", params={"url": "http://127.0.0.1/a.jpg"}).status_code == 400

        assert p.post("/m/compare", json={"pdq": [SPEC1, SPEC2]}).json() == {"pdq": [True, {"distance": 9}]}
        assert p.post("/m/compare", json={"pdq": [SPEC1, OTHER]}).json()["pdq"][0] is False
        assert p.post("/m/compare", json={"pdq": "banana"}).status_code == 400
        assert p.post("/m/compare", json={"pdq": [SPEC1]}).status_code == 400

        status = p.get("/m/index/status").json()
        assert set(status) == {"pdq", "vpdq", "md5", "sha256"}
        assert (
            status["pdq"]["present"] is True and status["pdq"]["size"] == 2 and status["pdq"]["built_to"] > 0
        )
        assert p.get("/m/index/status", params={"signal_type": "pdq"}).json().keys() == {"pdq"}

        # content disabled until a time: lookup leaves it out; delete withdraws (stops matching at once)
        future = int(time.time()) + 86_400
        assert (
            c.put(f"/c/bank/NCII_UK/content/{cid}", json={"disable_until_ts": future}).json()[
                "disable_until_ts"
            ]
            == future
        )
        assert p.get("/m/lookup", params=q).json() == {}
        assert c.put(f"/c/bank/NCII_UK/content/{cid}", json={"disable_until_ts": -1}).status_code == 400
        assert c.delete(f"/c/bank/NCII_UK/content/{cid}").json() == {"deleted": 2}
        assert p.get("/m/raw_lookup", params=q).json() == {"matches": []}

        # deleting a bank withdraws its signals
        assert c.delete("/c/bank/SPARE").json() == {"message": "Done"}
        assert p.get("/m/raw_lookup", params=q2).json() == {"matches": []}
        assert "SPARE" not in [b["name"] for b in c.get("/c/banks").json()]
