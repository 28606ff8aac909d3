"""The web app over plain HTTP (in-process, Starlette's TestClient): who may come in, security headers,
CSRF, quick exit and auto-lock, uploads that never touch the disk, and every journey without JavaScript."""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from haven.web import Settings, create_app
from haven.web.state import IdleLocker

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "haven" / "importers" / "examples"
CHAT = EXAMPLES / "whatsapp" / "WhatsApp Chat with Sam.txt"
PHOTO = EXAMPLES / "images" / "photo.jpg"
PASSWORD = "blue kettle window"
PAGES = [
    "/",
    "/home",
    "/help",
    "/help/q/feeling",
    "/help/q/age",
    "/help/urgent",
    "/help/plan",
    "/support",
    "/privacy",
    "/evidence",
    "/protect",
    "/email",
    "/report",
]
POSTS = [
    "/support",
    "/help/q/age",
    "/help/restart",
    "/evidence/open",
    "/evidence/create",
    "/evidence/notes",
    "/evidence/add",
    "/lock",
    "/protect",
    "/protect/export",
    "/email",
    "/report/pdf",
    "/report/package",
    "/report/verify",
    "/email/keep",
]


def make(tmp_path: Path, lock_after: float = 600) -> tuple[TestClient, object]:
    app = create_app(Settings(home=tmp_path / "home", lock_after=lock_after), port=5555)
    return TestClient(app, base_url="http://127.0.0.1"), app


@pytest.fixture
def anon(tmp_path):
    client, app = make(tmp_path)
    return client, app


@pytest.fixture
def client(anon):
    client, app = anon
    r = client.get(f"/?token={app.state.session.launch_token}", follow_redirects=False)
    assert r.status_code == 303
    return client, app


def csrf(app) -> str:
    return app.state.session.csrf


def new_case(client, app, name="notes", age="") -> None:
    r = client.post(
        "/evidence/create",
        data={"csrf": csrf(app), "name": name, "new_passphrase": PASSWORD, "confirm": PASSWORD, "age": age},
    )
    assert r.status_code == 200 and "Your case: " + name in r.text


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
        for key in ("src", "href", "action"):
            if a.get(key, "").startswith(("http:", "https:", "//")) and tag != "form":
                self.problems.append(f"external {key} {a[key]}")
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


# -- the guide without JavaScript --------------------------------------------------------------------
def test_guide_questions_skip_back_and_plan(client):
    c, app = client
    r = c.post("/help/q/feeling", data={"csrf": csrf(app), "answer": "thinking-of-self-harm"})
    assert str(r.url).endswith("/help/urgent") and 'class="crisis"' in r.text
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "sixteen"})
    assert r.status_code == 400 and "error-summary" in r.text and 'href="#answer"' in r.text
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "16"})
    assert str(r.url).endswith("/help/q/region") and 'href="/help/q/age"' in r.text  # back link
    r = c.post("/help/q/region", data={"csrf": csrf(app), "skip": "1"})
    assert str(r.url).endswith("/help/q/contact")
    r = c.post("/help/q/paid", data={"csrf": csrf(app), "answer": "no"})
    assert str(r.url).endswith("/help/q/demands")  # "how did you pay" is only asked after a payment
    r = c.post("/help/q/paid", data={"csrf": csrf(app), "answer": "yes-not-collected"})
    assert str(r.url).endswith("/help/q/payment_method")
    r = c.get("/help/plan")
    assert "Childline" in r.text and 'class="crisis"' in r.text
    assert app.state.session.answers["age"] == 16
    r = c.post("/help/restart", data={"csrf": csrf(app)})
    assert app.state.session.answers == {} and 'class="crisis"' not in r.text


def test_support_filters_by_age_and_region(client):
    c, app = client
    r = c.post("/support", data={"csrf": csrf(app), "age": "15", "region": "scotland"})
    assert "Childline" in r.text and "Breathing Space" in r.text
    r = c.post("/support", data={"csrf": csrf(app), "age": "40", "region": "england"})
    assert "Childline" not in r.text and "Breathing Space" not in r.text
    r = c.post("/support", data={"csrf": csrf(app), "age": "old", "region": "england"})
    assert r.status_code == 400 and "error-summary" in r.text


# -- evidence ----------------------------------------------------------------------------------------
def test_uploads_stream_into_the_vault_without_temp_files(client, monkeypatch):
    c, app = client
    new_case(c, app)

    def refuse(*args, **kwargs):
        raise AssertionError("an upload must not be spooled to a temporary file")

    for name in ("SpooledTemporaryFile", "NamedTemporaryFile", "TemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    big = CHAT.read_bytes() + b"".join(
        f"15/03/2024, 10:{i % 60:02d} - Sam Jones: message number {i} {'x' * 40}\n".encode()
        for i in range(40000)
    )
    assert len(big) > 2 * 1024 * 1024  # well over Starlette's 1 MB spooling threshold
    r = c.post(
        "/evidence/add", data={"csrf": csrf(app)}, files={"files": ("WhatsApp Chat with Sam.txt", big)}
    )
    assert str(r.url).endswith("/evidence/added") and "Problem" not in r.text
    vault = app.state.session.vault
    items = vault.items()
    assert [i.sha256 for i in items] == [hashlib.sha256(big).hexdigest()]
    assert vault.read_item(items[0].id) == big
    assert vault.message_count() > 40000
    assert any(e.action == "web-upload" for e in vault.ledger())
    run = app.state.settings.run_dir
    assert not any(run.iterdir())  # the links to the in-memory copies are gone


