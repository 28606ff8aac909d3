"""Every journey over plain HTTP without JavaScript (in-process): the guide, support, the evidence vault
(uploads streamed into it, never spooled to disk), protect, the email check and the report."""

from __future__ import annotations

import hashlib
import re
import tempfile
import time

from fastapi.testclient import TestClient

from .conftest import CHAT, EXAMPLES, PASSWORD, PHOTO, csrf, new_case


# -- the guide without JavaScript --------------------------------------------------------------------
def test_guide_questions_skip_back_and_plan(client):
    c, app = client
    r = c.post("/help/q/feeling", data={"csrf": csrf(app), "answer": "thinking-of-self-harm"})
    assert str(r.url).endswith("/help/urgent")
    assert 'href="tel:116123"' in r.text and 'href="sms:85258"' in r.text
    assert 'class="crisis"' not in r.text  # the page itself is the crisis help: not repeated in a banner
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "sixteen"})
    assert r.status_code == 400 and "error-summary" in r.text and 'href="#answer"' in r.text
    assert "Question 2 of" in r.text
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "16"})
    assert str(r.url).endswith("/help/q/region") and 'href="/help/q/age"' in r.text  # back link
    r = c.post("/help/q/region", data={"csrf": csrf(app), "skip": "1"})
    assert str(r.url).endswith("/help/q/contact")
    r = c.post("/help/q/paid", data={"csrf": csrf(app), "answer": "no"})
    assert str(r.url).endswith("/help/q/demands")  # "how did you pay" is only asked after a payment
    r = c.post("/help/q/paid", data={"csrf": csrf(app), "answer": "yes-not-collected"})
    assert str(r.url).endswith("/help/q/payment_method")
    r = c.get("/help/check")
    assert "Check your answers" in r.text and 'href="/help/q/age?then=check"' in r.text
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "15", "then": "check"})
    assert str(r.url).endswith("/help/check")  # a changed answer goes back to the check page
    r = c.post("/help/q/age", data={"csrf": csrf(app), "answer": "16", "then": "check"})
    r = c.get("/help/plan")
    assert "Childline" in r.text and "Do this now" in r.text
    now = r.text.split('id="now-title"')[1].split("</section>")[0]
    assert now.count('class="step"') <= 3 and "step-crisis-call-" in now  # crisis first when at risk
    assert c.get("/home").text.count('class="crisis"') == 1  # other pages keep the crisis banner
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
        f"15/03/2024, 10:{i % 60:02d} - Sam Jones: message number {i} {'x' * 60}\n".encode()
        for i in range(15000)
    )
    assert len(big) > 1.3 * 1024 * 1024  # over Starlette's 1 MB spooling threshold
    r = c.post(
        "/evidence/add", data={"csrf": csrf(app)}, files={"files": ("WhatsApp Chat with Sam.txt", big)}
    )
    deadline = time.monotonic() + 300
    while "/evidence/jobs/" in str(r.url):  # a slow machine: the import went on as a background job
        job = c.get(str(r.url) + ".json").json()
        if job["state"] != "running" or time.monotonic() > deadline:
            r = c.get(str(r.url))  # a finished import's status page leads to what was added
            break
        time.sleep(0.5)
    assert str(r.url).endswith("/evidence/added") and "Problem" not in r.text
    vault = app.state.session.vault
    items = vault.items()
    assert [i.sha256 for i in items] == [hashlib.sha256(big).hexdigest()]
    assert vault.read_item(items[0].id) == big
    assert vault.message_count() > 15000
    assert any(e.action == "web-upload" for e in vault.ledger())
    progress = c.get("/evidence/progress").json()  # what the page's script polls during an import
    assert progress == {
        "active": False,
        "done": len(big),
        "total": len(big),
        "name": "WhatsApp Chat with Sam.txt",
    }
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


