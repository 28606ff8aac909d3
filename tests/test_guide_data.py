"""The guide's knowledge as data: every step and service cites a real seed (or a named public source),
contact details match the seeds they cite, the words read at Flesch-Kincaid grade 6 or below, and
nothing blames the person."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from haven.guide import QUESTIONS, Answers, build_plan, render_letter, render_plan_markdown
from haven.guide.knowledge import payments, platforms, services, steps
from haven.guide.questions import SKIP, parse_reply

SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
# A named public source: "Name, web address" (e.g. "NCMEC Take It Down, takeitdown.ncmec.org").
PUBLIC_SOURCE = re.compile(r"^[^,]{3,}, (?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?$")


def _all_sourced() -> list[tuple[str, list[str]]]:
    out = [(f"step {s.id}", s.sources) for s in steps() if not s.expand]
    out += [(f"platform {p.id}", p.sources) for p in platforms()]
    out += [(f"payment {p.id}", p.sources) for p in payments().values()]
    out += [(f"service {s.id}", s.sources) for s in services()]
    return out


@pytest.mark.parametrize(("what", "sources"), _all_sourced(), ids=[w for w, _ in _all_sourced()])
def test_every_item_has_real_sources(what, sources, seeds: Path):
    assert sources, f"{what} has no sources"
    for src in sources:
        if SEED_NAME.match(src):
            assert (seeds / src).is_file(), f"{what} cites missing seed {src}"
        else:
            assert PUBLIC_SOURCE.match(src), f"{what}: {src!r} is neither a seed file nor 'Name, address'"


def test_every_seed_is_used(seeds: Path):
    cited = {src for _, sources in _all_sourced() for src in sources}
    for seed in seeds.glob("*.txt"):
        assert seed.name in cited, f"seed {seed.name} is never cited"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def _url_core(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/").lower()


@pytest.mark.parametrize("service", services(), ids=lambda s: s.id)
def test_contact_details_are_in_the_cited_seeds(service, seeds: Path):
    """A detail sourced only to seeds must be found in them; others must name a public source."""
    seed_text = " ".join(
        _squash((seeds / s).read_text(encoding="utf-8")) for s in service.sources if SEED_NAME.match(s)
    )
    has_public = any(not SEED_NAME.match(s) for s in service.sources)
    for key, value in service.contact.items():
        if key == "hours":
            continue
        needle = _url_core(value) if key in ("url", "report_url") else value.lower()
        if needle not in seed_text:
            assert has_public, f"{service.id}.{key}={value!r} is not in its seeds and has no public source"


# (step id, seed file, words in that seed the step is built on): guards against citing the wrong seed.
TRACE = [
    ("not-your-fault", "000_92caa9d7c8bd9faa.txt", "do not panic"),
    ("not-your-fault", "002_a24a5ac84840d008.txt", "it’s not your fault"),
    ("dont-pay", "000_92caa9d7c8bd9faa.txt", "do not pay"),
    ("dont-pay", "004_5ba633c2e10573f7.txt", "continued to get more demands"),
    ("stop-contact", "002_a24a5ac84840d008.txt", "stop all communication with the offender"),
    ("keep-evidence", "000_92caa9d7c8bd9faa.txt", "do not delete any correspondence"),
    ("note-offender-details", "000_92caa9d7c8bd9faa.txt", "money transfer control number (mtcn)"),
    ("paid-cancel-now", "001_7c662cd1d3cb85b2.txt", "you can cancel the payment"),
    ("paid-tell-bank", "002_a24a5ac84840d008.txt", "consider telling your bank"),
    ("report-police", "002_a24a5ac84840d008.txt", "18001 101"),
    ("report-ceop", "002_a24a5ac84840d008.txt", "child exploitation and online protection"),
    ("email-report-sers", "001_7c662cd1d3cb85b2.txt", "report@phishing.gov.uk"),
    ("email-change-password", "001_7c662cd1d3cb85b2.txt", "update any passwords mentioned"),
    ("secure-passwords", "000_92caa9d7c8bd9faa.txt", "three random words"),
    ("secure-2sv", "000_92caa9d7c8bd9faa.txt", "2 step verification"),
    ("check-linked-accounts", "003_e20f2fed12393c73.txt", "accounts which you might have linked"),
    ("cover-webcam", "001_7c662cd1d3cb85b2.txt", "cover cameras"),
    ("tell-trusted-adult", "003_e20f2fed12393c73.txt", "talk to an adult that you trust"),
    ("crisis-call-999", "000_92caa9d7c8bd9faa.txt", "please call 999 immediately"),
]


@pytest.mark.parametrize(("step_id", "seed", "phrase"), TRACE)
def test_steps_cite_the_seed_they_follow(step_id, seed, phrase, seeds: Path):
    step = next(s for s in steps() if s.id == step_id)
    assert seed in step.sources
    assert phrase in _squash((seeds / seed).read_text(encoding="utf-8"))


# --- words -----------------------------------------------------------------------------------------


def _victim_texts() -> list[tuple[str, str]]:
    out = []
    for s in steps():
        if not s.expand:
            out.append((f"step {s.id}", f"{s.title}. {s.detail} {s.why}"))
    for p in platforms():
        out.append((f"platform {p.id}", f"{p.title}. {p.detail} {p.why}"))
    for p in payments().values():
        out.append((f"payment {p.id}", f"{p.title}. {p.detail} {p.why}"))
    for s in services():
        out.append((f"service {s.id}", f"{s.name}. {s.description}"))
    for q in QUESTIONS:
        labels = " ".join(f"{c.label}." for c in q.choices)
        out.append((f"question {q.id}", f"{q.prompt} {q.help} {labels}"))
    return out


MAX_GRADE = 6.0


@pytest.mark.parametrize(("what", "text"), _victim_texts(), ids=[w for w, _ in _victim_texts()])
def test_each_text_reads_at_grade_6(what, text, fk_grade):
    assert fk_grade(text) <= MAX_GRADE, f"{what} reads at grade {fk_grade(text)}"


# Web and email addresses are not prose: a readability formula counts a long link as one very long
# word. The assembled-plan check reads them as "the site" / "the address".
_ADDRESS = re.compile(r"\S+@\S+\.\w+|(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?")


def test_assembled_plans_read_at_grade_6(fk_grade):
    """Steps with service contacts added, over a spread of situations."""
    seen: dict[str, str] = {}
    for age, region, feeling in itertools.product(
        [None, 15, 30], [None, "scotland", "outside-uk"], [None, "struggling", "thinking-of-self-harm"]
    ):
        p = build_plan(Answers(age=age, region=region, feeling=feeling, images=["sent-by-me"]))
        for s in p.steps:
            text = f"{s.title}. {s.detail} {s.why}"
            seen[f"{s.id}/{age}/{region}"] = _ADDRESS.sub("the site", text)
    for what, text in seen.items():
        assert fk_grade(text) <= MAX_GRADE, f"{what} reads at grade {fk_grade(text)}"


# Blaming or shaming words: never in anything the person reads.
BLAME = [
    r"you should have",
    r"you should not have",
    r"you shouldn't have",
    r"(?<!not )your (own )?fault",
    r"why did you",
    r"how could you",
    r"\bstupid\b",
    r"\bfoolish\b",
    r"\bcareless\b",
    r"\bnaive\b",
    r"let (your|their) guard down",
    r"embarrassing",
    r"ashamed of yourself",
    r"common sense",
    r"never send",
    r"you were wrong",
]


def _all_reader_text() -> list[tuple[str, str]]:
    out = list(_victim_texts())
    everything = Answers(
        age=None,
        region=None,
        feeling="thinking-of-self-harm",
        images=["sent-by-me", "only-claimed"],
        contact=["email-scam", "social-media", "hacked-account", "webcam"],
        paid="yes-unknown",
        payment_method=["crypto", "gift-card", "bank-transfer", "western-union", "moneygram", "other"],
        demands=["money", "more-images", "bank-account"],
        platforms=[p.id for p in platforms()],
    )
    out.append(("plan markdown", render_plan_markdown(build_plan(everything))))
    for fmt in ("markdown", "html"):
        out.append((f"letter {fmt}", render_letter(everything, "Police Scotland", "REF1", fmt=fmt)))
    return out


def test_nothing_blames_the_person():
    for what, text in _all_reader_text():
        low = _squash(text)
        for pattern in BLAME:
            assert not re.search(pattern, low), f"{what} contains blaming words: {pattern!r}"


def test_blame_check_catches_blame():
    """The check itself works: it finds blame, and allows 'it is not your fault'."""
    hits = [p for p in BLAME if re.search(p, "you should have known. it was your fault.")]
    assert len(hits) == 2
    assert not [p for p in BLAME if re.search(p, "it is not your fault.")]


def test_not_your_fault_is_said():
    p = build_plan(Answers())
    assert p.steps[0].title == "It is not your fault"


# --- questions -----------------------------------------------------------------------------------


def test_questions_cover_every_answer_key():
    assert next(q.id for q in QUESTIONS) == "feeling", "ask about safety first"
    assert {q.id for q in QUESTIONS} == set(Answers.model_fields)


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_every_choice_is_a_valid_answer(q):
    assert q.prompt and q.help
    if q.kind == "number":
        assert not q.choices
        assert Answers.from_dict({q.id: parse_reply(q, "16")}).model_dump()[q.id] == 16
        return
    assert q.choices
    for i, c in enumerate(q.choices, start=1):
        value = parse_reply(q, str(i))
        Answers.from_dict({q.id: value})  # must not raise
        if q.multi:
            assert value == [c.value]
        elif q.kind == "yesno":
            assert value is (c.value == "yes")
        else:
            assert value == c.value
    assert parse_reply(q, "  ") is SKIP
    with pytest.raises(ValueError):
        parse_reply(q, str(len(q.choices) + 1))


def test_multi_reply_and_words():
    q = next(q for q in QUESTIONS if q.id == "contact")
    assert parse_reply(q, "1, 4") == ["social-media", "email-scam"]
    assert parse_reply(q, "webcam 2") == ["webcam", "dating-app"]
    single = next(q for q in QUESTIONS if q.id == "region")
    with pytest.raises(ValueError):
        parse_reply(single, "1 2")
    age = next(q for q in QUESTIONS if q.id == "age")
    with pytest.raises(ValueError):
        parse_reply(age, "old")


def test_payment_question_only_after_paying():
    q = next(q for q in QUESTIONS if q.id == "payment_method")
    assert not q.should_ask({"paid": "no"})
    assert not q.should_ask({})
    assert q.should_ask({"paid": "yes-collected"})


# --- docs ----------------------------------------------------------------------------------------


def test_usage_doc_matches_the_data():
    """docs/usage/guide.md lists exactly the answer keys and platform ids the code accepts."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "usage" / "guide.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| (.*) \|$", doc, re.M)}
    assert set(rows) == set(Answers.model_fields)
    documented = set(re.findall(r"`([a-z0-9-]+)`", rows["platforms"]))
    ids = {p.id for p in platforms()}
    assert ids <= documented
    for name in documented - ids:
        assert name in {a for p in platforms() for a in p.aliases}, name
    for q in QUESTIONS:
        if q.choices and q.id != "platforms" and q.kind != "yesno":
            assert set(re.findall(r"`([a-z0-9-]+)`", rows[q.id])) == {c.value for c in q.choices}, q.id
