"""Second-round conversation scripts and noise for the ``train`` and ``dev`` splits (issue 16).

The blind split is still built by ``make_corpus.sextortion`` / ``make_corpus.ordinary`` from ``banks.py``
alone, byte for byte as before (``tests/test_flags_model.py`` pins its hash). Train and dev conversations
are built here, from the families of ``banks.py`` *and* ``banks_extra_*.py`` of their own split, with more
varied scripts: stages out of order, a threat spread over two messages ("i have your video" / "everyone
will see it"), the victim's pleas in between (they quote the threat words but raise nothing), a
self-harm cue at any point after the pressure starts, scams without an image request ("I hacked your
phone"), and more noise (leetspeak over several words, dotted and spaced letters, no accents, repeated
punctuation, text-speak vowels dropped).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

LEET = str.maketrans({"e": "3", "a": "4", "o": "0", "i": "1", "s": "5"})
EMOJI = [" 😂", " 🙏", " 💀", " 😭", " 😡", " 🙄", " 👀", " 😅", " 😈", " 🔥", " 😘", " 💰", " ⏰", " 📸"]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def noise2(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """Noise of the second round (at most two kinds per message, plus an emoji now and then)."""
    done: list[str] = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        r = rng.random()
        words = text.split()
        if not words:
            break
        k = rng.randrange(len(words))
        if r < 0.15:
            for j in range(len(words)):
                if rng.random() < 0.5:
                    words[j] = words[j].translate(LEET)
            done.append("leet")
        elif r < 0.25 and len(words[k]) > 3:
            words[k] = rng.choice([" ", ".", "-", "*"]).join(words[k])
            done.append("spaced")
        elif r < 0.35:
            text = _strip_accents(text)
            words = text.split()
            done.append("no-accents")
        elif r < 0.45:
            words = [w.replace("'", "").replace("’", "") for w in words]
            done.append("no-apostrophe")
        elif r < 0.52:
            words = [w.upper() for w in words]
            done.append("caps")
        elif r < 0.62 and len(words[k]) > 3:
            i = rng.randrange(1, len(words[k]))
            words[k] = words[k][:i] + words[k][i - 1] * rng.randint(2, 4) + words[k][i:]
            done.append("stretched")
        elif r < 0.75 and len(words[k]) > 3:
            i = rng.randrange(1, len(words[k]) - 1)
            if rng.random() < 0.5:
                words[k] = words[k][:i] + words[k][i + 1 :]
            else:
                words[k] = words[k][:i] + words[k][i + 1] + words[k][i] + words[k][i + 2 :]
            done.append("typo")
        elif r < 0.85 and len(words[k]) > 4:
            words[k] = words[k][0] + "".join(c for c in words[k][1:] if c not in "aeiou")
            done.append("no-vowels")
        else:
            words[-1] += rng.choice(["!!", "!!!", "??", "...", " !!"])
            done.append("punctuation")
        text = " ".join(words)
    if rng.random() < 0.25:
        text += rng.choice(EMOJI)
        done.append("emoji")
    if rng.random() < 0.3 and text[:1].isalpha():
        text = text[0].upper() + text[1:]
    return text, done


Say = Callable[..., None]


def sextortion2(say: Say, paid: Callable[[], None], rng: random.Random) -> None:
    """One offender script, varied: order, split threats, pleas, self-harm at any point of pressure."""
    for _ in range(rng.randint(0, 3)):
        say("them", "none-them")
        if rng.random() < 0.8:
            say("me", "none-me")
    hacked = rng.random() < 0.15  # "I hacked your phone, I have your pics": no grooming, no image request
    if not hacked:
        opening = ["identity-claim", "move-platform", "sexual-escalation"]
        rng.shuffle(opening)
        for flag in opening:
            if rng.random() < 0.65:
                say("them", flag)
                if rng.random() < 0.6:
                    say("me", "none-me")
        say("them", "image-request")
        if rng.random() < 0.3:
            say("them", "image-request", "sexual-escalation", joiner=rng.choice([", ", " ", ". "]))
        say("me", "none-me")
    pressure = ["recording-claim", "contact-list", "threat-to-share"]
    if rng.random() < 0.3:
        pressure = pressure[::-1]
    shown_threat = False
    for flag in pressure:
        if flag == "contact-list" and rng.random() < 0.45:
            continue
        if flag == "threat-to-share" and rng.random() < 0.35:
            say("them", "payment-demand", "threat-to-share", joiner=rng.choice([" or ", " otherwise ", ". "]))
            shown_threat = True
            continue
        if flag == "recording-claim" and rng.random() < 0.25:
            say("them", "recording-claim", "threat-to-share", joiner=rng.choice([". ", ", ", " and "]))
            shown_threat = True
            continue
        say("them", flag)
        shown_threat = shown_threat or flag == "threat-to-share"
        if rng.random() < 0.5:
            say("me", "none-me")
        if rng.random() < 0.08:
            say("me", "self-harm-risk")
    if not shown_threat or rng.random() < 0.6:
        say("them", "payment-demand")
    if rng.random() < 0.3:
        say("them", "payment-demand", "deadline", joiner=rng.choice([" ", ", ", ". "]))
    elif rng.random() < 0.55:
        say("them", "deadline")
    if rng.random() < 0.5:
        say("me", "none-me")
    if rng.random() < 0.15:
        say("them", "threat-to-share", "deadline", joiner=rng.choice([" ", ", "]))
    if rng.random() < 0.45:
        paid()
        say("them", "repeat-demand")
        if rng.random() < 0.4:
            say("them", "threat-to-share")
    if rng.random() < 0.4:
        say("me", "self-harm-risk")
        if rng.random() < 0.4:
            say("me", "none-me")
    if rng.random() < 0.5:
        say("them", "none-them")


def ordinary2(say: Say, rng: random.Random) -> None:
    """An ordinary chat: small talk and look-alike lines on both sides (nothing is a red flag)."""
    for _ in range(rng.randint(4, 12)):
        speaker = rng.choice(["them", "me"])
        say(speaker, rng.choice(["hard-negative", "none-" + speaker, "hard-negative", "none-" + speaker]))
