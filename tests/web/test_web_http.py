"""The web app over plain HTTP (in-process, Starlette's TestClient): who may come in, security headers,
CSRF on every form, quick exit and auto-lock without JavaScript, and the ``haven serve`` command."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from haven.web import Settings, create_app
from haven.web.state import IdleLocker

from .conftest import PAGES, POSTS, csrf, make, new_case


# -- who may come in ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
def test_no_token_gets_nothing(anon, path):
    client, _ = anon
    r = client.get(path)
    assert r.status_code == 403
    assert "not available" in r.text
    for word in ("Haven", "case", "Exit this page", "csrf"):
        assert word not in r.text


def test_token_swapped_for_a_strict_httponly_cookie_once(anon, tmp_path):
    client, app = anon
    token = app.state.session.launch_token
    assert client.get("/?token=wrong").status_code == 403
    r = client.get(f"/help?token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/help"  # token gone from the address
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "haven_session_5555=" in cookie
    assert client.get("/home").status_code == 200
    other = TestClient(app, base_url="http://127.0.0.1")  # a second browser with the same address
    assert other.get(f"/?token={token}").status_code == 403
    assert other.get("/home").status_code == 403


def test_the_spare_address_moves_the_session_and_locks_the_case(tmp_path):
    printed: list[tuple[str, str]] = []
    app = create_app(
        Settings(home=tmp_path / "home"),
        port=5555,
        on_new_link=lambda token, why: printed.append((token, why)),
    )
    first = TestClient(app, base_url="http://127.0.0.1")
    first.get(f"/?token={app.state.session.launch_token}")
    assert printed and printed[-1][1] == "again"
    new_case(first, app)
    second = TestClient(app, base_url="http://127.0.0.1")
    assert second.get(f"/?token={printed[-1][0]}").status_code == 200
    assert app.state.session.vault is None  # must be unlocked again in the new browser
    assert first.get("/home").status_code == 403  # one browser at a time


def test_other_host_names_are_refused(client):
    c, _ = client
    assert c.get("/home", headers={"host": "evil.example:5555"}).status_code == 403


# -- headers, forms and CSRF ------------------------------------------------------------------------
class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a:
            self.problems.append(f"inline style on <{tag}>")
        if any(k.startswith("on") for k in a):
            self.problems.append(f"inline handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not a.get("src"):
            self.problems.append("inline <script>")
        for key in ("src", "action"):
            if a.get(key, "").startswith(("http:", "https:", "//")) and tag != "form":
                self.problems.append(f"external {key} {a[key]}")
        href = a.get("href", "")
        if href.startswith(("http:", "//")):
            self.problems.append(f"plain-http or scheme-less link {href}")
        if href.startswith("https:") and ("noreferrer" not in (a.get("rel") or "") or tag != "a"):
            self.problems.append(f"outside link without rel=noreferrer {href}")  # the person's own choice
        if tag == "form":
            self.forms.append({"method": a.get("method"), "action": a.get("action"), "csrf": False})
        if tag == "input" and a.get("name") == "csrf" and a.get("value") and self.forms:
            self.forms[-1]["csrf"] = True
        if tag == "input" and a.get("name") == "csrf" and a.get("value") and not self.forms:
            self.problems.append("csrf outside a form")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_strict_headers_no_inline_code_and_csrf_on_every_form(client, path):
    c, app = client
    r = c.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'self'") and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    scan = _Scan()
    scan.feed(r.text)
    assert not scan.problems, scan.problems
    assert scan.forms, "every page has at least the quick exit form"
    for form in scan.forms:
        assert form["method"] == "post" and form["csrf"], form
    assert csrf(app) in r.text


def test_headers_on_refusals_and_static_files(anon):
    c, _ = anon
    for r in (c.get("/home"), c.get("/static/haven.css"), c.get("/static/haven.js")):
        assert r.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("path", POSTS)
def test_posts_without_csrf_are_refused(client, path):
    c, app = client
    before = dict(app.state.session.answers)
    r = c.post(path, data={"age": "15", "answer": "15", "note": "x", "name": "x", "csrf": "forged"})
    assert r.status_code == 403 and "nothing was changed" in r.text.lower()
    r = c.post(path, files={"files": ("a.txt", b"hello", "text/plain")}, data={"csrf": "forged"})
    assert r.status_code == 403
    assert app.state.session.answers == before
    assert not (Path(app.state.settings.home) / "cases").exists()


# -- quick exit and locking --------------------------------------------------------------------------
def test_quick_exit_without_javascript_locks_and_ends_the_session(client):
    c, app = client
    new_case(c, app)
    c.post("/help/q/age", data={"csrf": csrf(app), "answer": "20"})
    old_token = "unused"
    r = c.post("/exit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "https://www.bbc.co.uk/weather"
    session = app.state.session
    assert session.vault is None and session.answers == {} and session.session_id is None
    assert session.launch_token and session.launch_token != old_token
    assert c.get("/evidence").status_code == 403  # the old cookie gets nothing
    r = c.get(f"/?token={session.launch_token}")
    assert r.status_code == 200
    assert 'id="passphrase"' in c.get("/evidence").text  # the case must be unlocked again


def test_exit_from_elsewhere_sends_away_but_cannot_end_the_session(client):
    c, app = client
    new_case(c, app)
    stranger = TestClient(app, base_url="http://127.0.0.1")
    r = stranger.post("/exit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "https://www.bbc.co.uk/weather"
    assert app.state.session.vault is not None and c.get("/home").status_code == 200


def test_auto_lock_after_inactivity(tmp_path):
    c, app = make(tmp_path, lock_after=0.3)
    c.get(f"/?token={app.state.session.launch_token}")
    new_case(c, app)
    locker = IdleLocker(app.state.session)
    locker.start()
    try:
        deadline = time.monotonic() + 10
        while app.state.session.vault is not None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        locker.stop()
    assert app.state.session.vault is None  # dropped with no request at all
    assert 'id="passphrase"' in c.get("/evidence").text


# -- the command ------------------------------------------------------------------------------------
def test_serve_only_listens_on_loopback():
    from typer.testing import CliRunner

    from haven.cli.main import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2 and "127.0.0.1" in result.output


def test_browser_is_not_opened_in_ci_or_without_a_display(monkeypatch):
    from haven.web.server import should_open_browser

    monkeypatch.setenv("CI", "true")
    assert not should_open_browser(False)
    monkeypatch.delenv("CI")
    monkeypatch.setenv("DISPLAY", ":0")
    assert should_open_browser(False) and not should_open_browser(True)
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not should_open_browser(False)


def test_the_readme_run_command_starts_this_app():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "haven serve" in run
    from typer.testing import CliRunner

    from haven.cli.main import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--no-browser" in result.output and "--port" in result.output
