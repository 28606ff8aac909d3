"""The checker's answer: the verdict, how sure it is, the reasons in plain words, and what to do.

The weighing is data (``data/scoring.toml``), the reasons' wording is data (``data/reasons.toml``) and the
advice is data (``data/advice.toml``, tied to the guide's step ids and support service ids). This module only
adds things up.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from haven.mail.details import Amount, Deadline
from haven.mail.lexicon import CueHit
from haven.mail.model import feature_vector, knows_person, shipped_model
from haven.mail.pwned import PwnedResult
from haven.mail.sender import SenderCheck

SCAM = "scam-bluff"
TARGETED = "targeted"
NOT = "not-sextortion"
VERDICTS = (SCAM, TARGETED, NOT)


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("haven.mail").joinpath("data", name).read_text("utf-8"))


@cache
def scoring() -> dict[str, Any]:
    return _data("scoring.toml")


@cache
def reason_texts() -> dict[str, str]:
    return dict(_data("reasons.toml")["reasons"])


@cache
def advice_items() -> list[dict[str, Any]]:
    return list(_data("advice.toml")["advice"])


@dataclass
class CryptoAddress:
    value: str
    kind: str
    valid: bool
    known: bool = False
    known_count: int | None = None
    known_source: str | None = None
    source: str = "text"
    """``text`` (the email's words) or ``image`` (read from a picture)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "kind": self.kind,
            "valid": self.valid,
            "known": self.known,
            "known_count": self.known_count,
            "known_source": self.known_source,
            "source": self.source,
        }


@dataclass
class Evidence:
    """Everything the checker found in one email, before it is weighed."""

    cues: dict[str, list[CueHit]]
    names: list[str]
    addresses: list[CryptoAddress]
    amount: Amount | None
    deadline: Deadline | None
    password: str | None
    pwned: PwnedResult | None
    sender: SenderCheck
    tricks: list[str]
    photo_attached: bool
    video_attached: bool
    address_in_image: bool
    language: str | None
    text: str = ""
    """The cleaned text (for the model's signs that the sender knows the person)."""
    knows: dict[str, str] = field(default_factory=dict)
    """Those signs, with the words that show them (filled in by :func:`decide`)."""


@dataclass
class EmailVerdict:
    verdict: str
    confidence: float
    reasons: list[str]
    reason_ids: list[str]
    crypto_addresses: list[CryptoAddress]
    amount: Amount | None
    deadline: Deadline | None
    quoted_password: dict[str, Any]
    sender_spoofing: SenderCheck
    language: str | None
    advice: list[dict[str, Any]]
    obfuscations: list[str] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)
    subject: str = ""
    file: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "subject": self.subject,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "reasons": self.reasons,
            "reason_ids": self.reason_ids,
            "crypto_addresses": [a.to_dict() for a in self.crypto_addresses],
            "amount": self.amount.to_dict() if self.amount else None,
            "deadline": self.deadline.to_dict() if self.deadline else None,
            "quoted_password": self.quoted_password,
            "sender_spoofing": self.sender_spoofing.to_dict(),
            "language": self.language,
            "obfuscations": self.obfuscations,
            "advice": self.advice,
            "signals": self.signals,
            "warnings": self.warnings,
        }


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def decide(ev: Evidence, use_model: bool = True) -> tuple[str, float, dict[str, Any]]:
    """Weigh the evidence: ``(verdict, confidence, signals)``. The rules weigh first; the shipped model
    (``haven.mail.model``) then decides from the same evidence, the rules' score and verdict and the signs
    that the sender knows the person. ``use_model=False`` (or no shipped weights) keeps the rules' verdict."""
    verdict, confidence, signals = rule_decide(ev)
    ev.knows = knows_person(ev.text)
    values = model_values(ev, verdict, signals)
    signals["rule_verdict"] = verdict
    signals["features"] = values
    model = shipped_model() if use_model else None
    if model is None:
        return verdict, confidence, signals
    probs = model.probabilities(feature_vector(values))
    best = max(probs, key=lambda c: probs[c])
    signals["model"] = {c: round(p, 3) for c, p in probs.items()}
    return best, min(0.99, max(0.5, probs[best])), signals


def model_values(ev: Evidence, rule_verdict: str, signals: dict[str, Any]) -> dict[str, float]:
    """The model's inputs: which cues the rules found, the rules' own score and verdict, the other
    evidence, and the signs that the sender knows the person."""
    present = {cue for cue, hits in ev.cues.items() if hits}
    values: dict[str, float] = {f"cue:{cue}": 1.0 for cue in present}
    values.update(
        valid_crypto=float(any(a.valid for a in ev.addresses)),
        known_address=float(any(a.known for a in ev.addresses)),
        amount=float(ev.amount is not None),
        deadline=float(ev.deadline is not None),
        password=float(ev.password is not None),
        names=float(bool(ev.names)),
        photo=float(ev.photo_attached),
        video=float(ev.video_attached),
        from_equals_to=float(ev.sender.from_equals_to),
        auth_failed=float(bool(ev.sender.failed_checks)),
        reply_to_differs=float(bool(ev.sender.reply_to_differs)),
        advisory=min(3.0, signals["advisory_penalty"] / 2.0) / 3.0,
        net=max(-1.0, min(2.0, signals["net"] / 10.0)),
        targeted_score=min(1.0, signals["targeted_score"] / 10.0),
        core=float(signals.get("core", False)),
        rule_scam=float(rule_verdict == SCAM),
        rule_targeted=float(rule_verdict == TARGETED),
    )
    values.update({f"knows:{k}": 1.0 for k in ev.knows})
    return values


