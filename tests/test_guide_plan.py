"""The plan engine: service routing over the whole age x region matrix, crisis ordering, the paid /
not-paid branches, per-platform steps, email scams, image protection by age, and the JSON shape."""

from __future__ import annotations

import itertools
import json

import pytest

from haven.guide import Answers, build_plan, services_for
from haven.guide.knowledge import payments, platforms, services

REGIONS = [None, "scotland", "england", "wales", "northern-ireland", "outside-uk"]
AGES = [None, 9, 12, 15, 16, 17, 18, 19, 25, 26, 34, 35, 50, 90]
UK = {"scotland", "england", "wales", "northern-ireland"}

STABLE_IDS = [
    "police-999",
    "police-101",
    "textphone-18001-101",
    "ceop",
    "childline",
    "report-remove",
    "take-it-down",
    "stopncii",
    "revenge-porn-helpline",
    "iwf",
    "thinkuknow",
    "get-safe-online",
    "ncsc-sers",
    "samaritans",
    "papyrus",
    "calm",
    "breathing-space",
    "nhs24",
    "kooth",
    "togetherall",
    "victim-support",
    "crimestoppers-fearless",
]
ADULT_ONLY = {"stopncii", "revenge-porn-helpline"}
UNDER_18_ONLY = {"ceop", "report-remove", "take-it-down", "iwf", "thinkuknow"}
SCOTLAND_ONLY = {"breathing-space", "nhs24", "victim-support-scotland"}
CRISIS_LINES = {"samaritans", "childline", "papyrus", "calm", "breathing-space", "nhs24", "find-a-helpline"}


def plan(**answers):
    return build_plan(Answers.from_dict(answers))


def test_stable_service_ids_exist():
    ids = {s.id for s in services()}
    assert set(STABLE_IDS) <= ids


def test_age_limits_in_data_match_the_rules():
    by_id = {s.id: s for s in services()}
    for sid in ADULT_ONLY:
        assert by_id[sid].min_age == 18
    for sid in UNDER_18_ONLY:
        assert by_id[sid].max_age == 17
    for sid in SCOTLAND_ONLY:
        assert [str(r) for r in by_id[sid].regions] == ["scotland"]


@pytest.mark.parametrize(("age", "region"), list(itertools.product(AGES, REGIONS)))
def test_service_routing_matrix(age, region):
    got = services_for(age, region)
    ids = [s.id for s in got]
    assert len(ids) == len(set(ids))
    # Every rule from the issue, checked against the ids (not against the same code path):
    if age is not None and age < 18:
        assert not ADULT_ONLY & set(ids), "18+-only service shown to an under-18"
    if age is not None and age >= 18:
        assert not UNDER_18_ONLY & set(ids), "under-18-only service shown to an adult"
    if region != "scotland":
        assert not SCOTLAND_ONLY & set(ids), "Scotland-only service shown outside Scotland"
    # Every service shown fits the person; every service that fits is shown.
    for s in services():
        fits_age = age is None or (
            (s.min_age is None or age >= s.min_age) and (s.max_age is None or age <= s.max_age)
        )
        regions = {str(r) for r in s.regions}
        fits_region = region in regions if region is not None else not (len(regions) == 1 and regions <= UK)
        assert (s.id in ids) == (fits_age and fits_region), s.id
    # The routes people need most are always there.
    if region in UK:
        assert {"police-999", "police-101", "textphone-18001-101", "samaritans"} <= set(ids)
    if region == "outside-uk":
        assert {"local-police", "local-emergency", "find-a-helpline"} <= set(ids)
        assert "police-101" not in ids and "report-remove" not in ids
    if region == "scotland":
        assert {"breathing-space", "nhs24"} <= set(ids)
    if age is not None and age < 18:
        assert "take-it-down" in ids
        if region in UK or region is None:
            assert {"ceop", "childline", "report-remove"} <= set(ids)
    if age is not None and age >= 18:
        assert "stopncii" in ids
        assert ("revenge-porn-helpline" in ids) == (region != "outside-uk")
    if age is None:
        assert {"stopncii", "take-it-down"} <= set(ids), "unknown age must show both routes"
    if age == 18 and region != "outside-uk":
        assert "childline" in ids  # Childline is for anyone under 19
    if age is not None and age >= 19:
        assert "childline" not in ids


