"""Build the synthetic labelled red-flag corpus (``corpus.jsonl``) from the phrase banks in ``banks.py``.

Deterministic (fixed seed). Every template family (one bank entry) goes wholly into one split, and each
conversation is built from the families of its own split only, so no family and no conversation is on two
sides. Run: ``.venv/bin/python benchmarks/data/flags_corpus/make_corpus.py`` (rewrites corpus.jsonl).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import banks_extra_fr_es  # noqa: E402, F401  (registers its families in banks_extra_en.X)
import banks_extra_pt_de_cy  # noqa: E402, F401
import rounds  # noqa: E402
from banks import B  # noqa: E402
from banks_extra_en import X  # noqa: E402
from banks_r3 import R3  # noqa: E402

SEED = 16
SPLITS = ("train", "dev", "blind")
N_CONV = {"train": 240, "dev": 50, "blind": 70}
N_CONV2 = {"train": 900, "dev": 160}
"""Second-round conversations (``rounds.py``, with the extra banks) added to train and dev."""
N_CONV3 = {"train": 600, "dev": 120}
"""Third-round conversations (``rounds.py`` scripts, ``banks_r3.py`` families first), train and dev."""
R3_SHARE = 0.6
"""In a third-round chat, the share of lines taken from ``banks_r3.py`` (when it has flag and language)."""
_EXTRA_PATTERN = ("train", "train", "dev", "train", "train")
_PATTERN = ("train", "blind", "dev", "train", "train", "blind", "train", "dev", "train", "train")
LANGS = {
    "en-gb": "en",
    "en-ng": "en",
    "en-in": "en",
    "en-ph": "en",
    "en-us": "en",
    "fr": "fr",
    "fr-ci": "fr",
    "es": "es",
    "pt": "pt",
    "de": "de",
    "cy": "cy",
}
AMOUNTS = {
    "en": [
        "£500",
        "$1,200",
        "200 dollars",
        "£ 300",
        "50k naira",
        "₹20,000",
        "5000 pesos",
        "$300",
        "£1000",
        "150 usd",
    ],
    "fr": ["500 €", "300 euros", "100 000 FCFA", "1 500 €", "200€"],
    "es": ["500 €", "300 euros", "2.000 €", "200$"],
    "pt": ["R$ 500", "1.000 reais", "300 €", "R$2.000"],
    "de": ["500 €", "2.000 €", "300 Euro", "1.500€"],
    "cy": ["£500", "£ 200", "300 punt"],
}
PLATS = ["snapchat", "snap", "whatsapp", "telegram", "insta", "kik", "skype", "wickr", "signal", "discord"]
GIFTS = ["steam", "apple", "google play", "amazon"]
NAMES = ["Chloe", "Amaka", "Priya", "Joy", "Ashley", "Léa", "Awa", "Lucía", "Ana", "Lena", "Cerys"]
EMOJI = [" 😂", " 🙏", " 💀", " 😭", " 😡", " 🙄", " 👀", " 😅"]  # none that carries a flag by itself
LEET = str.maketrans({"e": "3", "a": "4", "o": "0", "i": "1"})


def family_split(flag: str, lang: str, index: int) -> str:
    return _PATTERN[index % len(_PATTERN)]


def extra_split(flag: str, lang: str, index: int) -> str:
    """Second-round families (``banks_extra_*``) go to train or dev, never to blind."""
    return _EXTRA_PATTERN[index % len(_EXTRA_PATTERN)]


def r3_split(flag: str, lang: str, index: int) -> str:
    """Third-round families (``banks_r3``) go to train or dev, never to blind."""
    return _EXTRA_PATTERN[index % len(_EXTRA_PATTERN)]


def r3_families(flag: str, lang: str, split: str) -> list[tuple[str, str]]:
    bank = R3.get((flag, lang), [])
    return [(f"{flag}/{lang}/r{i}", t) for i, t in enumerate(bank) if r3_split(flag, lang, i) == split]


def families(flag: str, lang: str, split: str, extra: bool = False) -> list[tuple[str, str]]:
    """(family id, template) of one bank in one split; English families when the language has none.
    ``extra``: the second-round families of the split too (train and dev conversations of round 2)."""
    for code in (lang, "en"):
        bank = B.get((flag, code), [])
        out = [(f"{flag}/{code}/{i}", t) for i, t in enumerate(bank) if family_split(flag, code, i) == split]
        if extra:
            more = X.get((flag, code), [])
            out += [
                (f"{flag}/{code}/x{i}", t) for i, t in enumerate(more) if extra_split(flag, code, i) == split
            ]
        if out:
            return out
    return []


def noise(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """Spelling noise a real chat has: leetspeak, stretched letters, no apostrophes, capitals, emoji,
    spaced-out words (filter dodging)."""
    done = []
    r = rng.random()
    if r < 0.08:
        words = text.split()
        k = rng.randrange(len(words))
        words[k] = words[k].translate(LEET)
        text, _ = " ".join(words), done.append("leet")
    elif r < 0.14:
        words = text.split()
        k = rng.randrange(len(words))
        if len(words[k]) > 3:
            words[k] = " ".join(words[k])
            done.append("spaced")
        text = " ".join(words)
    elif r < 0.22:
        text = text.replace("'", "")
        done.append("no-apostrophe")
    elif r < 0.28:
        text = text.upper()
        done.append("caps")
    elif r < 0.34 and len(text) > 6:
        k = rng.randrange(1, len(text) - 1)
        if text[k].isalpha():
            text = text[:k] + text[k] * 3 + text[k + 1 :]
            done.append("stretched")
    elif r < 0.4:
        k = rng.randrange(1, max(2, len(text) - 1))
        text = text[:k] + text[k + 1 :]
        done.append("typo")
    if rng.random() < 0.2:
        text += rng.choice(EMOJI)
        done.append("emoji")
    if rng.random() < 0.3 and text[:1].isalpha():
        text = text[0].upper() + text[1:]
    return text, done


class Builder:
    def __init__(self, split: str, rng: random.Random, extra: bool = False, r3: bool = False) -> None:
        self.split, self.rng, self.extra, self.r3 = split, rng, extra, r3

    def pick(self, flag: str, lang: str) -> tuple[str, str] | None:
        if lang != "en" and self.rng.random() < 0.15:  # code-switching: an English line in the chat
            lang = "en"
        if self.r3 and self.rng.random() < R3_SHARE:
            fams = r3_families(flag, lang, self.split)
            if fams:
                return self.rng.choice(fams)
        fams = families(flag, lang, self.split, self.extra)
        return self.rng.choice(fams) if fams else None

    def fill(self, template: str, lang: str) -> str:
        rng = self.rng
        return template.format(
            amt=rng.choice(AMOUNTS[lang]),
            plat=rng.choice(PLATS),
            hrs=rng.choice([2, 3, 12, 24, 48]),
            mins=rng.choice([10, 15, 30]),
            age=rng.choice([19, 21, 23, 24, 26]),
            name=rng.choice(NAMES),
            gift=rng.choice(GIFTS),
            handle=rng.choice(["sweet_" + n.lower() + "22" for n in NAMES]),
        )

    def line(self, speaker: str, flags: list[str], lang: str, joiner: str = ", ") -> dict | None:
        parts, fams = [], []
        for flag in flags:
            got = self.pick(flag, lang)
            if got is None:
                return None
            fams.append(got[0])
            parts.append(self.fill(got[1], lang))
        text, kinds = (rounds.noise2 if self.extra else noise)(joiner.join(parts), self.rng)
        labels = sorted(f for f in flags if not f.startswith(("none", "hard")))
        return {"speaker": speaker, "text": text, "labels": labels, "families": fams, "noise": kinds}


def sextortion(b: Builder, lang: str) -> list[dict]:
    rng, out = b.rng, []

    def say(speaker: str, *flags: str, joiner: str = ", ") -> None:
        got = b.line(speaker, list(flags), lang, joiner)
        if got:
            out.append(got)

    for _ in range(rng.randint(1, 3)):
        say("them", "none-them")
        say("me", "none-me")
    if rng.random() < 0.7:
        say("them", "identity-claim")
        say("me", "none-me")
    if rng.random() < 0.6:
        say("them", "move-platform")
    if rng.random() < 0.8:
        say("them", "sexual-escalation")
        say("me", "none-me")
    say("them", "image-request")
    say("me", "none-me")
    say("them", "recording-claim")
    if rng.random() < 0.5:
        say("them", "contact-list")
    style = rng.random()
    if style < 0.35:
        say(
            "them",
            "payment-demand",
            "threat-to-share",
            joiner=rng.choice([" or ", ", otherwise ", ". if not, "]),
        )
    else:
        say("them", "threat-to-share")
        say("me", "none-me")
        say("them", "payment-demand")
    if rng.random() < 0.6:
        say("them", "deadline")
    say("me", "none-me")
    if rng.random() < 0.4:
        out.append(
            {
                "speaker": "me",
                "text": rng.choice(PAID.get(lang, PAID["en"])),
                "labels": [],
                "families": ["paid/fixed"],
                "noise": [],
            }
        )
        say("them", "repeat-demand")
    if rng.random() < 0.35:
        say("me", "self-harm-risk")
    say("them", "none-them")
    return out


PAID = {
    "en": ["ok i sent it", "i paid, check", "done, i transferred it"],
    "fr": ["c'est envoyé", "j'ai payé"],
    "es": ["ya lo envié", "ya pagué"],
    "pt": ["já mandei", "paguei"],
    "de": ["ich habe gezahlt", "ist überwiesen"],
    "cy": ["dwi wedi talu"],
}


def ordinary(b: Builder, lang: str) -> list[dict]:
    rng, out = b.rng, []
    for _ in range(rng.randint(4, 9)):
        speaker = rng.choice(["them", "me"])
        bank = rng.choice(["hard-negative", "none-" + speaker, "hard-negative"])
        got = b.line(speaker, [bank], lang)
        if got:
            out.append(got)
    return out


def build() -> list[dict]:
    rows = []
    for split in SPLITS:
        rng = random.Random(f"{SEED}-{split}")
        b = Builder(split, rng)
        for n in range(N_CONV[split]):
            variety = rng.choice(list(LANGS))
            lang = LANGS[variety]
            kind = "ordinary" if rng.random() < 0.3 else "sextortion"
            msgs = (ordinary if kind == "ordinary" else sextortion)(b, lang)
            conv = f"{split}-{n:03d}"
            for i, m in enumerate(msgs):
                rows.append(
                    {
                        "conversation": conv,
                        "split": split,
                        "kind": kind,
                        "language": variety,
                        "index": i,
                        **m,
                        "author": "engineer C (Haven team), synthetic from banks.py",
                    }
                )
    for split, count in N_CONV2.items():
        rows.extend(_round2(split, count))
    for split, count in N_CONV3.items():
        rows.extend(_round2(split, count, third=True))
    return rows


def _round2(split: str, count: int, third: bool = False) -> list[dict]:
    """Second-round train/dev conversations (``rounds.py``; families of banks.py and banks_extra_*).
    ``third``: the third round's (``banks_r3.py`` families first, its own random stream)."""
    rng = random.Random(f"{SEED}-{split}-round{3 if third else 2}")
    b = Builder(split, rng, extra=True, r3=third)
    prefix, author = (
        ("r3", "engineer D (Haven team), synthetic round 3 from banks_r3.py, banks.py and banks_extra_*.py")
        if third
        else ("r2", "engineer C (Haven team), synthetic round 2 from banks.py and banks_extra_*.py")
    )
    rows = []
    for n in range(count):
        variety = rng.choice(list(LANGS))
        lang = LANGS[variety]
        kind = "ordinary" if rng.random() < 0.3 else "sextortion"
        msgs: list[dict] = []

        def say(
            speaker: str, *flags: str, joiner: str = ", ", msgs: list[dict] = msgs, lang: str = lang
        ) -> None:
            got = b.line(speaker, list(flags), lang, joiner)
            if got:
                msgs.append(got)

        def paid(msgs: list[dict] = msgs, lang: str = lang) -> None:
            text = rng.choice(PAID.get(lang, PAID["en"]))
            row = {"speaker": "me", "text": text, "labels": [], "families": ["paid/fixed"], "noise": []}
            msgs.append(row)

        if kind == "ordinary":
            rounds.ordinary2(say, rng)
        else:
            rounds.sextortion2(say, paid, rng)
        conv = f"{split}-{prefix}-{n:04d}"
        for i, m in enumerate(msgs):
            rows.append(
                {
                    "conversation": conv,
                    "split": split,
                    "kind": kind,
                    "language": variety,
                    "index": i,
                    **m,
                    "author": author,
                }
            )
    return rows


def main() -> None:
    rows = build()
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    (HERE / "corpus.jsonl").write_text(text, encoding="utf-8")
    convs = {r["conversation"] for r in rows}
    print(
        f"{len(rows)} messages, {len(convs)} conversations, "
        f"sha256 {hashlib.sha256(text.encode()).hexdigest()[:16]}"
    )


if __name__ == "__main__":
    main()
