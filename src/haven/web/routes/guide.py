"""Get help now: the guide's questions one per page (each can be skipped, each has a way back), then the
plan and the services for this person. The questions and the advice are the guide's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import BadAnswers
from haven.guide import QUESTIONS, Answers, build_plan
from haven.guide.knowledge import Question
from haven.web.forms import small_form
from haven.web.render import page

router = APIRouter()
_BY_ID = {q.id: q for q in QUESTIONS}


def _asked(answers: dict[str, Any]) -> list[Question]:
    return [q for q in QUESTIONS if q.should_ask(answers)]


def _next(qid: str | None, answers: dict[str, Any]) -> str:
    ids = [q.id for q in QUESTIONS]
    start = 0 if qid is None else ids.index(qid) + 1
    for q in QUESTIONS[start:]:
        if q.should_ask(answers):
            return f"/help/q/{q.id}"
    return "/help/plan"


def _previous(qid: str, answers: dict[str, Any]) -> str:
    ids = [q.id for q in QUESTIONS]
    for q in reversed(QUESTIONS[: ids.index(qid)]):
        if q.should_ask(answers):
            return f"/help/q/{q.id}"
    return "/help"


def _number(q: Question, answers: dict[str, Any]) -> int:
    ids = [x.id for x in _asked(answers)]
    return ids.index(q.id) + 1 if q.id in ids else 1


def _question(qid: str) -> Question:
    q = _BY_ID.get(qid)
    if q is None:
        raise HTTPException(status_code=404)
    return q


def _selected(q: Question, answers: dict[str, Any]) -> list[str]:
    value = answers.get(q.id)
    if value is None:
        return []
    if q.kind == "yesno":
        return ["yes" if value else "no"]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@router.get("/help", response_class=HTMLResponse)
def intro(request: Request) -> Response:
    return page(request, "guide_intro.html", back="/home", first=_next(None, {}))


@router.get("/help/q/{qid}", response_class=HTMLResponse)
def question(request: Request, qid: str) -> Response:
    q = _question(qid)
    answers = request.app.state.session.answers
    return page(
        request,
        "guide_question.html",
        q=q,
        number=_number(q, answers),
        total=len(_asked(answers)),
        selected=_selected(q, answers),
        value=str(answers.get(q.id, "")) if q.kind == "number" else "",
        back=_previous(qid, answers),
    )


def _value(q: Question, fields: dict[str, list[str]]) -> Any:
    raw = [v for v in fields.get("answer", []) if v != ""]
    if not raw:
        return None
    if q.kind == "number":
        return raw[0].strip()
    if q.kind == "yesno":
        return raw[0]
    return raw if q.multi else raw[0]


@router.post("/help/q/{qid}", response_class=HTMLResponse)
async def answer(request: Request, qid: str) -> Response:
    q = _question(qid)
    fields = await small_form(request)
    session = request.app.state.session
    answers = dict(session.answers)
    if "skip" in fields:
        answers.pop(q.id, None)
    else:
        value = _value(q, fields)
        if value is None:
            answers.pop(q.id, None)
        else:
            answers[q.id] = value
        try:
            answers = Answers.from_dict(answers).to_dict()
        except BadAnswers:
            text = (
                "Please type your age as a number, like 16."
                if q.kind == "number"
                else "Please pick one of the answers, or skip this question."
            )
            return page(
                request,
                "guide_question.html",
                status_code=400,
                q=q,
                number=_number(q, session.answers),
                total=len(_asked(session.answers)),
                selected=[],
                value=str(value if q.kind == "number" else ""),
                back=_previous(qid, session.answers),
                errors=[{"field": "answer", "text": text}],
            )
    # Answers to questions that no longer apply (ask_if) are dropped, so the plan never uses them.
    answers = {k: v for k, v in answers.items() if k not in _BY_ID or _BY_ID[k].should_ask(answers)}
    session.answers = answers
    if answers.get("feeling") == "thinking-of-self-harm" and q.id == "feeling":
        return RedirectResponse("/help/urgent", status_code=303)
    return RedirectResponse(_next(q.id, answers), status_code=303)


@router.get("/help/urgent", response_class=HTMLResponse)
def urgent(request: Request) -> Response:
    """Straight after "I am thinking of hurting myself": who to call, before any other question."""
    return page(request, "guide_urgent.html", back="/help/q/feeling", next=_next("feeling", {}))


@router.get("/help/plan", response_class=HTMLResponse)
def plan(request: Request) -> Response:
    answers = request.app.state.session.answers
    result = build_plan(Answers.from_dict(answers))
    asked = _asked(answers)
    return page(
        request,
        "guide_plan.html",
        plan=result,
        back=f"/help/q/{asked[-1].id}" if asked else "/help",
        answered=len([k for k in answers if k in _BY_ID]),
    )


@router.post("/help/restart")
async def restart(request: Request) -> Response:
    await small_form(request)
    request.app.state.session.answers = {}
    return RedirectResponse(_next(None, {}), status_code=303)