@pytest.mark.parametrize(("age", "region"), list(itertools.product(AGES, REGIONS)))
def test_plan_services_are_the_routed_services(age, region):
    p = plan(age=age, region=region)
    assert sorted(p.service_ids()) == sorted(s.id for s in services_for(age, region))


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("age", [None, 15, 30])
def test_crisis_comes_first(age, region):
    p = plan(age=age, region=region, feeling="thinking-of-self-harm", paid="yes-not-collected")
    assert p.crisis is True
    ids = p.step_ids()
    n = sum(1 for i in ids if i.startswith("crisis-"))
    assert n >= 2
    assert all(i.startswith("crisis-") for i in ids[:n])
    assert not any(i.startswith("crisis-") for i in ids[n:])
    # Even the urgent "cancel the payment" step waits until the person is safe.
    assert ids.index("paid-cancel-now") >= n
    assert len(p.now) <= 3 and all(s.id.startswith("crisis-") for s in p.now[: min(n, 3)])
    if region != "outside-uk":  # a text line for people who will not phone
        assert any("85258" in s.detail for s in p.now)
    first = ids[0]
    if region == "outside-uk":
        assert first == "crisis-call-local" and "crisis-call-999" not in ids
    elif region is None:  # one step names 999 and the numbers abroad, so a text line still fits in "now"
        assert first == "crisis-call-emergency" and "crisis-call-999" not in ids
    else:
        assert first == "crisis-call-999"
    # Crisis lines lead the services list.
    assert p.services[0].id in CRISIS_LINES | {"police-999", "local-emergency"}
    talk = next(s for s in p.steps if s.id == "crisis-talk-now")
    assert ("116 123" in talk.detail) == (region != "outside-uk")
    assert ("0800 83 85 87" in talk.detail) == (region == "scotland")
    childline_open = (age is None or age < 19) and region != "outside-uk"
    assert ("0800 1111" in talk.detail) == childline_open
    assert ("findahelpline.com" in talk.detail) == (region in (None, "outside-uk"))


@pytest.mark.parametrize("feeling", [None, "ok", "struggling"])
def test_no_crisis_when_not_at_risk(feeling):
    p = plan(age=20, region="wales", feeling=feeling)
    assert p.crisis is False
    assert not any(i.startswith("crisis-") for i in p.step_ids())
    ids = p.step_ids()
    if feeling == "struggling":
        assert ids.index("talk-to-someone") < ids.index("dont-pay")
        assert "look-after-yourself" not in ids
    else:
        assert "talk-to-someone" not in ids and "look-after-yourself" in ids


def test_not_paid_branch():
    ids = plan(paid="no", payment_method=["crypto"]).step_ids()
    assert "dont-pay" in ids
    assert not [i for i in ids if i.startswith("paid-")], "no payment steps when nothing was paid"
    assert "dont-pay-more" not in ids


@pytest.mark.parametrize(
    ("paid", "present", "absent"),
    [
        ("yes-not-collected", "paid-cancel-now", {"paid-check-collected", "paid-note-collection"}),
        ("yes-collected", "paid-note-collection", {"paid-cancel-now", "paid-check-collected"}),
        ("yes-unknown", "paid-check-collected", {"paid-cancel-now", "paid-note-collection"}),
    ],
)
def test_paid_branches(paid, present, absent):
    p = plan(paid=paid, payment_method=["bank-transfer", "western-union"])
    ids = p.step_ids()
    assert present in ids and not absent & set(ids)
    assert {"dont-pay-more", "paid-bank-transfer", "paid-western-union"} <= set(ids)
    assert "paid-tell-bank" not in ids  # the bank transfer step already says to call the bank
    assert "dont-pay" not in ids
    # Time-critical money steps come before the general advice, in "Do this now".
    if paid != "yes-collected":
        assert ids.index(present) < ids.index("paid-bank-transfer")
    assert ids.index("paid-bank-transfer") < ids.index("stop-contact")
    assert "paid-bank-transfer" in [s.id for s in p.now]


