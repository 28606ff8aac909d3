"""The words on every page: plain English (Flesch-Kincaid grade 6 or below, read per block of text,
with folder paths and web addresses read as "the folder" / "the site"), and never a word of blame."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from haven.web import Settings, create_app
from haven.web.render import env

MAX_GRADE = 6
BLOCKS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "label",
    "legend",
    "button",
    "a",
    "summary",
    "caption",
    "th",
    "td",
    "option",
    "span",
}
BLAME = [
    r"you should have",
    r"you should not have",
    r"why did you",
    r"how could you",
    r"\bstupid\b",
    r"\bfoolish\b",
    r"\bcareless\b",
    r"\bnaive\b",
    r"embarrassing",
    r"ashamed",
    r"never send",
    r"(?<!not )your (own )?fault",
]
_ADDRESS = re.compile(r"\S+@\S+\.\w+|(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?")


class _Text(HTMLParser):
    """Each block's own words as one sentence (a heading or a button has no full stop of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[str]] = [[]]
        self.blocks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "title"):
            self.skip += 1
        elif tag in BLOCKS:
            self.stack.append([])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "title"):
            self.skip -= 1
            if tag == "code":
                self.stack[-1].append(" the folder ")
        elif tag in BLOCKS and len(self.stack) > 1:
            words = " ".join("".join(self.stack.pop()).split())
            if words:
                self.blocks.append(words if words[-1] in ".?!:" else words + ".")

    def handle_data(self, data):
        if not self.skip:
            self.stack[-1].append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return _ADDRESS.sub("the site", " ".join(parser.blocks))


def _pages(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    app = create_app(Settings(home=home), port=5556)
    c = TestClient(app, base_url="http://127.0.0.1")
    c.get(f"/?token={app.state.session.launch_token}")
    csrf = app.state.session.csrf
    out = {}
    for path in (
        "/",
        "/home",
        "/help",
        "/help/q/feeling",
        "/help/q/age",
        "/help/urgent",
        "/support",
        "/privacy",
        "/evidence",
        "/protect",
        "/email",
        "/report",
    ):
        out[path] = c.get(path).text
    out["/support (error)"] = c.post("/support", data={"csrf": csrf, "age": "x"}).text
    c.post(
        "/evidence/create",
        data={"csrf": csrf, "name": "a", "new_passphrase": "abcdefghij", "confirm": "abcdefghij"},
    )
    for path in (
        "/evidence",
        "/evidence/add",
        "/evidence/timeline",
        "/evidence/details",
        "/evidence/flags",
        "/evidence/notes",
        "/report",
    ):
        out[path + " (open)"] = c.get(path).text
    chat = (
        Path(__file__).resolve().parents[2]
        / "src"
        / "haven"
        / "importers"
        / "examples"
        / "whatsapp"
        / "WhatsApp Chat with Sam.txt"
    )
    out["/evidence/added (a chat)"] = c.post(
        "/evidence/add", data={"csrf": csrf}, files={"files": (chat.name, chat.read_bytes())}
    ).text
    out["/help/check"] = c.get("/help/check").text
    out["forbidden.html"] = env().get_template("forbidden.html").render()
    out["expired.html"] = c.post("/help/restart", data={"csrf": "old"}).text
    out["/nope (404)"] = c.get("/nope").text
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return _pages(tmp_path_factory)


def test_every_page_reads_at_grade_6(pages, fk_grade):
    grades = {path: fk_grade(page_text(html)) for path, html in pages.items()}
    too_hard = {p: g for p, g in grades.items() if g > MAX_GRADE}
    assert not too_hard, too_hard


def test_no_page_blames(pages):
    for path, html in pages.items():
        text = page_text(html).lower()
        for pattern in BLAME:
            assert not re.search(pattern, text), f"{path}: {pattern}"


def test_the_text_extractor_sees_the_words(pages):
    text = page_text(pages["/"])
    assert "Haven can help you right now." in text and "Continue." in text