def test_mark_intimate_for_a_minor_drops_the_copy_and_check_my_case(client):
    c, app = client
    new_case(c, app, name="kid", age="15")
    c.post("/evidence/add", data={"csrf": csrf(app)}, files={"files": ("photo.jpg", PHOTO.read_bytes())})
    [item] = app.state.session.vault.items()
    assert item.stored
    r = c.get("/evidence/files")
    assert "photo.jpg" in r.text and "<img" not in r.text
    # A direct POST without the "Are you sure?" page's answer changes nothing: it shows that page.
    r = c.post("/evidence/intimate", data={"csrf": csrf(app), "item": item.id})
    assert "Mark this as a nude picture?" in r.text and "cannot be undone" in r.text
    assert app.state.session.vault.get_item(item.id).stored
    r = c.post("/evidence/intimate", data={"csrf": csrf(app), "item": item.id, "confirm": "yes"})
    assert "Marked" in r.text
    item = app.state.session.vault.get_item(item.id)
    assert item.intimate and not item.stored
    r = c.post("/evidence/verify", data={"csrf": csrf(app)})
    assert "Nothing in your case has been changed" in r.text


def test_my_names_mark_my_own_messages(client):
    c, app = client
    new_case(c, app)
    c.post("/evidence/add", data={"csrf": csrf(app)}, files={"files": (CHAT.name, CHAT.read_bytes())})
    r = c.post("/evidence/me", data={"csrf": csrf(app), "me": "Me, 07700 900123"})
    assert "Saved. Your names: Me, 07700 900123." in r.text
    vault = app.state.session.vault
    assert vault.case.me == ["Me", "07700 900123"]
    mine = [m for m in vault.messages() if m.from_me]
    assert mine and all(m.sender == "Me" for m in mine)
    assert r.text.count("message-me") == 0  # (the case page itself lists no messages)
    timeline = c.get("/evidence/timeline").text
    assert timeline.count('class="message message-me') == len(mine)


def test_create_case_errors_keep_what_was_typed(client):
    c, app = client
    r = c.post(
        "/evidence/create",
        data={"csrf": csrf(app), "name": "../x", "new_passphrase": "short", "confirm": "other", "age": "ten"},
    )
    assert r.status_code == 400
    for field in ("name", "new_passphrase", "age"):
        assert f'href="#{field}"' in r.text  # in the error summary
        assert f'id="{field}-error"' in r.text  # and next to the field itself
    assert not (app.state.settings.cases_dir / "x").exists()


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
    r = c.post("/protect/export", data={"csrf": csrf(app)})
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


def test_a_busy_or_broken_step_is_a_calm_page_not_a_crash(client, monkeypatch):
    from haven.core.errors import HavenError

    c, app = client
    new_case(c, app)
    vault = app.state.session.vault

    def busy(*args, **kwargs):
        raise HavenError("The case is busy: another Haven window is changing it.")

    monkeypatch.setattr(vault, "add_note", busy)
    r = c.post("/evidence/notes", data={"csrf": csrf(app), "note": "hello"})
    assert r.status_code == 400 and "The case is busy" in r.text and "Nothing was lost" in r.text

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(vault, "notes", crash)
    client_no_raise = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    client_no_raise.cookies = c.cookies
    r = client_no_raise.get("/evidence/notes")
    assert r.status_code == 500 and "Nothing was lost" in r.text and "boom" not in r.text
    assert r.headers["cache-control"] == "no-store"


def test_upload_lets_the_person_choose_the_date_order(client):
    """As ``haven case import --date-order``: a chat whose own dates cannot settle day and month is read
    the way the person picks on the upload page."""
    c, app = client
    new_case(c, app, name="dates")
    page_html = c.get("/evidence/add").text
    assert 'name="date_order"' in page_html and "Month first" in page_html
    chat = b"03/04/2024, 21:03 - Sam Jones: hi\n03/04/2024, 21:05 - Sam Jones: pay now\n"
    r = c.post(
        "/evidence/add",
        data={"csrf": csrf(app), "date_order": "mdy"},
        files={"files": ("WhatsApp Chat with Sam.txt", chat, "text/plain")},
    )
    assert r.status_code == 200, r.text
    timeline = c.get("/evidence/timeline").text
    assert "4 Mar 2024" in timeline and "3 Apr 2024" not in timeline
    assert "Dates: month first, like 03/14, as you chose." in timeline
    assert "Etc/UTC" not in timeline and "local time in" not in timeline