def test_upload_limit_is_a_clear_message(client):
    c, app = client
    new_case(c, app)
    app.state.settings.max_upload = 1000
    r = c.post("/evidence/add", data={"csrf": csrf(app)}, files={"files": ("a.txt", b"x" * 5000)})
    assert r.status_code == 400 and "too much" in r.text
    assert app.state.session.vault.items() == []


def test_case_pages_notes_and_wrong_passphrase(client):
    c, app = client
    new_case(c, app)
    c.post("/evidence/add", data={"csrf": csrf(app)}, files={"files": (CHAT.name, CHAT.read_bytes())})
    assert "send me one back" in c.get("/evidence/timeline").text
    assert c.get("/evidence/details").status_code == 200
    assert c.get("/evidence/flags").status_code == 200
    r = c.post("/evidence/notes", data={"csrf": csrf(app), "note": "First contact on 14 March."})
    assert "First contact on 14 March." in r.text
    r = c.post("/lock", data={"csrf": csrf(app)})
    assert app.state.session.vault is None and 'id="passphrase"' in r.text
    assert 'id="passphrase"' in c.get("/evidence/timeline").text  # locked pages send you to unlock
    r = c.post("/evidence/open", data={"csrf": csrf(app), "case": "notes", "passphrase": "nope"})
    assert r.status_code == 400 and "does not open" in r.text and app.state.session.vault is None
    r = c.post("/evidence/open", data={"csrf": csrf(app), "case": "notes", "passphrase": PASSWORD})
    assert "Your case: notes" in r.text
    assert "First contact on 14 March." in c.get("/evidence/notes").text


def test_minor_intimate_image_is_never_kept(client):
    c, app = client
    new_case(c, app, name="mine", age="15")
    r = c.post(
        "/evidence/add",
        data={"csrf": csrf(app), "intimate": "yes"},
        files={"files": ("photo.jpg", PHOTO.read_bytes(), "image/jpeg")},
    )
    assert r.status_code == 200
    [item] = app.state.session.vault.items()
    assert item.intimate and not item.stored
    assert item.sha256 == hashlib.sha256(PHOTO.read_bytes()).hexdigest()


def test_create_case_errors_keep_what_was_typed(client):
    c, app = client
    r = c.post(
        "/evidence/create",
        data={"csrf": csrf(app), "name": "../x", "new_passphrase": "short", "confirm": "other", "age": "ten"},
    )
    assert r.status_code == 400
    for field in ("#name", "#new_passphrase", "#age"):
        assert f'href="{field}"' in r.text
    assert not (app.state.settings.cases_dir / "x").exists()


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


# -- protect, email, report ---------------------------------------------------------------------------
def test_protect_pin_shown_once_and_export_is_hashes_only(client):
    c, app = client
    r = c.post(
        "/protect",
        data={"csrf": csrf(app), "age": "15"},
        files={"files": ("photo.jpg", PHOTO.read_bytes(), "image/jpeg")},
    )
    pin = re.search(r'id="pin">([0-9-]+)<', r.text).group(1)
    number = re.search(r'id="case-number">([A-Z0-9-]+)<', r.text).group(1)
    assert "Take It Down" in r.text and "StopNCII" not in r.text  # under 18
    again = c.get("/protect/done").text
    assert pin not in again and number in again
    r = c.post("/protect/export", data={"csrf": csrf(app), "case": number})
    data = r.json()
    assert r.headers["content-disposition"].startswith("attachment")
    assert data["case_number"] == number and len(data["hashes"]) == 1 and data["hashes"][0]["pdq"]
    assert "photo" not in r.text and str(app.state.settings.home) not in r.text
    assert not any(app.state.settings.run_dir.iterdir())


def test_email_check_paste_and_file(client):
    c, app = client
    bluff = (
        "I recorded you with your webcam. Pay 1500 USD in Bitcoin to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT "
        "in 48 hours or I send the video to all your contacts."
    )
    r = c.post("/email", data={"csrf": csrf(app), "email": bluff}, files={"file": ("", b"")})
    assert str(r.url).endswith("/email/result") and "scam" in r.text.lower()
    eml = (EXAMPLES / "email" / "threat.eml").read_bytes()
    r = c.post("/email", data={"csrf": csrf(app), "email": ""}, files={"file": ("threat.eml", eml)})
    assert str(r.url).endswith("/email/result")
    r = c.post("/email", data={"csrf": csrf(app), "email": " "}, files={"file": ("", b"")})
    assert r.status_code == 400 and "error-summary" in r.text


def test_a_checked_email_can_be_kept_in_the_case(client):
    c, app = client
    eml = (EXAMPLES / "email" / "threat.eml").read_bytes()
    r = c.post("/email", data={"csrf": csrf(app), "email": ""}, files={"file": ("threat.eml", eml)})
    assert "Open my case to keep this email" in r.text
    new_case(c, app)
    r = c.get("/email/result")
    assert "Add this email to my case" in r.text
    r = c.post("/email/keep", data={"csrf": csrf(app)})
    assert str(r.url).endswith("/evidence/added") and "threat.eml" in r.text
    vault = app.state.session.vault
    assert hashlib.sha256(eml).hexdigest() in {i.sha256 for i in vault.items()}
    assert vault.message_count() == 1


def test_report_needs_an_open_case_and_verify_reports_bad_files(client):
    c, app = client
    r = c.post("/report/pdf", data={"csrf": csrf(app)})
    assert str(r.url).endswith("/evidence")
    r = c.post("/report/verify", data={"csrf": csrf(app)}, files={"package": ("p.zip", b"not a zip")})
    assert "found a problem" in r.text
    new_case(c, app)
    r = c.post("/report/pdf", data={"csrf": csrf(app)})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert not any(p for p in app.state.settings.run_dir.iterdir())


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
