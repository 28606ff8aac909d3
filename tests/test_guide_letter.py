"""The Support and Information letter (seed 000's police template) in Markdown and HTML, and the plan
as Markdown."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from haven.core.errors import BadAnswers
from haven.guide import Answers, build_plan, render_letter, render_plan_markdown


def letter(fmt="markdown", **answers):
    return render_letter(
        Answers.from_dict(answers),
        "Police Scotland",
        "PS-2026-0042",
        officer="PC A. Brown 1234",
        date="2026-11-23",
        fmt=fmt,
    )


def test_markdown_letter_has_the_case_details():
    text = letter(age=30, region="scotland")
    assert text.startswith("# Support and Information letter")
    for needle in (
        "Police Scotland",
        "PS-2026-0042",
        "PC A. Brown 1234",
        "23 November 2026",
        "It is not your fault",
        "Do not pay",
        "three random words",
        "2-step verification",
    ):
        assert needle in text, needle
    assert "scotland.police.uk/advice-and-information/internet-safety/sextortion" in text
    assert "please call 999 now" in text


def test_letter_services_follow_age_and_region():
    child = letter(age=15, region="england")
    assert "CEOP Safety Centre" in child and "Report Remove" in child and "0800 1111" in child
    assert "StopNCII" not in child and "Revenge Porn Helpline" not in child
    assert "Breathing Space" not in child and "Victim Support" in child
    adult = letter(age=30, region="scotland")
    assert "StopNCII" in adult and "Revenge Porn Helpline" in adult and "Breathing Space" in adult
    assert "CEOP" not in adult and "Report Remove" not in adult


def test_letter_outside_uk():
    text = render_letter(
        Answers(region="outside-uk", age=40), "Police Service of Northern Ireland", "X1", date="2026-01-02"
    )
    assert "local emergency number" in text and "please call 999 now" not in text
    assert "2 January 2026" in text
    assert "scotland.police.uk" not in text


def test_officer_is_optional_and_date_defaults_to_today():
    text = render_letter(Answers(), "West Mercia Police", "WM/1")
    assert "Officer" not in text
    today = dt.date.today()
    assert f"{today.day} {today:%B %Y}" in text


def test_html_letter_is_escaped_and_structured():
    html = render_letter(
        Answers(age=16, region="wales"),
        "<script>alert(1)</script> Police",
        "R&D<1>",
        fmt="html",
        date=dt.date(2026, 11, 23),
    )
    assert "<script>alert(1)</script>" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1").get_text() == "Support and Information letter"
    assert "<script>alert(1)</script> Police" in soup.find(class_="force").get_text()
    assert "R&D<1>" in soup.find("table").get_text()
    sections = {s["id"] for s in soup.find_all("section")}
    assert {
        "service-ceop",
        "service-report-remove",
        "service-childline",
        "service-victim-support",
    } <= sections
    assert "service-stopncii" not in sections
    link = soup.find("a", href="https://www.ceop.police.uk/safety-centre/")
    assert link is not None


def test_markdown_user_text_is_escaped():
    text = render_letter(Answers(), "Police *bold* | pipe", "REF\n# heading", date="2026-11-23")
    assert "\\*bold\\*" in text and "\\|" in text
    assert "\n# heading" not in text


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"force": ""}, "force"),
        ({"reference": "  "}, "reference"),
        ({"date": "23/11/2026"}, "date"),
        ({"fmt": "pdf"}, "format"),
    ],
)
def test_letter_bad_input(kwargs, key):
    args = {"force": "Police Scotland", "reference": "R1", "date": "2026-11-23", "fmt": "markdown", **kwargs}
    with pytest.raises(BadAnswers) as exc:
        render_letter(Answers(), **args)
    assert exc.value.key == key


def test_letter_takes_a_dict_and_checks_it():
    assert "Police Scotland" in render_letter({"age": 20}, "Police Scotland", "R1")
    with pytest.raises(BadAnswers) as exc:
        render_letter({"agee": 20}, "Police Scotland", "R1")
    assert exc.value.key == "agee"


def test_plan_markdown_lists_steps_in_order_with_sources():
    p = build_plan(Answers(age=17, feeling="thinking-of-self-harm", platforms=["discord"]))
    md = render_plan_markdown(p)
    assert md.startswith("# Your plan")
    assert "Your safety comes first" in md
    positions = [md.index(f"## {i}. {s.title}") for i, s in enumerate(p.steps, start=1)]
    assert positions == sorted(positions)
    assert "000_92caa9d7c8bd9faa.txt" in md
    assert "# People who can help" in md and "## Childline" in md
