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
