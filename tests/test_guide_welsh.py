"""Welsh (Cymraeg) for the guide: every victim-facing word in the guide's data has a Welsh version
(``data/locale/cy``), numbers and addresses are kept exactly, a Welsh plan has no English step left, and
the Support and Information letter is written in Welsh too. The translations are ready for review by a
Welsh speaker (docs/architecture.md, "Languages")."""

from __future__ import annotations

import re

import pytest

from haven.guide import Answers, build_plan, render_letter
from haven.guide.knowledge import (
    languages,
    missing_translations,
    payments,
    platforms,
    questions,
    services,
    steps,
)

NUMBER = re.compile(r"(?<!\d)\d(?:[\d ]*\d)?(?!\d)")
ADDRESS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:[a-z0-9-]+\.)+(?:org|uk|com|gov|scot|net)(?:/[\w/.-]*)?"
)


def test_welsh_is_a_language_of_the_guide():
    assert languages() == ("en", "cy")


def test_every_victim_facing_string_has_welsh():
    assert missing_translations("cy") == []


def _pairs():
    en = {s.id: s for s in steps()}
    for s in steps("cy"):
        if not s.expand:
            yield f"step {s.id}", en[s.id].title + " " + en[s.id].detail, s.title + " " + s.detail
    en_s = {s.id: s for s in services()}
    for s in services("cy"):
        yield f"service {s.id}", en_s[s.id].description, s.description
    en_p = {p.id: p for p in platforms()}
    for p in platforms("cy"):
        yield f"platform {p.id}", en_p[p.id].detail, p.detail
    en_pay = payments()
    for key, p in payments("cy").items():
        yield f"payment {key}", en_pay[key].detail, p.detail


@pytest.mark.parametrize(("what", "english", "welsh"), list(_pairs()), ids=[w for w, _, _ in _pairs()])
def test_numbers_and_addresses_are_kept_and_the_words_are_welsh(what, english, welsh):
    assert sorted(NUMBER.findall(english)) == sorted(NUMBER.findall(welsh)), what
    assert sorted(ADDRESS.findall(english.lower())) == sorted(ADDRESS.findall(welsh.lower())), what
    assert english != welsh, f"{what} is not translated"


def test_contacts_keep_their_numbers():
    en = {s.id: s for s in services()}
    for s in services("cy"):
        for key in ("phone", "text", "textphone", "url", "email"):
            if key in en[s.id].contact:
                assert NUMBER.findall(en[s.id].contact[key]) == NUMBER.findall(s.contact[key]), (s.id, key)


def test_every_question_and_choice_is_welsh():
    en = {q.id: q for q in questions()}
    for q in questions("cy"):
        assert q.prompt != en[q.id].prompt and q.help != en[q.id].help, q.id
        assert [c.value for c in q.choices] == [c.value for c in en[q.id].choices]  # values stay the same
        if q.id != "platforms":  # app names are the same in both languages
            assert all(
                a.label != b.label or a.label in ("MoneyGram", "Western Union")
                for a, b in zip(q.choices, en[q.id].choices, strict=True)
            ), q.id


@pytest.mark.parametrize(
    "answers",
    [
        {"age": 15, "region": "wales", "feeling": "thinking-of-self-harm", "images": ["sent-by-me"]},
        {"age": 40, "region": "england", "contact": ["email-scam"], "paid": "no"},
        {
            "age": 22,
            "region": "outside-uk",
            "paid": "yes-not-collected",
            "payment_method": ["gift-card", "crypto"],
            "platforms": ["instagram", "snapchat"],
            "demands": ["money", "more-images"],
        },
        {},
    ],
)
def test_a_welsh_plan_has_the_same_steps_in_welsh(answers):
    a = Answers.from_dict(answers)
    en, cy = build_plan(a), build_plan(a, lang="cy")
    assert cy.step_ids() == en.step_ids() and cy.service_ids() == en.service_ids()
    for e, w in zip(en.steps, cy.steps, strict=True):
        assert w.title != e.title and w.detail != e.detail and w.why != e.why, w.id
    assert " call " not in " ".join(s.detail for s in cy.steps)  # the joining words are Welsh too


def test_the_letter_in_welsh():
    args = ({"age": 15, "region": "wales"}, "Heddlu Dyfed-Powys", "DP-2026-7")
    md = render_letter(*args, date="2026-11-23", lang="cy")
    assert md.startswith("# Llythyr Cymorth a Gwybodaeth") and "23 Tachwedd 2026" in md
    assert "Nid eich bai chi yw hyn" in md and "Childline" in md and "0800 1111" in md
    assert "Meic" in md and "- Ffôn: 080880 23456" in md
    html = render_letter(*args, date="2026-11-23", fmt="html", lang="cy")
    assert '<html lang="cy">' in html and "Ffoniwch" not in html.split("<main>")[0]
    english = render_letter(*args, date="2026-11-23")
    for sentence in ("It is not your fault", "What should I do now?", "Further help and support", "Phone:"):
        assert sentence in english and sentence not in md and sentence not in html


def test_an_unknown_letter_language_is_a_plain_error():
    from haven.core.errors import BadAnswers

    with pytest.raises(BadAnswers, match="Unknown letter language"):
        render_letter({}, "Police", "1", lang="xx")