@pytest.mark.parametrize("method", [m for m in payments()])
def test_every_payment_method_has_its_step(method):
    p = plan(paid="yes-unknown", payment_method=[method])
    step = next(s for s in p.steps if s.id == f"paid-{method}")
    assert step.title and step.detail and step.sources
    others = {f"paid-{m}" for m in payments()} - {f"paid-{method}"}
    assert not others & set(p.step_ids())


def test_payment_method_details():
    p = plan(paid="yes-unknown", payment_method=["western-union", "moneygram", "crypto", "gift-card"])
    text = {s.id: s.detail for s in p.steps}
    assert "MTCN" in text["paid-western-union"]
    assert "reference number" in text["paid-moneygram"]
    assert "cannot be undone" in text["paid-crypto"]
    assert "freeze" in text["paid-gift-card"]


def test_payment_method_without_paid_answer_means_paid():
    ids = plan(payment_method=["crypto"]).step_ids()
    assert {"paid-check-collected", "paid-crypto"} <= set(ids)
    assert "paid-tell-bank" not in ids  # payment steps only for the way they paid


def test_bank_step_only_when_the_way_of_paying_is_not_known():
    assert "paid-tell-bank" in plan(paid="yes-unknown").step_ids()
    for method in ("gift-card", "crypto", "bank-transfer"):
        ids = plan(paid="yes-collected", payment_method=[method]).step_ids()
        assert "paid-tell-bank" not in ids
    assert "paid-note-collection" not in plan(paid="yes-collected", payment_method=["gift-card"]).step_ids()


@pytest.mark.parametrize("platform", [p.id for p in platforms()])
def test_per_platform_step(platform):
    p = plan(platforms=[platform], contact=["social-media"])
    steps = [s for s in p.steps if s.id.startswith("platform-")]
    assert [s.id for s in steps] == [f"platform-{platform}"]
    s = steps[0]
    assert s.sources and s.why
    if platform not in ("youtube", "email", "skype"):
        # The seeds' advice: pause / deactivate, never delete.
        assert "delete" in s.detail.lower()
        assert any(w in s.detail for w in ("not Delete", "not delete", "do not delete", "Do not delete"))


def test_platform_steps_follow_the_named_order_and_aliases():
    p = plan(platforms=["snapchat", "twitter", "instagram"])
    got = [s.id for s in p.steps if s.id.startswith("platform-")]
    assert got == ["platform-snapchat", "platform-x", "platform-instagram"]
    ids = p.step_ids()
    assert ids.index("platform-snapchat") < ids.index("report-to-platform") < ids.index("report-police")


def test_snapchat_is_not_told_to_deactivate():
    s = next(s for s in plan(platforms=["snapchat"]).steps if s.id == "platform-snapchat")
    assert "no way to pause" in s.detail and "30 days" in s.detail


def test_no_platform_named_gives_the_general_step():
    ids = plan(contact=["dating-app"]).step_ids()
    assert "pause-accounts" in ids and "report-to-platform" in ids
    assert not [i for i in ids if i.startswith("platform-")]
    assert "pause-accounts" not in plan(platforms=["tiktok"]).step_ids()
    assert "pause-accounts" not in plan(contact=["email-scam"]).step_ids()


def test_email_only_scam_has_no_platform_steps():
    ids = plan(contact=["email-scam"], region="england").step_ids()
    assert not [i for i in ids if i.startswith("platform-")]
    assert "report-to-platform" not in ids
    assert {"email-report-sers", "email-change-password", "email-may-be-bluff"} <= set(ids)


def test_email_scam_outside_uk():
    ids = plan(contact=["email-scam"], region="outside-uk").step_ids()
    assert "email-report-abroad" in ids and "email-report-sers" not in ids


def test_no_email_steps_without_email_scam():
    ids = plan(contact=["social-media"]).step_ids()
    assert not [i for i in ids if i.startswith("email-")]


def test_email_with_real_images_is_not_called_a_bluff():
    ids = plan(contact=["email-scam"], images=["sent-by-me"]).step_ids()
    assert "email-may-be-bluff" not in ids


