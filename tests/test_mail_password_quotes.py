"""A quoted password comes out without its quote marks, whatever quotes the language uses."""

from __future__ import annotations

import pytest

from haven.mail.details import find_password
from haven.mail.normalize import normalize


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ('I know your password is "Summer2019!" and I have your webcam.', "Summer2019!"),
        ("I know your password is \u201cSummer2019!\u201d and I have your webcam.", "Summer2019!"),
        ("Je connais votre mot de passe : \u00abSoleil2020\u00bb, j'ai tout vu.", "Soleil2020"),
        ("Ich kenne Ihr Passwort: \u201eSonne2021!\u201c und alles andere.", "Sonne2021!"),
        ("I know that hunter22 is your password.", "hunter22"),
        # spaced quotes, and the phrasings of each language
        ("Je connais votre mot de passe : \u00ab Soleil2020 \u00bb, j'ai tout vu.", "Soleil2020"),
        ("Votre mot de passe \u00e9tait \u00ab\u00a0Marseille13\u00a0\u00bb.", "Marseille13"),
        ("Ton mdp : lapin1999 , je le connais.", "lapin1999"),
        ("\u00ab Soleil2020 \u00bb est votre mot de passe.", "Soleil2020"),
        ('Your old password was " qwerty123 " and I used it.', "qwerty123"),
        ("You use dragon2020 as your password on every site.", "dragon2020"),
        ("I know your password (Liverpool#1) and much more.", "Liverpool#1"),
        ("One of your passwords is: Tr0ub4dor", "Tr0ub4dor"),
        ("Ihr Kennwort lautete \u201e Schatz2018 \u201c, ich habe alles.", "Schatz2018"),
        ("Sie benutzen Bayern1900 als Passwort.", "Bayern1900"),
        ("Tu contrase\u00f1a era \u00ab Madrid2017 \u00bb y la conozco.", "Madrid2017"),
        ("Usas toledo77 como contrase\u00f1a en todas partes.", "toledo77"),
        ("Sua senha \u00e9 \u201c flamengo81 \u201d, eu sei.", "flamengo81"),
        ("Voc\u00ea usa saudade22 como senha.", "saudade22"),
        ("flamengo81 era a sua senha antiga.", "flamengo81"),
    ],
)
def test_quoted_password_without_its_quotes(text: str, password: str) -> None:
    found = find_password(normalize(text))
    assert found is not None, text
    assert found.value == password


@pytest.mark.parametrize(
    "text",
    [
        "Your password is not strong enough, please change it.",
        "Votre mot de passe a expiré.",
        "Ihr Passwort wurde geändert.",
        "Sua senha foi alterada com sucesso.",
    ],
)
def test_no_password_in_ordinary_account_mail(text: str) -> None:
    found = find_password(normalize(text))
    assert found is None, (text, found)


PHRASINGS = [
    "Your password is hunter22.",
    "I know your password: hunter22",
    "hunter22 is one of your passwords.",
    "Your password 'hunter22' was leaked.",
    "Password used: hunter22",
    "your pass: hunter22",
    "Your current password is hunter22",
    "you used hunter22 as a password",
    "Ihr Passwort lautet hunter22",
    "Du benutzt hunter22 als Passwort",
    "hunter22 est votre mot de passe",
    "tu utilises hunter22 comme mot de passe",
    "Usas hunter22 como contraseña",
    "Você usa hunter22 como senha",
    "Usi hunter22 come password",
    "Conosco la tua password: hunter22",
    "La tua vecchia password era hunter22",
    "Je gebruikt hunter22 als wachtwoord",
    "Ik ken je wachtwoord: hunter22",
    "Uw oude wachtwoord was hunter22",
    "Dy gyfrinair yw hunter22",
    "hunter22 yw eich cyfrinair",
]


@pytest.mark.parametrize("text", PHRASINGS)
def test_common_phrasings_in_every_language(text: str) -> None:
    found = find_password(normalize(text))
    assert found is not None and found.value == "hunter22"
