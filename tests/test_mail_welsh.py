"""Welsh mail (issue 16): the Welsh word list finds the cues, the quoted password and the verdict of a mass
bluff, a targeted threat, a school's warning and an ordinary family mail written in Welsh."""

from __future__ import annotations

import pytest

from haven.mail import NOT, SCAM, TARGETED, check_email
from haven.mail.language import LANGUAGES
from haven.mail.lexicon import lexicons

BLUFF = (
    "Helo. Rydw i wedi hacio dy gyfrifiadur ac wedi recordio fideo ohonot ti trwy dy we-gamera tra oeddet "
    "ti ar wefannau porn. Dy gyfrinair yw Draig2020. Tala 900 punt mewn bitcoin i'r waled hon: "
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq. Mae gen ti 48 awr, neu bydda i'n anfon y fideo at dy holl "
    "gysylltiadau. Paid â chysylltu â'r heddlu."
)
TARGETED_MAIL = (
    "Siân, cofio ein galwad fideo ar Snapchat? Mae gen i dy holl luniau. Dw i wedi ffeindio dy fam Eleri a "
    "dy ffrindiau yn Ysgol Glan Clwyd. Tala 300 punt erbyn heno neu bydda i'n eu rhannu nhw gyda phawb."
)
ADVISORY = (
    "Rhybudd gan yr ysgol: mae twyllwyr yn anfon negeseuon e-bost sy'n honni eu bod wedi eich ffilmio. "
    "Peidiwch â thalu ac adroddwch y neges."
)
ORDINARY = "Helo Dafydd, diolch am y swper neithiwr. Wela i ti ddydd Sadwrn yn y gêm. Cofion, Mam"


def _mail(body: str) -> bytes:
    return (
        "From: x <x@mail.example>\nTo: me@example.org\nSubject: neges\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def test_welsh_is_a_covered_language() -> None:
    assert "cy" in lexicons()
    assert "cy" in LANGUAGES


@pytest.mark.parametrize(
    ("body", "verdict"), [(BLUFF, SCAM), (TARGETED_MAIL, TARGETED), (ADVISORY, NOT), (ORDINARY, NOT)]
)
def test_welsh_verdicts(body: str, verdict: str) -> None:
    assert check_email(_mail(body)).verdict == verdict


@pytest.mark.parametrize(
    "phrase",
    [
        "Dy gyfrinair yw Draig2020.",
        "Eich cyfrinair chi yw Draig2020.",
        "Draig2020 yw dy gyfrinair.",
        "Rwyt ti'n defnyddio Draig2020 fel cyfrinair.",
        "Mae dy gyfrinair yn « Draig2020 ».",
    ],
)
def test_welsh_quoted_password(phrase: str) -> None:
    result = check_email(_mail(f"{phrase} Rydw i wedi hacio dy gyfrifiadur. Tala 500 punt mewn bitcoin."))
    assert result.quoted_password["value"] == "Draig2020"
