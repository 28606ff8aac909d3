"""Welsh: every marked string has a Welsh version, Welsh pages say lang="cy", and no English string from
the catalogue is left on a Welsh page. Translations are ready for review by a Welsh speaker."""

from __future__ import annotations

import re

import pytest

from haven.web import catalogue, i18n

from .conftest import PAGES, csrf

MIN_LEN = 12  # short words ("PIN", "Status") can be the same in both languages


def test_every_victim_facing_string_has_welsh():
    assert "cy" in i18n.languages()
    assert catalogue.missing("cy") == []


def test_placeholders_survive_translation():
    for m in i18n.catalogue("cy"):
        if m.id and isinstance(m.id, str):
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id


def _english_strings() -> list[str]:
    cy = {m.id: m.string for m in i18n.catalogue("cy") if m.id}
    return [
        k
        for k in catalogue.msgids(catalogue.extract())
        if len(k) >= MIN_LEN and cy.get(k) != k and "%(" not in k
    ]


@pytest.mark.parametrize(
    "path", [p for p in PAGES if p != "/"] + ["/", "/help/check", "/protect/case", "/nope"]
)
def test_welsh_pages_have_no_english_catalogue_strings(client, path):
    c, _ = client
    r = c.get(path + ("&" if "?" in path else "?") + "lang=cy")
    assert 'lang="cy"' in r.text
    assert 'hreflang="en"' in r.text  # the switch back is on every page
    left = [s for s in _english_strings() if s in r.text]
    assert not left, left


def test_language_is_remembered_and_switches_back(client):
    c, app = client
    c.get("/home?lang=cy")
    assert "Pobl sy'n gallu eich helpu" in c.get("/support").text
    r = c.post("/support", data={"csrf": csrf(app), "age": "x"})
    assert "Teipiwch eich oed fel rhif" in r.text  # route messages too
    assert 'lang="en-GB"' in c.get("/home?lang=en").text
