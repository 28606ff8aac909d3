# ruff: noqa: E501  (the flags' own sentences, kept whole so they match the catalogue)
"""The red flags' names and explanations in the app's words, marked for the catalogue so Welsh pages say
them in Welsh. The explanations are the flags' own (``haven/flags/data/en.toml``); a test fails when
that file has one that is not listed here."""

from __future__ import annotations

import re

from haven.web.i18n import N_
from haven.web.i18n import gettext as _

FLAG_LABELS: dict[str, str] = {
    "sexual-escalation": N_("Turned sexual fast"),
    "image-request": N_("Asked for pictures"),
    "move-platform": N_("Asked to move app"),
    "identity-claim": N_("Said who they are"),
    "recording-claim": N_("Said they recorded you"),
    "threat-to-share": N_("Threat to share"),
    "contact-list": N_("Knows your friends"),
    "payment-demand": N_("Payment demand"),
    "deadline": N_("Time limit"),
    "repeat-demand": N_("Asked for more"),
    "self-harm-risk": N_("You may be at risk"),
}

EXPLANATIONS = (
    N_(
        "This message is sexual. People who plan to blackmail often turn a chat sexual very fast. If you know and trust this person, this may be fine."
    ),
    N_(
        "They asked for photos or a video call. Many people who blackmail start like this. Sending a photo is never a crime done by you."
    ),
    N_(
        "They asked to move to another app. People who blackmail often do this, to get away from safety checks. It is good to notice it."
    ),
    N_(
        "They told you who they are: age, job or where they live. Fake profiles often say things like this. You could not have known it was not true."
    ),
    N_(
        "They said they recorded you or saved your photos. This is a common trick to scare you. It is not your fault."
    ),
    N_(
        "They threatened to share your photos or video with people you know. This is blackmail, and it is a crime. It is not your fault. You do not have to deal with it alone."
    ),
    N_(
        "They showed that they know the people in your life. They do this to scare you. Lock your accounts and make your friend lists private."
    ),
    N_(
        "They asked for money, gift cards or crypto. Police advise: do not pay. People who pay are often asked for more. Keep the details, they help the police."
    ),
    N_(
        "They gave you a time limit. This is to rush you and scare you. You have time to stop, breathe and get help."
    ),
    N_(
        "They asked for more after you paid. This is what police warn about: paying does not make it stop. It is not your fault. Please stop paying and get help."
    ),
    N_(
        "You said something that sounds like you may want to hurt yourself. You matter, and this can be sorted out. Please talk to someone now. If you are in danger, call 999 (or 112). Haven's plan lists free helplines."
    ),
)


def flag_label(flag: str) -> str:
    """``payment-demand`` -> "Asked for money" (an unknown flag: its name with spaces)."""
    label = FLAG_LABELS.get(flag)
    return _(label) if label else flag.replace("_", " ").replace("-", " ")


_MODEL_NOTE = re.compile(
    r"^\(Read by the trained model in context; the words that weighed most: (?P<words>.*)\.\)$"
)


def explanation(text: str) -> str:
    """A flag's explanation in the page's language: its own sentence from the catalogue, and the model's
    note about the words that weighed most, if there is one."""
    for base in EXPLANATIONS:
        if text.startswith(base):
            rest = text[len(base) :].strip()
            note = _MODEL_NOTE.match(rest)
            if note:
                rest = _(
                    "(Haven's trained model read this in context. The words that counted most: %(words)s.)",
                    words=note.group("words"),
                )
            return f"{_(base)} {rest}".strip()
    return text
