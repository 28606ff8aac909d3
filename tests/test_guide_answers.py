"""Answers validation: every key optional, friendly spellings accepted, anything unknown refused by name."""

from __future__ import annotations

import pytest

from haven.core.errors import BadAnswers
from haven.guide import Answers
from haven.guide.models import Paid, Region

FULL = {
    "age": 16,
    "region": "scotland",
    "contact": ["social-media", "email-scam"],
    "platforms": ["instagram", "snapchat"],
    "images": ["sent-by-me"],
    "paid": "yes-not-collected",
    "payment_method": ["gift-card"],
    "demands": ["money", "more-images"],
    "reported": False,
    "feeling": "struggling",
}


def test_every_key_is_optional():
    a = Answers.from_dict({})
    assert a.age is None and a.region is None and a.platforms == [] and a.reported is None
    assert a.to_dict() == {}


def test_full_answers_round_trip():
    a = Answers.from_dict(FULL)
    assert a.region is Region.scotland and a.paid is Paid.yes_not_collected
    assert Answers.from_dict(a.to_dict()) == a
    assert a.to_dict() == FULL


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"agee": 16}, "agee"),
        ({"age": 16, "colour": "red"}, "colour"),
        ({"region": "mars"}, "region"),
        ({"paid": "maybe"}, "paid"),
        ({"feeling": "fine"}, "feeling"),
        ({"contact": ["carrier-pigeon"]}, "contact"),
        ({"images": ["sent-by-me", "polaroid"]}, "images"),
        ({"payment_method": "cheque"}, "payment_method"),
        ({"demands": ["kidneys"]}, "demands"),
        ({"platforms": ["myspace-2"]}, "platforms"),
        ({"reported": "perhaps"}, "reported"),
        ({"age": "sixteen"}, "age"),
        ({"age": 0}, "age"),
        ({"age": 500}, "age"),
        ({"age": 16.5}, "age"),
        ({"age": True}, "age"),
    ],
)
def test_bad_key_or_value_is_named(data, key):
    with pytest.raises(BadAnswers) as exc:
        Answers.from_dict(data)
    assert exc.value.key == key
    assert key in exc.value.message
    assert exc.value.exit_code == 2


def test_bad_value_is_named_in_message():
    with pytest.raises(BadAnswers) as exc:
        Answers.from_dict({"contact": ["social-media", "carrier-pigeon"]})
    assert "carrier-pigeon" in exc.value.message


def test_not_an_object():
    with pytest.raises(BadAnswers):
        Answers.from_dict(["age", 16])


def test_friendly_spellings():
    a = Answers.from_dict(
        {
            "region": "Northern Ireland",
            "paid": "YES_COLLECTED",
            "payment_method": "Western Union",
            "platforms": ["Twitter", "messenger", "x"],
            "reported": "yes",
            "age": "17",
        }
    )
    assert a.region is Region.northern_ireland
    assert a.paid is Paid.yes_collected
    assert [str(m) for m in a.payment_method] == ["western-union"]
    assert a.platforms == ["x", "facebook"]  # aliases folded, duplicates dropped
    assert a.reported is True and a.age == 17


def test_null_means_skipped():
    a = Answers.from_dict({"age": None, "region": None, "platforms": None, "reported": None})
    assert a == Answers()


def test_from_case():
    from haven.core.models import Case

    a = Answers.from_case(Case(id="c1", age=15, region="wales", minor=True))
    assert a.age == 15 and a.region is Region.wales
    with pytest.raises(BadAnswers):
        Answers.from_case(Case(id="c2", region="narnia"))


def test_questions_dump_for_the_web_app():
    from haven.guide import QUESTIONS

    dumped = {q.id: q.model_dump() for q in QUESTIONS}
    assert dumped["platforms"]["multi"] is True and dumped["region"]["multi"] is False
    assert {"id", "prompt", "help", "choices", "kind"} <= set(dumped["age"])
