"""Get help now: the guide's questions one per page (each can be skipped, each has a way back), then the
plan and the services for this person. The questions and the advice are the guide's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from haven.core.errors import BadAnswers
from haven.guide import QUESTIONS, Answers, build_plan
from haven.guide.knowledge import Question, questions
from haven.web import i18n
from haven.web.forms import first, small_form
from haven.web.i18n import gettext as _
from haven.web.render import page

router = APIRouter()
_BY_ID = {q.id: q for q in QUESTIONS}
CHECK = "/help/check"


def shown(qid: str) -> Question:
    """The question as the person reads it, in the page's language."""
    return next(q for q in questions(i18n.current()) if q.id == qid)


def answer_text(q: Question, answers: dict[str, Any]) -> str:
    """The person's answer in words (the choices' labels), or "Skipped"."""
    value = answers.get(q.id)
    if value is None or value == []:
        return _("Skipped")
    if q.kind == "number":
        return str(value)
    if q.kind == "yesno":
        return _("Yes") if value else _("No")
    labels = {c.value: c.label for c in shown(q.id).choices}
    values = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(str(v), str(v)) for v in values)


def _asked(answers: dict[str, Any]) -> list[Question]:
    return [q for q in QUESTIONS if q.should_ask(answers)]


def _next(qid: str | None, answers: dict[str, Any]) -> str:
    ids = [q.id for q in QUESTIONS]
    start = 0 if qid is None else ids.index(qid) + 1
    for q in QUESTIONS[start:]:
        if q.should_ask(answers):
            return f"/help/q/{q.id}"
    return CHECK


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
    then = "check" if request.query_params.get("then") == "check" else ""
    return page(
        request,
        "guide_question.html",
        q=shown(q.id),
        then=then,
        number=_number(q, answers),
        total=len(_asked(answers)),
        selected=_selected(q, answers),
        value=str(answers.get(q.id, "")) if q.kind == "number" else "",
        back=CHECK if then else _previous(qid, answers),
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
                _("Please type your age as a number, like 16.")
                if q.kind == "number"
                else _("Please pick one of the answers, or skip this question.")
            )
            return page(
                request,
                "guide_question.html",
                status_code=400,
                q=shown(q.id),
                then=first(fields, "then"),
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
    if first(fields, "then") == "check":
        return RedirectResponse(CHECK, status_code=303)
    return RedirectResponse(_next(q.id, answers), status_code=303)


@router.get("/help/urgent", response_class=HTMLResponse)
def urgent(request: Request) -> Response:
    """Straight after "I am thinking of hurting myself": who to call, before any other question. The
    crisis steps are the page itself here, so the banner is not repeated above them."""
    answers = request.app.state.session.answers
    result = build_plan(Answers.from_dict(answers), lang=i18n.current())
    steps = [s for s in result.steps if s.id.startswith("crisis-")]
    nxt = _next("feeling", {})
    return page(request, "guide_urgent.html", back="/help/q/feeling", next=nxt, steps=steps, crisis=[])


@router.get(CHECK, response_class=HTMLResponse)
def check(request: Request) -> Response:
    """Check your answers (the GOV.UK pattern): each answer with a way to change it, then the plan."""
    answers = request.app.state.session.answers
    rows = [
        {"q": shown(q.id), "answer": answer_text(q, answers), "href": f"/help/q/{q.id}?then=check"}
        for q in _asked(answers)
    ]
    asked = _asked(answers)
    return page(
        request,
        "guide_check.html",
        rows=rows,
        back=f"/help/q/{asked[-1].id}" if asked else "/help",
    )


@router.get("/help/plan", response_class=HTMLResponse)
def plan(request: Request) -> Response:
    """The plan in three layers. Its own "Do this now" holds any crisis steps, so no banner above it."""
    answers = request.app.state.session.answers
    result = build_plan(Answers.from_dict(answers), lang=i18n.current())
    first_ids = {s.id for s in result.services if "crisis" in s.tags} if result.crisis else set()
    top = [s for s in result.services if s.id in first_ids][:3] if first_ids else result.services[:3]
    rest = [s for s in result.services if s not in top]
    return page(
        request,
        "guide_plan.html",
        plan=result,
        top_services=top,
        more_services=rest,
        back=CHECK,
        answered=len([k for k in answers if k in _BY_ID]),
        crisis=[],
    )


@router.post("/help/restart")
async def restart(request: Request) -> Response:
    await small_form(request)
    request.app.state.session.answers = {}
    return RedirectResponse(_next(None, {}), status_code=303)