@pytest.mark.parametrize(
    ("age", "adult_step", "child_step"), [(30, True, False), (15, False, True), (None, True, True)]
)
def test_image_protection_by_age(age, adult_step, child_step):
    p = plan(age=age, region="england", images=["sent-by-me"])
    ids = p.step_ids()
    assert ("protect-images-adult" in ids) is adult_step
    assert ("protect-images-under-18" in ids) is child_step
    text = " ".join(s.detail for s in p.steps)
    assert ("StopNCII" in text) is adult_step
    assert ("Take It Down" in text) is child_step
    if child_step:
        detail = next(s.detail for s in p.steps if s.id == "protect-images-under-18")
        assert "takeitdown.ncmec.org" in detail and "Report Remove" in detail


def test_under_18_abroad_gets_take_it_down_not_report_remove_contact():
    detail = next(
        s.detail for s in plan(age=14, region="outside-uk").steps if s.id == "protect-images-under-18"
    )
    assert "takeitdown.ncmec.org" in detail and "childline.org.uk" not in detail


def test_only_claimed_images():
    ids = plan(images=["only-claimed"], age=30).step_ids()
    assert "claimed-images" in ids
    assert "protect-images-adult" not in ids
    ids = plan(images=["only-claimed", "sent-by-me"], age=30).step_ids()
    assert "claimed-images" not in ids and "protect-images-adult" in ids


def test_fake_images():
    ids = plan(images=["faked-with-ai"], age=30).step_ids()
    assert "fake-images" in ids and "protect-images-adult" in ids


@pytest.mark.parametrize(
    ("reported", "step", "absent"),
    [(True, "police-update", "report-police"), (False, "report-police", "police-update")],
)
def test_reported(reported, step, absent):
    ids = plan(reported=reported, region="england").step_ids()
    assert step in ids and absent not in ids


def test_report_police_names_the_numbers():
    d = next(s.detail for s in plan(region="wales").steps if s.id == "report-police")
    assert "101" in d and "999" in d and "18001 101" in d and "online" in d


@pytest.mark.parametrize(("age", "expected"), [(14, True), (17, True), (18, False), (40, False)])
def test_under_18_steps(age, expected):
    ids = plan(age=age, region="scotland").step_ids()
    assert ("report-ceop" in ids) is expected
    assert ("tell-trusted-adult" in ids) is expected


def test_demands_and_hacking():
    ids = plan(demands=["bank-account", "more-images"], contact=["hacked-account"]).step_ids()
    assert {"dont-share-bank-account", "dont-send-more-images", "recover-hacked-account"} <= set(ids)
    ids = plan(demands=["money"], contact=["social-media"]).step_ids()
    assert not {"dont-share-bank-account", "dont-send-more-images", "recover-hacked-account"} & set(ids)
    assert "recover-hacked-account" in plan(images=["stolen-or-hacked"]).step_ids()


def test_webcam():
    assert "cover-webcam" in plan(contact=["webcam"]).step_ids()
    assert "cover-webcam" not in plan(contact=["dating-app"]).step_ids()


def test_always_present_core_steps_in_order():
    ids = plan().step_ids()
    order = [
        "not-your-fault",
        "dont-pay",
        "stop-contact",
        "keep-evidence",
        "note-offender-details",
        "report-police",
        "secure-passwords",
        "secure-2sv",
        "secure-privacy",
        "check-linked-accounts",
    ]
    assert [i for i in ids if i in order] == order


def test_json_shape():
    p = plan(
        age=16,
        region="scotland",
        platforms=["instagram"],
        paid="yes-unknown",
        payment_method=["crypto"],
        feeling="thinking-of-self-harm",
        contact=["email-scam"],
    )
    d = json.loads(json.dumps(p.to_dict()))
    assert set(d) == {"crisis", "steps", "services", "lang"}
    assert d["crisis"] is True
    for s in d["steps"]:
        assert set(s) == {"id", "title", "detail", "why", "sources", "layer"}
        assert all(isinstance(s[k], str) and s[k] for k in ("id", "title", "detail", "why"))
        assert s["sources"] and all(isinstance(x, str) for x in s["sources"])
    for s in d["services"]:
        assert set(s) == {"id", "name", "description", "contact", "min_age", "max_age", "regions", "sources"}
        assert isinstance(s["contact"], dict) and isinstance(s["regions"], list)
        assert s["min_age"] is None or isinstance(s["min_age"], int)
    ids = [s["id"] for s in d["steps"]]
    assert len(ids) == len(set(ids))
