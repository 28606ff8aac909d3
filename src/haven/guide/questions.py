"""The guide's questions (from ``data/questions.toml``), shared by the CLI and the web app, and the
one place that turns a typed reply ("2", "1, 3", "16", "") into an answer value.
"""

from __future__ import annotations

import re
from typing import Any

from haven.guide.knowledge import Question, questions

QUESTIONS: list[Question] = list(questions())

SKIP = object()
"""Returned by :func:`parse_reply` for an empty reply: the question is skipped."""


def parse_reply(question: Question, reply: str) -> Any:
    """The answer value for a typed reply, SKIP for an empty one. Raises ValueError if not understood.

    Choices may be picked by number (as listed, from 1) or by value; several at once for a
    multi-choice question ("1, 3" or "1 3").
    """
    text = reply.strip()
    if not text:
        return SKIP
    if question.kind == "number":
        if not text.isdigit():
            raise ValueError("Please type a number, like 16.")
        return int(text)
    parts = [p for p in re.split(r"[,\s]+", text) if p]
    if not question.multi and len(parts) > 1:
        raise ValueError("Please pick just one.")
    values = []
    for part in parts:
        values.append(_choice_value(question, part))
    if question.kind == "yesno":
        return values[0] == "yes"
    return values if question.multi else values[0]


def _choice_value(question: Question, part: str) -> str:
    if part.isdigit():
        n = int(part)
        if 1 <= n <= len(question.choices):
            return question.choices[n - 1].value
        raise ValueError(f"Please pick a number from 1 to {len(question.choices)}.")
    low = part.lower()
    for c in question.choices:
        if low in (c.value, c.label.lower()):
            return c.value
    raise ValueError("Sorry, I did not understand. Type the number of your answer.")
