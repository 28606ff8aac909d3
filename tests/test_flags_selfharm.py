"""Self-harm risk in the victim's own messages: recall first. Every phrasing here must be caught, in any
case and with or without apostrophes, and everyday exaggerations must not be."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from haven.core.models import Message
from haven.flags import detect

PHRASINGS = [
    "i want to die",
    "i wanna die",
    "I want to kill myself",
    "im gonna kill myself",
    "I'm going to end it all",
    "i want to end my life",
    "i can't go on",
    "i cant do this anymore",
    "no point anymore",
    "there's no point in living",
    "i don't want to be alive anymore",
    "i dont want to live anymore",
    "i'd be better off dead",
    "everyone would be better off without me",
    "i wish i was dead",
    "i wish i was never born",
    "i'm thinking about suicide",
    "i feel suicidal",
    "kms",
    "i'm going to hurt myself",
    "i want to cut myself",
    "i'm going to take all my pills",
    "i just want it all to stop",
    "i won't be here tomorrow",
    "goodbye forever",
    "i have nothing to live for",
    "life is not worth living",
    "i can't take it anymore",
    "i don't see a way out",
    "i want to disappear forever",
    "i feel like a burden",
    "i'd rather die than let them see it",
    "i'm going to end it tonight",
    "i can't live with this shame",
    "i want to sleep forever",
    "i'm done with life",
    "i hate myself",
    "what's the point of living",
    "I just want to disappear",
    "maybe everyone would be better off without me",
    "i'm scared i'll do something stupid",
    "I WANT TO DIE",
    # teen and text-speak wording (the generalisation round): families, not single phrases
    "kms fr",
    "imma kms",
    "i wanna unalive myself",
    "gonna end it all tonight",
    "i dont want to be here anymore",
    "they'd all be better off without me",
    "i cant do this anymore",
    "i want to disappear",
    "nobody would even miss me if i was gone",
    "i've been cutting again",
    "im so tired of living",
    "maybe its time i just ended things",
    "i wrote a note for my parents",
    "cant see myself making it to the weekend",
    "i have a bottle of pills next to me",
    "thinking of jumping off the bridge",
    "whats even the point of me anymore",
    "i feel like dying",
    "life isn't worth it anymore",
    "no one cares if i die",
    "i want to die\u2019",  # curly quote after, from a phone keyboard
    "i can\u2019t go on",
]

NOT_SELF_HARM = [
    "this traffic is killing me",
    "I'm dead 😂",
    "my feet are killing me",
    "I'm dying to see that film",
    "I nearly died laughing",
    "you're killing it!",
    "my phone battery died",
    "I'm so done with this homework",
    "I give up on this puzzle",
    "mum will kill me if I'm late",
    "this cake is to die for",
    "this homework is killing me",
    "dying of laughter 😂😂",
    "i could kill for a burger rn",
    "i want to disappear under my duvet until monday",
    "I'm going to die of embarrassment",
    "i ended things with him last week",
    "i give up, you win",
    "i'm leaving now, bye everyone",
    "kill the lights when u leave pls",
    "I'm so bored I could die",
]


def _victim_chat(text: str, *, threat: bool = True) -> list[Message]:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    lines = [("Them", "I recorded you. Pay £300 or I send it to your family.")] if threat else []
    lines.append(("Me", text))
    return [
        Message(id=f"m{i}", source_format="test", conversation="c", sender=s, text=x, timestamp_utc=t)
        for i, (s, x) in enumerate(lines)
    ]


@pytest.mark.parametrize("text", PHRASINGS)
def test_self_harm_phrasing_is_caught(text: str) -> None:
    for me in ("Me", None):  # given victim, and inferred victim
        msgs = _victim_chat(text)
        report = detect(msgs, me=me)
        assert any(f.flag == "self-harm-risk" and f.message_id == msgs[-1].id for f in report.flags), (
            text,
            me,
        )
        assert report.summary["crisis"] is True


@pytest.mark.parametrize("text", PHRASINGS[:10])
def test_self_harm_is_caught_even_when_the_victim_is_unknown(text: str) -> None:
    report = detect(_victim_chat(text, threat=False))
    assert report.summary["victim"] is None
    assert [f.flag for f in report.flags] == ["self-harm-risk"]


@pytest.mark.parametrize("text", NOT_SELF_HARM)
def test_everyday_exaggeration_is_not_self_harm(text: str) -> None:
    report = detect(_victim_chat(text, threat=False))
    assert "self-harm-risk" not in {f.flag for f in report.flags}, text


def test_self_harm_is_not_raised_on_the_other_sides_words_when_the_victim_is_known() -> None:
    msgs = _victim_chat("ok")
    msgs[0] = msgs[0].model_copy(
        update={"text": "you should just kill yourself. I want to die laughing at you"}
    )
    report = detect(msgs, me="Me")
    assert "self-harm-risk" not in {f.flag for f in report.flags}


def test_explanation_points_to_help() -> None:
    report = detect(_victim_chat("i want to die"))
    flag = next(f for f in report.flags if f.flag == "self-harm-risk")
    assert "999" in flag.explanation and "You matter" in flag.explanation


def test_self_harm_cue_words_in_every_language() -> None:
    """The model's self-harm score counts only on a message with a cue word (or a very high score); the
    cue list reads respellings and every language Haven's users write in."""
    from haven.flags.model import has_self_harm_cue

    cues = [
        "i want to d1e",
        "nobody would even notice if i was gone",
        "sorry for everything",
        "je n'en peux plus",
        "ya no puedo más",
        "não aguento mais",
        "ich kann nicht mehr",
        "dwi isio marw",
        "mamatay na lang ako",
        "i no fit continue",
    ]
    filler = ["i dey fine o", "je travaille demain", "mae gen i ysgol fory", "ich kenne dich nicht", "lol ok"]
    assert all(has_self_harm_cue(t) for t in cues), [t for t in cues if not has_self_harm_cue(t)]
    assert not any(has_self_harm_cue(t) for t in filler), [t for t in filler if has_self_harm_cue(t)]


def test_model_raises_no_self_harm_on_everyday_filler() -> None:
    """Short everyday victim lines (the shipped model once read 6% of them as self-harm) raise nothing."""
    lines = ["i dey fine o", "je travaille demain", "mae gen i ysgol fory", "ich kenne dich nicht", "ok", "k"]
    msgs = [
        Message(id="t0", source_format="test", conversation="c", sender="Them", text="hey whats up"),
        *(
            Message(id=f"m{i}", source_format="test", conversation="c", sender="Me", from_me=True, text=t)
            for i, t in enumerate(lines)
        ),
    ]
    assert not [f for f in detect(msgs).flags if f.flag == "self-harm-risk"]
