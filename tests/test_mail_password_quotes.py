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
    ],
)
def test_quoted_password_without_its_quotes(text: str, password: str) -> None:
    found = find_password(normalize(text))
    assert found is not None, text
    assert found.value == password
