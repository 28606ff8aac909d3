"""One case number for the victim (issue 18, item 4), against real ``haven bank serve`` processes on
loopback: a protection case registered at a bank keeps its own number; the PIN never reaches the bank (only
an argon2-hashed verifier is stored); platforms' per-hash feedback flows back to ``haven protect case
status`` beside the file each hash came from; a number already used is refused; withdrawing on either side
withdraws on both, and a withdrawal or a submission made while the bank is down waits in the case's
outbox and is sent once the bank is back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import typer
from PIL import Image, ImageDraw
from typer.testing import CliRunner

import test_bank_support as support
from haven.cli.protect import register
from haven.protect import bank_link
from haven.protect.bank_link import BankRefused, pin_verifier
from haven.protect.case import ProtectCase


def photo(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (400, 400), tuple(int(v) for v in rng.integers(60, 200, 3)))
    draw = ImageDraw.Draw(im)
    for _ in range(30):
        x, y = (int(v) for v in rng.integers(0, 360, 2))
        draw.ellipse([x, y, x + 40, y + 40], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    im.save(path)
    return path


@contextmanager
def bank_on(database: str, port: int) -> Iterator[support.Server]:
    """``haven bank serve`` on a chosen port (the address a case was linked to while it was down)."""
    real = support.free_port
    support.free_port = lambda: port
    try:
        server = support.Server(database)
    finally:
        support.free_port = real
    try:
        yield server
    finally:
        server.stop()


def pdq_of(case: ProtectCase) -> str:
    return next(f["pdq"] for f in case.files if f.get("pdq"))


def match(url: str, key: str, pdq: str) -> list[dict]:
    answer = httpx.get(
        f"{url}/v1/match",
        params={"signal_type": "pdq", "signal": pdq, "max_distance": 0},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["matches"]


@pytest.fixture()
def cases(tmp_path: Path) -> dict[str, tuple[ProtectCase, str]]:
    store = tmp_path / "cases"
    out = {}
    for name, seeds in (("a", (1, 2)), ("b", (3,)), ("c", (4,))):
        folder = tmp_path / f"pics-{name}"
        folder.mkdir()
        paths = [photo(folder / f"pic-{s}.png", s) for s in seeds]
        out[name] = ProtectCase.create(list(paths), store=store)
    return out


def test_one_case_number_with_feedback_and_withdrawal_both_ways(
    tmp_path: Path, cases: dict[str, tuple[ProtectCase, str]]
) -> None:
    db_a, db_b = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    intake_a, plat_a = support.make_key(db_a, "submitter", "intake"), support.make_key(db_a, "matcher", "pf")
    intake_b, plat_b = support.make_key(db_b, "submitter", "intake"), support.make_key(db_b, "matcher", "pf")
    port_a = support.free_port()
    url_a = f"http://127.0.0.1:{port_a}"
    case, pin = cases["a"]

    # bank A is down: the submission is queued in the case, not lost
    queued = bank_link.submit(case, pin, url_a, intake_a)
    assert queued.status == "Queued" and [o["op"] for o in case.outbox] == ["register"]
    case = ProtectCase.load(case.case_number, store=case.path.parent, pin=pin)  # kept in the sealed record
    assert case.outbox and case.links[0]["url"] == url_a

    with bank_on(db_a, port_a) as a, support.running(db_b) as b:
        # checking the case sends the queued registration: the bank holds the SAME case number
        banks = bank_link.status(case, pin)
        assert banks[0].status == "Active" and case.outbox == [], (banks[0].error, case.outbox)
        verifier = pin_verifier(case.case_number, pin)
        with a.client(intake_a) as c:
            held = c.get(f"/v1/cases/{case.case_number}", headers={"X-Case-Pin": verifier})
            assert held.status_code == 200 and held.json()["case_number"] == case.case_number
            # the PIN itself is not what the bank knows
            assert c.get(f"/v1/cases/{case.case_number}", headers={"X-Case-Pin": pin}).status_code == 404
        assert len(match(a.url, plat_a, pdq_of(case))) == 1

        # a platform blocks a match: the feedback reaches the victim's status, beside the right file
        sid = match(a.url, plat_a, pdq_of(case))[0]["signal_id"]
        with a.client(plat_a) as p:
            given = p.post("/v1/feedback", json={"signal_id": sid, "feedback": "Blocked"})
            assert given.status_code == 201
        banks = bank_link.status(case, pin)
        by_path = {(h.path, h.signal_type): h for h in banks[0].hashes}
        pdq_file = next(f["path"] for f in case.files if f.get("pdq") == pdq_of(case))
        assert by_path[(pdq_file, "pdq")].feedback["Blocked"] == 1
        assert by_path[(pdq_file, "md5")].feedback["Blocked"] == 0
        assert {h.path for h in banks[0].hashes} == {f["path"] for f in case.files}

        # ... and through the command, as the victim sees it
        app, case_app = typer.Typer(), typer.Typer()
        register(app, case_app)
        run = CliRunner().invoke(
            app,
            [
                "protect",
                "case",
                "status",
                case.case_number,
                "--store",
                str(case.path.parent),
                "--pin-env",
                "CASE_PIN",
                "--format",
                "json",
            ],
            env={"CASE_PIN": pin},
        )
        assert run.exit_code == 0, run.output
        shown = json.loads(run.output)
        assert shown["case_number"] == case.case_number and shown["banks"][0]["status"] == "Active"
        assert any(h["feedback"]["Blocked"] == 1 for h in shown["banks"][0]["hashes"])
        assert "key" not in shown  # the intake's key stays in the sealed record

        # the number is the victim's: a different case (another PIN) cannot take it
        other, other_pin = cases["c"]
        other.case_number = case.case_number
        with pytest.raises(BankRefused, match="already used"):
            bank_link.submit(other, other_pin, a.url, intake_a)
        # sending the same registration again is a harmless retry
        assert bank_link.submit(case, pin, a.url, intake_a).status == "Active"

        # case B at both banks; the victim withdraws it at bank A (another intake, say)
        case_b, pin_b = cases["b"]
        assert bank_link.submit(case_b, pin_b, a.url, intake_a).status == "Active"
        assert bank_link.submit(case_b, pin_b, b.url, intake_b).status == "Active"
        assert len(match(b.url, plat_b, pdq_of(case_b))) == 1
        with a.client(intake_a) as c:
            out = c.post(
                f"/v1/cases/{case_b.case_number}/withdraw",
                json={"pin": pin_verifier(case_b.case_number, pin_b)},
            )
            assert out.status_code == 200
        # the next check withdraws it here, and at bank B too
        banks_b = bank_link.status(case_b, pin_b)
        assert case_b.status == "Withdrawn" and [x.status for x in banks_b] == ["Withdrawn", "Withdrawn"]
        assert match(b.url, plat_b, pdq_of(case_b)) == [] and match(a.url, plat_a, pdq_of(case_b)) == []

    # bank A down again: the victim withdraws case A here; the withdrawal waits in the outbox
    case.withdraw(pin)
    assert [o["op"] for o in case.outbox] == ["withdraw"]
    assert bank_link.flush(case, pin) == 0 and case.outbox[0]["attempts"] == 1 and case.outbox[0]["error"]
    with bank_on(db_a, port_a) as a:
        assert len(match(a.url, plat_a, pdq_of(case))) == 1  # still live there
        banks = bank_link.status(ProtectCase.load(case.case_number, store=case.path.parent, pin=pin), pin)
        assert banks[0].status == "Withdrawn"
        assert match(a.url, plat_a, pdq_of(case)) == []  # withdrawn at the bank as soon as it was back

    # the bank stores an argon2 hash of the verifier: neither the PIN nor the verifier is in its database
    con = sqlite3.connect(db_a)
    hashes = [r[0] for r in con.execute("select pin_hash from cases where number = ?", (case.case_number,))]
    con.close()
    assert len(hashes) == 1 and hashes[0].startswith("$argon2")
    raw = b"".join(p.read_bytes() for p in Path(db_a).parent.glob("a.sqlite*") if p.is_file())
    for secret in (pin, pin.replace("-", ""), verifier):
        assert secret.encode() not in raw


def test_registration_is_refused_without_a_good_number_or_verifier(tmp_path: Path) -> None:
    db = str(tmp_path / "bank.sqlite")
    intake = support.make_key(db, "submitter", "intake")
    platform = support.make_key(db, "matcher", "pf")
    body = {"pin_verifier": "ab" * 32, "signals": [{"signal_type": "md5", "signal": "0a" * 16}]}
    with support.running(db) as bank, bank.client(intake) as c, bank.client(platform) as p:
        assert c.put("/v1/cases/HVN-1234-5678", json=body).status_code == 201
        assert c.put("/v1/cases/HVN-1234-5678", json=body).json()["created"] is False
        taken = c.put("/v1/cases/HVN-1234-5678", json={**body, "pin_verifier": "cd" * 32})
        assert taken.status_code == 409
        assert c.put("/v1/cases/not-a-number", json=body).status_code == 422
        assert c.put("/v1/cases/HVN-1234-5679", json={**body, "pin_verifier": "short"}).status_code == 422
        assert p.put("/v1/cases/HVN-1234-5670", json=body).status_code == 403  # platforms cannot
        got = c.get("/v1/cases/HVN-1234-5678/hashes", headers={"X-Case-Pin": "ab" * 32}).json()
        assert got["signals"][0]["signal"] == "0a" * 16
        assert c.get("/v1/cases/HVN-1234-5678/hashes", headers={"X-Case-Pin": "cd" * 32}).status_code == 404
