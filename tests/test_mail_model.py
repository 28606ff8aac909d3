"""The email verdict's trained layer: the shipped weights are what the training script builds, and the
hybrid verdict keeps the rules' reasons while catching a targeted threat without mass-scam words."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from haven.mail import NOT, TARGETED, check_email
from haven.mail.model import FEATURES, knows_person, shipped_model

ROOT = Path(__file__).resolve().parents[1]


def _train_module():
    spec = importlib.util.spec_from_file_location("train_mail", ROOT / "scripts" / "train_mail.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_weights_are_what_the_script_builds():
    train = _train_module()
    shipped = json.loads(train.SHIPPED.read_text(encoding="utf-8"))
    assert train.same(train.train(), shipped)


def test_shipped_model_loads_for_the_current_features():
    model = shipped_model()
    assert model is not None
    assert model.features == FEATURES


TARGETED_MAIL = (
    b"From: someone <x@mail.example>\nTo: me@example.org\nSubject: the call\n\n"
    b"Zoe, the video call we had on Snapchat was saved. I found your mum and your friend Jack on "
    b"Facebook and everyone at Hillside Academy. Pay 600 pounds by tonight or all of them get it.\n"
)


def test_targeted_threat_without_scam_words_is_targeted_with_reasons():
    rules = check_email(TARGETED_MAIL, "t.eml", ocr=False, use_model=False)
    hybrid = check_email(TARGETED_MAIL, "t.eml", ocr=False)
    assert rules.verdict == NOT  # the rule layer alone misses it: the error issue 16 names
    assert hybrid.verdict == TARGETED
    assert "knows_you" in hybrid.reason_ids
    assert any("Snapchat" in r or "friend Jack" in r for r in hybrid.reasons)
    assert hybrid.signals["rule_verdict"] == NOT


def test_ordinary_security_alert_stays_not_sextortion():
    mail = (
        b"From: Accounts <no-reply@service.example>\nTo: me@example.org\nSubject: New sign-in\n\n"
        b"Hi Zoe, we noticed a new sign-in to your account from a device in Leeds. If this was you, "
        b"ignore this email. If not, change your password.\n"
    )
    assert check_email(mail, "a.eml", ocr=False).verdict == NOT


def test_signs_that_the_sender_knows_the_person():
    signs = knows_person("Zoe, your friend Jack and everyone at Lincoln High saw our chat on Snapchat")
    assert {"greeting_name", "friend_named", "app_named", "call_or_chat"} <= set(signs)
    assert knows_person("The weather is nice today.") == {}
