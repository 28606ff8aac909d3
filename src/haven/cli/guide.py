"""CLI for the guide: ``haven guide`` (interactive, or from an answers file) and ``haven letter``.

Answers are checked in full before anything is printed, so a bad answers file gives exit code 2 and
a message naming the bad key, never half a plan.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel

from haven.cli.common import console, err_console, handle_errors, print_json
from haven.core.errors import BadAnswers
from haven.guide import QUESTIONS, Answers, build_plan, render_letter, render_plan_markdown, services_for
from haven.guide.knowledge import Question
from haven.guide.questions import SKIP, parse_reply


class GuideFormat(StrEnum):
    json = "json"
    markdown = "markdown"


class LetterFormat(StrEnum):
    markdown = "markdown"
    html = "html"


class LetterLanguage(StrEnum):
    en = "en"
    cy = "cy"


STOP_WORDS = {"done", "stop", "quit", "q"}


def read_answers(path: Path) -> Answers:
    """Answers from a JSON file; every problem is a BadAnswers (exit 2) with a plain message."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadAnswers(f"Cannot read the answers file {path}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadAnswers(f"The answers file {path} is not valid JSON: {exc}.") from None
    return Answers.from_dict(data)


def _show_question(out: Console, q: Question, number: int, total: int) -> None:
    out.print()
    out.print(f"[dim]Question {number} of {total}[/]")
    out.print(f"[bold]{q.prompt}[/]", highlight=False)
    out.print(f"[dim]{q.help}[/]", highlight=False)
    for i, c in enumerate(q.choices, start=1):
        out.print(f"  {i}. {c.label}", highlight=False)
    if q.multi:
        hint = "Type the numbers that fit, like 1 3."
    elif q.kind == "number":
        hint = "Type a number."
    else:
        hint = "Type a number."
    out.print(f"[dim]{hint} Press Enter to skip. Type done to see your plan now.[/]")


def _show_crisis(out: Console) -> None:
    lines = ["[bold]Your safety comes first.[/]", "If you might act on these thoughts, call 999 now."]
    for s in services_for(None, None):
        if "crisis" in s.tags and s.id != "police-999":
            lines.append(f"{s.name}: {s.short_contact()}")
    lines.append("You can carry on with the questions when you are ready.")
    out.print(Panel("\n".join(lines), title="Help right now", border_style="red"), highlight=False)


def ask_questions(out: Console) -> dict[str, Any]:
    """Ask each question once, in order; skipped ones are left out. Stops early on 'done' or EOF."""
    answers: dict[str, Any] = {}
    total = len(QUESTIONS)
    out.print(
        "[bold]Haven guide[/] - a few short questions, so we can give you a plan.\n"
        "It is not your fault. You can skip any question. Nothing leaves this computer.",
        highlight=False,
    )
    for number, q in enumerate(QUESTIONS, start=1):
        if not q.should_ask(answers):
            continue
        _show_question(out, q, number, total)
        while True:
            try:
                reply = out.input("> ")
            except EOFError:
                return answers
            if reply.strip().lower() in STOP_WORDS:
                return answers
            try:
                value = parse_reply(q, reply)
            except ValueError as exc:
                out.print(str(exc), highlight=False)
                continue
            break
        if value is SKIP:
            continue
        answers[q.id] = value
        if q.id == "feeling" and value == "thinking-of-self-harm":
            _show_crisis(out)
    return answers


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """Add ``haven guide`` and ``haven letter`` to the root app."""

    @app.command("guide")
    @handle_errors
    def guide(
        answers: Path | None = typer.Option(
            None, "--answers", help="Read your answers from this JSON file instead of asking."
        ),
        fmt: GuideFormat = typer.Option(GuideFormat.markdown, "--format", help="json or markdown."),
        save_answers: Path | None = typer.Option(
            None, "--save-answers", help="Also save your answers to this JSON file (for haven letter)."
        ),
    ) -> None:
        """A calm plan for your situation: one question at a time, or from an answers file."""
        if answers is not None:
            given = read_answers(answers)
            interactive = False
        else:
            out = err_console if fmt == GuideFormat.json else console
            given = Answers.from_dict(ask_questions(out))
            interactive = True
        plan = build_plan(given)
        if save_answers is not None:
            save_answers.write_text(json.dumps(given.to_dict(), indent=2) + "\n", encoding="utf-8")
        if fmt == GuideFormat.json:
            print_json(plan.to_dict())
        elif interactive:
            console.print()
            console.print(Markdown(render_plan_markdown(plan)))
        else:
            typer.echo(render_plan_markdown(plan), nl=False)

    @app.command("letter")
    @handle_errors
    def letter(
        force: str = typer.Option(..., "--force", help="Police force name, e.g. 'Police Scotland'."),
        reference: str = typer.Option(..., "--reference", help="Crime reference number."),
        answers: Path | None = typer.Option(
            None, "--answers", help="Answers JSON file (age and region choose the services)."
        ),
        officer: str | None = typer.Option(None, "--officer", help="Officer's name and number."),
        date: str | None = typer.Option(None, "--date", help="Letter date, YYYY-MM-DD (default: today)."),
        fmt: LetterFormat = typer.Option(LetterFormat.markdown, "--format", help="markdown or html."),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
        lang: LetterLanguage = typer.Option(
            LetterLanguage.en, "--lang", help="Language of the letter: en (English) or cy (Cymraeg, Welsh)."
        ),
    ) -> None:
        """The police Support and Information letter, with the right help for the person's age and area."""
        given = read_answers(answers) if answers is not None else Answers()
        text = render_letter(
            given, force, reference, officer=officer, date=date, fmt=str(fmt), lang=str(lang)
        )
        if output is not None:
            output.write_text(text, encoding="utf-8")
            err_console.print(f"Letter written to {output}", highlight=False)
        else:
            typer.echo(text, nl=False)
