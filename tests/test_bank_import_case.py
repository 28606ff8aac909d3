"""``haven bank import-case`` keeps the victim's own ``haven protect`` case number (issue 18 item 4): the
bank's case has that number; with ``--pin`` the person's own PIN opens it (through the same verifier the
device sends), withdrawing it by that number works, and a number already used is a plain error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haven.bank import cases as case_ops
from haven.bank.db import make_engine
from haven.cli.main import app
from haven.protect.bank_link import pin_verifier

NUMBER = "HVN-7K2M-Q9TD"
MD5, SHA = "0" * 31 + "1", "a" * 64


def export(tmp_path: Path, number: str | None = NUMBER) -> Path:
    data: dict = {
        "format": "haven-protect-submission/1",
        "hashes": [{"media": "image", "md5": MD5, "sha256": SHA}],
    }
    if number is not None:
        data["case_number"] = number
    out = tmp_path / f"export-{number}.json"
    out.write_text(json.dumps(data))
    return out


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["bank", "import-case", *args])
    return res.exit_code, res.output


def test_import_keeps_the_number_and_the_pin(tmp_path: Path) -> None:
    db = str(tmp_path / "bank.sqlite")
    code, out = run(str(export(tmp_path)), "--database", db, "--pin", "123456", "--format", "json")
    assert code == 0, out
    got = json.loads(out)
    assert got["case_number"] == NUMBER and got["pin"] is None
    engine = make_engine(db)
    verifier = pin_verifier(NUMBER, "123456")  # what haven protect sends in place of the PIN
    case = case_ops.get_case(engine, NUMBER, verifier)
    assert case["case_number"] == NUMBER and case["status"] == "Active"
    # the same number again is refused, plainly
    code, out = run(str(export(tmp_path)), "--database", db)
    assert code != 0 and "already used" in out and "Traceback" not in out
    assert case_ops.withdraw_case(engine, NUMBER, verifier)["status"] == "Withdrawn"
    engine.dispose()


def test_import_without_pin_keeps_the_number(tmp_path: Path) -> None:
    db = str(tmp_path / "bank.sqlite")
    code, out = run(str(export(tmp_path, "hvn-7k2m-q9tf")), "--database", db, "--format", "json")
    assert code == 0, out
    got = json.loads(out)
    assert got["case_number"] == "HVN-7K2M-Q9TF" and got["pin"]
    engine = make_engine(db)
    assert case_ops.get_case(engine, "HVN-7K2M-Q9TF", got["pin"])["status"] == "Active"
    engine.dispose()


@pytest.mark.parametrize("number", ["X", None])
def test_other_numbers(tmp_path: Path, number: str | None) -> None:
    db = str(tmp_path / "bank.sqlite")
    code, out = run(str(export(tmp_path, number)), "--database", db, "--format", "json")
    if number is None:  # an API-shaped file without a number: the bank gives one
        assert code == 0 and json.loads(out)["case_number"].startswith("HVN-")
    else:  # not a haven protect number: a plain error, nothing stored
        assert code != 0 and "HVN-7K2M-Q9TD" in out and "Traceback" not in out
