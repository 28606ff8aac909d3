"""The trained part of the email verdict: a small linear model over what the rules found.

The rules (word lists, wallet checksums, sender checks) stay the explanation: every reason shown still
comes from them. The model weighs the same evidence together — which cues are present, the rule layer's own
score and verdict, and signs that the sender knows the person (a name in the greeting, a school or class,
a named friend, family, followers, where they live, a real chat or call on a named app) — so a targeted
threat that never uses the mass-scam words ("the video call we had on Snapchat", "your friend Jack and
everyone at Lincoln High") is not waved through as ordinary mail.

Weights are ``data/verdict_model.json``, built by ``scripts/train_mail.py`` (scikit-learn logistic
regression, fixed seed, train split of ``benchmarks/data/email_corpus`` plus the tuned evaluation cases);
``tests/test_mail_model.py`` checks that the script rebuilds them. Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from haven.mail.lexicon import CUES

# Signs that the sender knows the person, on the lower-cased text (accents kept: not the folded text).
KNOWS: dict[str, re.Pattern[str]] = {
    "school": re.compile(
        r"\b(?:school|college|class(?:mates?)?|teachers?|uni|university|campus|lyc[ée]e|coll[èe]ge|classe|"
        r"profs?|colegio|instituto|clase|profesor\w*|escola|col[ée]gio|faculdade|turma|professor\w*|"
        r"schule|gymnasium|realschule|klasse|lehrer\w*|mitsch[üu]ler\w*)\b"
    ),
    "friend_named": re.compile(
        r"\b(?:friends?|ami|amie|amis|amigos?|amigas?|freund(?:in)?|kumpel|best friend|bestie)\s+"
        r"(?:is\s+|est\s+|es\s+|ist\s+|é\s+)?[A-ZÀ-Ý][a-zà-ÿ]+"
    ),
    "greeting_name": re.compile(
        # [ \t]*, not \s*: at every line start \s* ran over all the blank lines after it (quadratic)
        r"(?m)^[ \t]*(?:(?:hi|hello|hey|dear|ol[áa]|oi|hola|salut|bonjour|hallo|liebe[rs]?)[ \t]+)?"
        r"[A-ZÀ-Ý][a-zà-ÿ]{2,},"
    ),
    "family": re.compile(
        r"\b(?:mum|mom|mother|dad|father|parents|sister|brother|m[èe]re|p[èe]re|parents|madre|padre|"
        r"m[ãa]e|pai|mutter|vater|eltern|schwester|bruder)\b"
    ),
    "followers": re.compile(r"\b(?:followers?|abonn[ée]s|seguidores|tag your|list of your|liste de tes)\b"),
    "lives": re.compile(
        r"\b(?:you live|where you live|tu habites|o[uù] tu habites|vives en|d[oó]nde vives|voc[êe] mora|"
        r"onde voc[êe] mora|du wohnst|wo du wohnst|wohnst)\b"
    ),
    "call_or_chat": re.compile(
        r"\b(?:video ?call|videollamada|appel vid[ée]o|chamada de v[íi]deo|videoanruf|videochat|"
        r"our chat|our conversation|notre conversation|nuestra conversaci[óo]n|nossa conversa|"
        r"unseren chat|we talked|we chatted|on va parler|hablamos)\b"
    ),
    "app_named": re.compile(
        r"\b(?:instagram|insta|snapchat|snap|facebook|messenger|tiktok|discord|whatsapp|telegram|kik|"
        r"skype|omegle|tinder|grindr)\b"
    ),
    "sent_me": re.compile(
        r"\b(?:you sent me|you showed|sent me|tu m'as envoy[ée]e?s|que me enviaste|me mandaste|"
        r"voc[êe] me mandou|me mandou|du mir geschickt|die du mir|nudes?|nacktbilder|photos intimes|"
        r"fotos [íi]ntimas|nude photos|pictures you sent)\b"
    ),
    "recorded": re.compile(
        r"\b(?:recorded|recording|screenshots?|grab[ée]|enregistr[ée]e?|gravei|gravado|aufgenommen|"
        r"saved|gard[ée]|guard[ée]|guardei)\b"
    ),
}

RULE_FEATURES = (
    "valid_crypto", "known_address", "amount", "deadline", "password", "names", "photo", "video",
    "from_equals_to", "auth_failed", "reply_to_differs", "advisory", "net", "targeted_score", "core",
    "rule_scam", "rule_targeted",
)  # fmt: skip
FEATURES = tuple(f"cue:{c}" for c in CUES) + RULE_FEATURES + tuple(f"knows:{k}" for k in KNOWS)


def knows_person(text: str) -> dict[str, str]:
    """Signs that the sender knows the person: ``{sign: the words that show it}``."""
    low = text.lower()
    out: dict[str, str] = {}
    for name, pattern in KNOWS.items():
        src = text if name in ("friend_named", "greeting_name") else low
        m = pattern.search(src)
        if m:
            out[name] = " ".join(m.group().split())
    return out


def feature_vector(values: dict[str, float]) -> list[float]:
    return [float(values.get(name, 0.0)) for name in FEATURES]


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    features: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]

    def probabilities(self, x: list[float]) -> dict[str, float]:
        scores = [
            b + sum(w * v for w, v in zip(row, x, strict=True))
            for row, b in zip(self.coef, self.intercept, strict=True)
        ]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


def model_from_dict(data: dict[str, Any]) -> Model:
    return Model(
        tuple(data["classes"]),
        tuple(data["features"]),
        tuple(tuple(float(v) for v in row) for row in data["coef"]),
        tuple(float(v) for v in data["intercept"]),
    )


@cache
def shipped_model() -> Model | None:
    """The shipped weights, or None when they are missing or were built for other features (the rules
    then decide alone)."""
    try:
        text = resources.files("haven.mail").joinpath("data", "verdict_model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    model = model_from_dict(json.loads(text))
    return model if model.features == FEATURES else None
