"""The signed, paged feed (``GET /v1/feed``) and ``haven bank mirror`` between two real banks on loopback:
pages in stable order, checkpoints, withdrawals, Ed25519 signatures (a changed byte fails), roles, resuming
a stopped mirror without applying anything twice, and the mirror's copy serving matches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from haven.bank.db import make_engine
from haven.bank.feed import SIGNATURE_HEADER, verify
from haven.bank.mirror import MirrorError, mirror
from test_bank_support import haven_cmd, make_key, running

PDQS = [f"{i:02x}" * 32 for i in range(1, 8)]


def test_feed_and_mirror(tmp_path: Path) -> None:
    src = str(tmp_path / "source.sqlite")
    sub, plat = make_key(src, "submitter", "intake"), make_key(src, "matcher", "platform-a")
    with running(src) as server, server.client(sub) as s, server.client(plat) as p, server.client() as anon:
        made = [
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": h}]}).json()
            for h in PDQS[:5]
        ]
        assert anon.get("/v1/feed").status_code == 401
        assert s.get("/v1/feed").status_code == 403  # a submitter cannot download the bank
        public = p.get("/v1/feed/key").json()
        assert public["algorithm"] == "Ed25519"

        # pages of 2: stable order, next/more, each page signed; a changed byte fails verification
        seen, since, pages = [], 0, 0
        while True:
            r = p.get("/v1/feed", params={"since": since, "limit": 2})
            assert verify(public["public_key"], r.content, r.headers[SIGNATURE_HEADER])
            assert not verify(
                public["public_key"], r.content.replace(b"add", b"adx"), r.headers[SIGNATURE_HEADER]
            )
            body = r.json()
            assert body["since"] == since and len(body["changes"]) <= 2
            seen += body["changes"]
            since, pages = body["next"], pages + 1
            if not body["more"]:
                break
        assert pages == 3 and [c[0] for c in seen] == sorted(c[0] for c in seen)
        assert [c[5] for c in seen] == PDQS[:5] and {c[1] for c in seen} == {"add"}

        # mirror: one page, then stop (as if killed) — resumes from its checkpoint, nothing twice
        local = str(tmp_path / "mirror.sqlite")
        engine = make_engine(local)
        first = mirror(engine, server.url, plat, max_pages=1, limit=2)
        assert (first.pages, first.added, first.checkpoint) == (1, 2, seen[1][0])
        rest = mirror(engine, server.url, plat, limit=2)
        assert rest.added == 3 and rest.checkpoint == seen[-1][0]

        # a withdrawal on the source reaches the mirror as a remove without the hash
        w = s.post(f"/v1/cases/{made[0]['case_number']}/withdraw", json={"pin": made[0]["pin"]})
        assert w.status_code == 200
        tail = p.get("/v1/feed", params={"since": since}).json()["changes"]
        assert [c[1] for c in tail] == ["remove"] and tail[0][5] is None
        s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": PDQS[5]}]})
        out = subprocess.run(
            [
                *haven_cmd(),
                "bank",
                "mirror",
                server.url,
                "--key",
                plat,
                "--database",
                local,
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == {"pages": 1, "added": 1, "removed": 1, "checkpoint": since + 2}

        # another source, or a forged key, is refused
        try:
            mirror(engine, "http://127.0.0.1:9", plat)
            raise AssertionError("a second source must be refused")
        except MirrorError as exc:
            assert "mirrors" in str(exc)
        try:
            mirror(engine, server.url, plat, public_key="00" * 32)
            raise AssertionError("a page under a different key must be refused")
        except MirrorError:
            pass
        engine.dispose()

    # the mirror is an ordinary bank: it serves the live hashes, not the withdrawn one
    mk = make_key(local, "matcher", "local")
    with running(local) as copy, copy.client(mk) as c:
        assert c.get("/v1/match", params={"signal_type": "pdq", "signal": PDQS[0]}).json()["matches"] == []
        for h in PDQS[1:6]:
            assert len(c.get("/v1/match", params={"signal_type": "pdq", "signal": h}).json()["matches"]) == 1


def test_mirror_page_of_two_banks_in_order(tmp_path: Path) -> None:
    """One page holding changes of two source banks: each bank's signals go to its own holder case, the
    events keep the page's order, a remove withdraws without a value."""
    from sqlalchemy import select

    from haven.bank.db import cases, events, make_engine, signals
    from haven.bank.mirror import apply_page

    engine = make_engine(str(tmp_path / "m.sqlite"))
    a, b, c = "a" * 64, "b" * 64, "c" * 64
    page = {
        "next": 4,
        "changes": [
            [1, "add", 10, "ONE", "pdq", a],
            [2, "add", 11, "TWO", "pdq", b],
            [3, "remove", 10, "ONE", "pdq", None],
            [4, "add", 12, "ONE", "md5", c[:32]],
        ],
    }
    holders: dict[str, int] = {}
    assert apply_page(engine, page, holders) == (3, 1)
    with engine.connect() as conn:
        held = dict(conn.execute(select(cases.c.number, cases.c.id)).all())
        rows = conn.execute(
            select(signals.c.id, signals.c.case_id, signals.c.bank, signals.c.signal_type, signals.c.active)
            .order_by(signals.c.id)
        ).all()
        ops = conn.execute(select(events.c.signal_id, events.c.op).order_by(events.c.seq)).all()
    assert rows == [
        (10, held["MIRROR-ONE"], "ONE", "pdq", False),
        (11, held["MIRROR-TWO"], "TWO", "pdq", True),
        (12, held["MIRROR-ONE"], "ONE", "md5", True),
    ]
    assert [tuple(o) for o in ops] == [(10, "add"), (11, "add"), (10, "remove"), (12, "add")]
    engine.dispose()
