"""Red-flag detector: per-flag examples from the lexicon data, sides, context, repeat demands, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from haven.core.errors import HavenError
from haven.core.models import Message, MessageKind
from haven.flags import FLAG_NAMES, LANGUAGES, UnknownSender, detect, load_lexicon
from haven.flags.lexicon import parse_lexicon

T0 = datetime(2025, 3, 14, 20, 0, tzinfo=UTC)
SETUP = [("Them", "I recorded you. Pay or I send it to your family."), ("Me", "please don't do this")]


def chat(lines: list[tuple[str, str]], **extra) -> list[Message]:
    """Messages from (sender, text) pairs, one minute apart. ``<media>`` makes a photo message."""
    out = []
    for i, (sender, text) in enumerate(lines):
        media = text == "<media>"
        out.append(
            Message(
                id=f"m{i}",
                source_format="test",
                conversation=extra.get("conversation", "c"),
                sender=sender,
                timestamp_utc=T0 + timedelta(minutes=i),
                text="" if media else text,
                kind=MessageKind.MEDIA if media else MessageKind.TEXT,
            )
        )
    return out


def flags_of(report, message_id: str) -> set[str]:
    return {f.flag for f in report.flags if f.message_id == message_id}


def _examples(kind: str):
    lex = load_lexicon("en")
    for name, spec in lex.flags.items():
        for text in getattr(spec, kind):
            yield pytest.param(name, text, id=f"{name}:{text[:30]}")


@pytest.mark.parametrize(("flag", "text"), list(_examples("examples")))
def test_lexicon_examples_raise_their_flag(flag: str, text: str) -> None:
    who = "Me" if flag == "self-harm-risk" else "Them"
    report = detect(chat([*SETUP, (who, text)]), me="Me")
    assert flag in flags_of(report, "m2"), report.flags


@pytest.mark.parametrize("mode", ["lexicon", "hybrid"])
@pytest.mark.parametrize(("flag", "text"), list(_examples("counter_examples")))
def test_lexicon_counter_examples_do_not(flag: str, text: str, mode: str) -> None:
    report = detect(chat([("Sam", "hey, how are you?"), ("Alex", text)]), mode=mode)
    assert flag not in flags_of(report, "m1"), report.flags


def test_every_flag_has_examples_and_an_explanation() -> None:
    lex = load_lexicon("en")
    assert set(lex.flags) == set(FLAG_NAMES)
    for name, spec in lex.flags.items():
        assert spec.explanation, name
        if name != "repeat-demand":  # raised by the detector, not by patterns
            assert spec.examples and spec.counter_examples, name


def test_explanations_are_plain_calm_and_blame_free(fk_grade) -> None:
    for name, spec in load_lexicon("en").flags.items():
        assert fk_grade(spec.explanation) <= 6, (name, spec.explanation)
        low = spec.explanation.lower()
        assert "you should have" not in low and "your fault" not in low.replace("not your fault", ""), name


def test_report_json_shape_and_evidence_span() -> None:
    msgs = chat([("Anna", "Hi Tom"), ("Tom", "hi"), ("Anna", "I recorded everything you did on camera.")])
    report = detect(msgs, me="Tom")
    data = report.to_dict()
    assert set(data) == {"summary", "flags"}
    flag = next(f for f in data["flags"] if f["flag"] == "recording-claim")
    assert set(flag) == {"message_id", "flag", "evidence", "explanation", "confidence"}
    assert flag["message_id"] == "m2" and 0 < flag["confidence"] <= 1
    assert "recorded everything" in flag["evidence"]
    raw = next(f for f in report.flags if f.flag == "recording-claim")
    assert msgs[2].text[raw.start : raw.end].lower().startswith("i recorded")


def test_victims_own_words_are_not_offender_flags() -> None:
    msgs = chat([*SETUP, ("Me", "please don't send it to my family, I'll pay you")])
    report = detect(msgs)
    assert flags_of(report, "m2") == set()
    assert report.summary["victim"] == ["Me"] and report.summary["victim_source"] == "inferred"


def test_victim_from_me_field_and_me_option() -> None:
    msgs = chat([("A", "I recorded you, pay £500 or your family sees it"), ("B", "i want to die")])
    given = detect(msgs, me="b")  # case-insensitive
    assert given.summary["victim"] == ["B"] and given.summary["victim_source"] == "me"
    marked = [m.model_copy(update={"from_me": m.sender == "B"}) for m in msgs]
    report = detect(marked)
    assert report.summary["victim_source"] == "from_me"
    assert flags_of(report, "m1") == {"self-harm-risk"}
    assert "threat-to-share" in flags_of(report, "m0")


def test_unknown_me_name_is_a_clear_bad_input_error() -> None:
    with pytest.raises(UnknownSender) as err:
        detect(chat([("A", "hi"), ("B", "hello")]), me="Zed")
    assert err.value.exit_code == 2 and "A, B" in err.value.message


def test_joke_threats_need_context() -> None:
    banter = chat(
        [
            ("Kev", "if you lose I'm posting the video of your penalty miss in the family group 😂"),
            ("Dan", "I'll kill you if you're late lol"),
            ("Kev", "you've got 10 minutes or you're in goal"),
        ]
    )
    report = detect(banter)
    assert not report.flags
    assert report.summary["victim"] is None and report.summary["stage"] is None
    threat = chat(
        [
            ("X", "I have screenshots of your pics"),
            ("X", "I'm posting the video in the family group"),
            ("X", "you've got 10 minutes"),
        ]
    )
    got = detect(threat)
    assert "threat-to-share" in flags_of(got, "m1") and "deadline" in flags_of(got, "m2")


def test_money_between_friends_is_not_a_payment_demand() -> None:
    msgs = chat(
        [
            ("Ellie", "you owe me £20 for the concert tickets"),
            ("Chris", "I'll transfer it tonight x"),
            ("Ellie", "can everyone send me £15 for mum's present?"),
            ("Chris", "sent the £20"),
        ]
    )
    assert not {"payment-demand", "repeat-demand"} & {f.flag for f in detect(msgs).flags}


def test_repeat_demand_is_the_first_demand_after_a_payment() -> None:
    msgs = chat(
        [
            ("Anna", "I recorded you. Send £500 by Western Union or your family sees it"),
            ("Tom", "ok I sent it. MTCN 7463829105"),
            ("Anna", "Now I need another £400 or the video goes to your family"),
            ("Anna", "Pay now"),
        ]
    )
    report = detect(msgs)
    assert "repeat-demand" not in flags_of(report, "m0")
    assert {"payment-demand", "repeat-demand"} <= flags_of(report, "m2")
    assert flags_of(report, "m3") == {"payment-demand"}
    assert [p["message_id"] for p in report.summary["payments"]] == ["m1"]
    assert report.summary["guide_prefill"]["paid"] == "yes-unknown"
    assert report.summary["demands"] == ["money"]
    assert report.summary["payment_methods"] == ["western-union"]


def test_wallet_found_by_indicators_is_a_payment_demand() -> None:
    pytest.importorskip("haven.indicators")
    msgs = chat(
        [("X", "I saved your photos"), ("X", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"), ("Y", "what")]
    )
    report = detect(msgs)
    flag = next(f for f in report.flags if f.message_id == "m1")
    assert flag.flag == "payment-demand" and "bc1q" in flag.evidence


def test_summary_stages_and_key_moments() -> None:
    msgs = chat(
        [
            ("Kayla", "heyy u go to westfield high right?"),
            ("Jake", "ye"),
            ("Kayla", "ur rly sexy ngl. do u have snap?"),
            ("Kayla", "send me a pic"),
            ("Jake", "<media>"),
            ("Kayla", "I screenshotted it. pay $200 in steam gift cards or I send it to all ur followers"),
            ("Jake", "here are the codes 7HJK-22PL-99QX"),
            ("Kayla", "now 300 more or everyone sees it"),
        ]
    )
    s = detect(msgs).summary
    assert s["stage"] == "escalation"
    assert s["stages_reached"] == ["approach", "grooming", "capture", "extortion", "escalation"]
    assert s["first_contact"]["message_id"] == "m0" and s["first_contact"]["time"] == T0.isoformat()
    assert s["first_platform_move"]["message_id"] == "m2"
    assert s["first_threat"]["message_id"] == "m5" and s["first_demand"]["message_id"] == "m5"
    assert s["payments"][0]["message_id"] == "m6"
    assert s["who_sent_what"]["Jake"] == {"role": "you", "messages": 3, "media": 1, "flags": {}}
    assert s["who_sent_what"]["Kayla"]["role"] == "other side"
    assert s["who_sent_what"]["Kayla"]["flags"]["payment-demand"] == 2
    assert s["payment_methods"] == ["gift-card"] and s["crisis"] is False


def test_capture_stage_from_media_after_a_request() -> None:
    msgs = chat([("A", "show me your body"), ("B", "<media>"), ("A", "nice")])
    assert detect(msgs, me="B").summary["stage"] == "capture"


def test_self_harm_routes_to_the_guides_crisis_steps() -> None:
    s = detect(chat([*SETUP, ("Me", "i can't go on")])).summary
    assert s["crisis"] is True
    assert s["crisis_steps"] == ["crisis-call-999", "crisis-call-local", "crisis-talk-now"]
    assert s["guide_prefill"]["feeling"] == "thinking-of-self-harm"


def test_conversations_are_read_separately() -> None:
    a = chat([("X", "I recorded you, pay £100 or your family sees it")], conversation="one")
    b = chat([("Y", "send me £100 for the tickets")], conversation="two")
    b = [m.model_copy(update={"id": "b0"}) for m in b]
    report = detect(a + b)
    assert flags_of(report, "b0") == set()
    assert report.summary["conversations"] == ["one", "two"]


def test_system_deleted_and_empty_messages_are_skipped() -> None:
    msgs = [
        Message(
            id="s",
            source_format="t",
            conversation="c",
            kind=MessageKind.SYSTEM,
            text="Messages are end-to-end encrypted. I recorded you",
        ),
        Message(id="d", source_format="t", conversation="c", sender="A", kind=MessageKind.DELETED, text=""),
    ]
    report = detect(msgs)
    assert report.flags == [] and report.summary["participants"] == ["A"]


def test_empty_conversation() -> None:
    report = detect([])
    assert report.flags == [] and report.summary["stage"] is None and report.summary["first_contact"] is None


def test_lexicon_data_errors_are_clear() -> None:
    assert "en" in LANGUAGES
    with pytest.raises(HavenError, match="unknown flag 'nope'"):
        parse_lexicon({"flags": {"nope": {"rules": []}}}, "x.toml")
    with pytest.raises(HavenError, match="bad pattern"):
        parse_lexicon({"flags": {"deadline": {"rules": [{"patterns": ["(unclosed"]}]}}}, "x.toml")
    with pytest.raises(HavenError, match="No red-flag lexicon"):
        load_lexicon("xx")


def test_guide_prefill_uses_the_guides_own_answers() -> None:
    guide = pytest.importorskip("haven.guide")
    msgs = chat(
        [
            ("X", "I recorded you. Send me more pics or your family sees it"),
            ("X", "and pay £200 in bitcoin"),
            ("Me", "ok I sent it"),
            ("Me", "i want to die"),
        ]
    )
    prefill = detect(msgs, me="Me").summary["guide_prefill"]
    assert prefill == {
        "feeling": "thinking-of-self-harm",
        "paid": "yes-unknown",
        "demands": ["more-images", "money"],
    }
    answers = guide.Answers.from_dict(prefill)
    assert guide.build_plan(answers).crisis is True


def test_demand_and_threat_in_one_message_give_each_other_context():
    """Neither "pay 200 to …" nor "or everyone sees this" counts alone between friends; together, in one
    message from the other side, they are the sextortion demand."""
    from datetime import UTC, datetime

    from haven.core.models import Message

    texts = [
        "hey, saw you on insta",
        "hi who is this?",
        "pay 200 to paypal.me/samj0nes or everyone sees this",
    ]
    msgs = [
        Message(
            id=str(i),
            source_format="whatsapp",
            conversation="c",
            sender="Me" if i == 1 else "Sam",
            text=t,
            timestamp_utc=datetime(2024, 3, 14, 21, i, tzinfo=UTC),
        )
        for i, t in enumerate(texts)
    ]
    flags = {(f.message_id, f.flag) for f in detect(msgs).flags}
    assert {("2", "payment-demand"), ("2", "threat-to-share")} <= flags
    friendly = [m.model_copy(update={"text": "pay me back the 20 by friday"}) for m in msgs[2:]]
    assert not any(f.flag in ("payment-demand", "threat-to-share") for f in detect(msgs[:2] + friendly).flags)
