"""``haven guide`` and ``haven letter``: exit codes, output formats, and the interactive mode driven
with typed input. Most tests run the guide's own commands through Typer's CliRunner; a few run the
installed ``haven`` command end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from haven.cli import guide as guide_cli
from haven.guide import QUESTIONS


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """Only the guide's commands, registered the way haven.cli.main does it."""
    root = typer.Typer(add_completion=False)
    case = typer.Typer()
    root.add_typer(case, name="case")
    guide_cli.register(root, case)
    return root


@pytest.fixture
def run(app):
    runner = CliRunner()

    def _run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return _run


@pytest.fixture
def answers_file(tmp_path):
    def _write(data) -> str:
        path = tmp_path / "answers.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return str(path)

    return _write


def test_guide_json(run, answers_file):
    f = answers_file({"age": 15, "region": "england", "platforms": ["instagram"], "paid": "no"})
    r = run("guide", "--answers", f, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) == {"crisis", "steps", "services", "lang"}
    ids = [s["id"] for s in d["steps"]]
    assert "platform-instagram" in ids and "report-ceop" in ids and "dont-pay" in ids
    assert "stopncii" not in [s["id"] for s in d["services"]]


def test_guide_markdown_is_the_default(run, answers_file):
    r = run("guide", "--answers", answers_file({"feeling": "thinking-of-self-harm"}))
    assert r.exit_code == 0
    assert r.stdout.startswith("# Your plan")
    assert "## 1. If you might hurt yourself, call 999 now" in r.stdout


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ({"agee": 3}, "agee"),
        ({"age": 30, "region": "atlantis"}, "region"),
        ({"platforms": ["instagram", "friendster-x"]}, "friendster-x"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_bad_answers_exit_2_and_print_nothing(run, answers_file, content, needle, fmt):
    r = run("guide", "--answers", answers_file(content), "--format", fmt)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert needle in " ".join(r.stderr.split())


def test_missing_answers_file(run, tmp_path):
    r = run("guide", "--answers", str(tmp_path / "nope.json"))
    assert r.exit_code == 2 and r.stdout == ""
    assert "Cannot read" in r.stderr


def test_unknown_format_is_refused(run, answers_file):
    r = run("guide", "--answers", answers_file({}), "--format", "pdf")
    assert r.exit_code == 2 and r.stdout == ""


def test_letter_markdown_and_html(run, answers_file):
    f = answers_file({"age": 16, "region": "scotland"})
    r = run(
        "letter",
        "--answers",
        f,
        "--force",
        "Police Scotland",
        "--reference",
        "PS/99",
        "--officer",
        "PC Grant",
        "--date",
        "2026-11-23",
    )
    assert r.exit_code == 0, r.output
    assert "PS/99" in r.stdout and "PC Grant" in r.stdout and "23 November 2026" in r.stdout
    assert "Breathing Space" in r.stdout and "StopNCII" not in r.stdout
    r = run(
        "letter", "--answers", f, "--force", "Police Scotland", "--reference", "PS/99", "--format", "html"
    )
    assert r.exit_code == 0
    assert r.stdout.lstrip().startswith("<!doctype html>") and "PS/99" in r.stdout


def test_letter_to_file(run, answers_file, tmp_path):
    out = tmp_path / "letter.html"
    r = run(
        "letter",
        "--answers",
        answers_file({}),
        "--force",
        "Gwent Police",
        "--reference",
        "G1",
        "--format",
        "html",
        "--output",
        str(out),
    )
    assert r.exit_code == 0 and r.stdout == ""
    assert "Gwent Police" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["--force", "Police Scotland", "--reference", "R1", "--date", "tomorrow"],
        ["--force", " ", "--reference", "R1"],
        ["--reference", "R1"],  # no force
    ],
)
def test_letter_bad_input_exit_2(run, answers_file, args):
    r = run("letter", "--answers", answers_file({}), *args)
    assert r.exit_code == 2 and r.stdout == ""


def test_letter_bad_answers_exit_2(run, answers_file):
    r = run("letter", "--answers", answers_file({"paid": "sort-of"}), "--force", "F", "--reference", "R")
    assert r.exit_code == 2 and r.stdout == ""
    assert "paid" in r.stderr


# --- interactive ---------------------------------------------------------------------------------

ORDER = [q.id for q in QUESTIONS]


def _replies(**by_id: str) -> str:
    """Typed replies in question order; a question not given is skipped (Enter)."""
    lines = []
    for qid in ORDER:
        if qid == "payment_method" and by_id.get("paid", "1") in ("", "1"):
            continue  # only asked when they paid
        lines.append(by_id.get(qid, ""))
    return "\n".join(lines) + "\n"