def rule_decide(ev: Evidence) -> tuple[str, float, dict[str, Any]]:
    """The rule layer's weighing alone: ``(verdict, confidence, signals)``."""
    conf = scoring()
    weights: dict[str, float] = conf["weights"]
    present = {cue for cue, hits in ev.cues.items() if hits}
    score = sum(weights.get(cue, 0.0) for cue in present)
    valid_crypto = any(a.valid for a in ev.addresses)
    if valid_crypto:
        score += weights["crypto_address"]
    if any(a.known for a in ev.addresses):
        score += weights["known_address"]
    if ev.amount is not None:
        score += weights["amount"]
    advisory = {(h.language, h.pattern) for h in ev.cues.get("advisory", [])}
    penalty = min(conf["penalty"]["max"], conf["penalty"]["advisory"] * len(advisory))
    net = score - penalty
    core = bool(present & {"record", "sexual", "sent_material"}) and (
        bool(present & {"threat", "payment"}) or valid_crypto
    )
    tw: dict[str, float] = conf["targeted"]
    targeted = {
        "platform_contact": "platform_contact" in present,
        "sent_material": "sent_material" in present,
        "contacts_named": bool(ev.names),
        "photo_attached": ev.photo_attached,
        "video_attached": ev.video_attached,
    }
    targeted_score = sum(tw[k] for k, on in targeted.items() if on)
    threshold = float(conf["threshold"])
    p = _logistic((net - threshold + 1.0) / 1.5)
    signals = {
        "score": round(score, 2),
        "advisory_penalty": penalty,
        "net": round(net, 2),
        "threshold": threshold,
        "cues": sorted(present),
        "targeted_score": targeted_score,
        "targeted_evidence": sorted(k for k, on in targeted.items() if on),
        "core": core,
    }
    if core and net >= threshold:
        if targeted_score >= conf["targeted_threshold"]:
            return TARGETED, min(0.99, max(0.55, p * min(1.0, 0.7 + 0.06 * targeted_score))), signals
        return SCAM, min(0.99, max(0.55, p)), signals
    if core:
        return NOT, min(0.95, max(0.55, 1.0 - p)), signals
    return NOT, 0.97 if net < threshold / 2 else 0.9, signals


def reasons_for(verdict: str, ev: Evidence) -> list[tuple[str, str]]:
    """``[(reason id, plain words), ...]`` for this verdict."""
    texts = reason_texts()
    out: list[tuple[str, str]] = []

    def add(rid: str, **params: Any) -> None:
        out.append((rid, texts[rid].format(**params)))

    present = {cue for cue, hits in ev.cues.items() if hits}
    if verdict == NOT:
        if ev.cues.get("advisory") and present & {"record", "sexual", "threat"}:
            add("advisory")
        else:
            add("no_threat")
        return out
    if verdict == TARGETED:
        if ev.knows:
            signs = [
                ev.knows[k]
                for k in (
                    "greeting_name",
                    "school",
                    "friend_named",
                    "family",
                    "lives",
                    "call_or_chat",
                    "app_named",
                    "sent_me",
                )
                if k in ev.knows
            ]
            add("knows_you", signs="; ".join(f"“{w}”" for w in signs[:4]))
        if ev.photo_attached or ev.video_attached:
            add("real_picture")
        if "sent_material" in present:
            add("sent_material")
        if "platform_contact" in present:
            add("platform_conversation")
        if ev.names:
            add("names_contacts", names=", ".join(ev.names[:4]))
    if verdict == SCAM:
        if present & {"record", "sexual"} and not (ev.photo_attached or ev.video_attached):
            add("claims_without_proof")
        add("mass_template")
    if ev.sender.from_equals_to:
        add("forged_own_address")
    if ev.sender.failed_checks:
        add("auth_failed", checks=", ".join(ev.sender.failed_checks))
    if ev.sender.reply_to_differs:
        add("reply_to_differs", reply_to=ev.sender.reply_to)
    if ev.password:
        add("quoted_password")
        if ev.pwned is not None and ev.pwned.breached is True:
            add("password_breached", count=f"{ev.pwned.count:,}")
        elif ev.pwned is not None and ev.pwned.breached is False:
            add("password_not_breached")
    for addr in ev.addresses:
        if addr.known and addr.known_count:
            add(
                "known_address_count",
                kind=addr.kind.upper(),
                address=addr.value,
                count=addr.known_count,
                source=addr.known_source,
            )
        elif addr.known:
            add("known_address", kind=addr.kind.upper(), address=addr.value, source=addr.known_source)
    kinds = sorted({a.kind.upper() for a in ev.addresses if a.valid})
    if kinds or "payment" in present:
        add("crypto_demand", kinds=" or ".join(kinds) if kinds else "money")
    if ev.deadline is not None:
        add("deadline_pressure", deadline=ev.deadline.text)
    if "tracking" in present:
        add("tracking_claim")
    if "secrecy" in present:
        add("no_police")
    if ev.address_in_image:
        add("address_in_image")
    if ev.tricks:
        add("obfuscated", tricks=", ".join(ev.tricks))
    return out


def advice_for(verdict: str, ev: Evidence) -> list[dict[str, Any]]:
    out = []
    for item in advice_items():
        if verdict not in item["verdicts"]:
            continue
        if item.get("needs") == "password" and not ev.password:
            continue
        out.append(
            {
                "id": item["id"],
                "text": item["text"],
                "guide_step": item.get("guide_step"),
                "service": item.get("service"),
                "sources": item.get("sources", []),
            }
        )
    return out