def test_interactive_full_run(run, tmp_path):
    saved = tmp_path / "saved.json"
    text = _replies(
        feeling="2",
        age="16",
        region="1",
        contact="1 4",
        platforms="1 3",
        images="1",
        paid="2",
        payment_method="2",
        demands="1",
        reported="2",
    )
    r = run("guide", "--save-answers", str(saved), input=text)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Question 1 of" in out and "How old are you?" in out
    assert "Your plan" in out
    for title in (
        "Instagram: report them",
        "Snapchat: report them",
        "Stop the payment now",
        "Gift cards: call the card company now",
        "Talk to someone you trust",
    ):
        assert title in out, title
    got = json.loads(saved.read_text())
    assert got == {
        "age": 16,
        "region": "scotland",
        "contact": ["social-media", "email-scam"],
        "platforms": ["instagram", "snapchat"],
        "images": ["sent-by-me"],
        "paid": "yes-not-collected",
        "payment_method": ["gift-card"],
        "demands": ["money"],
        "reported": False,
        "feeling": "struggling",
    }


def test_interactive_everything_skipped(run):
    r = run("guide", input="\n" * len(ORDER))
    assert r.exit_code == 0
    assert "Your plan" in r.stdout and "It is not your fault" in r.stdout


def test_interactive_crisis_shows_help_at_once(run):
    r = run("guide", input="3\ndone\n")
    assert r.exit_code == 0
    out = r.stdout
    help_at = out.index("Help right now")
    assert help_at < out.index("How old are you?")  # shown before the next question
    assert "116 123" in out[help_at : out.index("How old are you?")]
    assert "If you might hurt yourself, call 999 now" in out


def test_interactive_asks_again_after_a_bad_reply(run, tmp_path):
    saved = tmp_path / "a.json"
    r = run("guide", "--save-answers", str(saved), input="9\nok\nforty\n40\ndone\n")
    assert r.exit_code == 0
    assert "Please pick a number from 1 to 3" in r.stdout
    assert "Please type a number" in r.stdout
    assert json.loads(saved.read_text()) == {"feeling": "ok", "age": 40}


def test_interactive_end_of_input_still_gives_a_plan(run):
    r = run("guide", input="")
    assert r.exit_code == 0 and "Your plan" in r.stdout


def test_interactive_json_keeps_questions_off_stdout(run):
    r = run("guide", "--format", "json", input="1\n30\n2\ndone\n")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["crisis"] is False
    assert "revenge-porn-helpline" in [s["id"] for s in d["services"]]
    assert "How old are you?" in r.stderr


def test_payment_question_skipped_when_not_paid(run, tmp_path):
    saved = tmp_path / "a.json"
    # paid = "1" (No): the next reply answers "demands", not "how did you pay".
    text = _replies(paid="1", demands="2")
    r = run("guide", "--save-answers", str(saved), input=text)
    assert r.exit_code == 0
    assert "How did you pay?" not in r.stdout
    assert json.loads(saved.read_text()) == {"paid": "no", "demands": ["more-images"]}


# --- the installed command, end to end ------------------------------------------------------------


def _haven() -> list[str]:
    exe = shutil.which("haven")
    return [exe] if exe else [sys.executable, "-m", "haven"]


def test_installed_command_exit_codes(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"age": 22, "region": "wales"}))
    ok = subprocess.run(
        [*_haven(), "guide", "--answers", str(good), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["crisis"] is False
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"age": 22, "mood": "fine"}))
    r = subprocess.run(
        [*_haven(), "guide", "--answers", str(bad), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stdout == "" and "mood" in r.stderr
    r = subprocess.run(
        [*_haven(), "letter", "--answers", str(bad), "--force", "F", "--reference", "R"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stdout == "" and "mood" in r.stderr


def test_letter_in_welsh(run, answers_file):
    f = answers_file({"age": 16, "region": "wales"})
    args = ["letter", "--answers", f, "--force", "Heddlu Dyfed-Powys", "--reference", "DP/1"]
    args += ["--date", "2026-11-23"]
    r = run(*args, "--lang", "cy")
    assert r.exit_code == 0, r.output
    assert "Llythyr Cymorth a Gwybodaeth" in r.stdout and "23 Tachwedd 2026" in r.stdout
    assert "Support and Information" not in r.stdout
    english = run(*args)
    assert "Support and Information" in english.stdout
    assert run(*args, "--lang", "fr").exit_code == 2
