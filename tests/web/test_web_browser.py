"""The web app end to end in Debian's Chromium: every journey, one of them by keyboard only, axe on
every page, quick exit by button and by Shift x3, the no-JavaScript paths, and a second browser that
gets nothing. Screenshots of each page go to test-artifacts/web/."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import NEUTRAL, axe_check, offline, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "haven" / "importers" / "examples"
CHAT = EXAMPLES / "whatsapp" / "WhatsApp Chat with Sam.txt"
EMAIL = EXAMPLES / "email" / "threat.eml"
PHOTO = EXAMPLES / "images" / "photo.jpg"
PASSWORD = "blue kettle window"
BLUFF = """Subject: Your account is hacked

Hello. I hacked your computer and recorded you with your webcam while you watched adult videos.
Your password is hunter2. Pay 1500 USD in Bitcoin to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT within 48 hours.
If I do not get the payment, I will send the video to all your contacts. Do not reply to this email.
"""


@pytest.fixture(scope="module")
def ctx(browser, server):
    context = browser.new_context(accept_downloads=True)
    visits = offline(context, server.base)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page, visits
    context.close()


def check(page, name: str) -> None:
    """Every page: a screenshot, axe, one h1, the quick exit button and Cache-Control: no-store."""
    shot(page, name)
    axe_check(page, name)
    assert page.locator("h1").count() == 1, name
    assert page.get_by_role("button", name="Exit this page").count() == 1, name


def focused_text(page) -> str:
    return page.evaluate(
        """() => { const e = document.activeElement; if (!e) return '';
        const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
        return (e.innerText || label || e.value || '').trim(); }"""
    )


def tab_to(page, text: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if text in focused_text(page):
            return
    raise AssertionError(f"Tab never reached {text!r}")


def download(page, button: str, timeout: float = 180) -> object:
    """Click a download button; fail at once with the page's message if it shows an error instead."""
    got: list = []
    page.once("download", lambda d: got.append(d))
    page.get_by_role("button", name=button).click()
    end = time.monotonic() + timeout
    while not got and time.monotonic() < end:
        if page.locator(".error-summary").count():
            raise AssertionError(page.inner_text(".error-summary"))
        page.wait_for_timeout(200)
    assert got, f"no download from {button!r}"
    return got[0]


def test_a_second_browser_without_the_token_gets_nothing(browser, server):
    context = browser.new_context()
    offline(context, server.base)
    page = context.new_page()
    for path in ("/", "/home", "/help/plan", "/evidence", "/?token=wrong"):
        response = page.goto(server.base + path)
        assert response.status == 403
        body = page.inner_text("body")
        assert "not available" in body
        assert "Haven can help" not in body and "Exit this page" not in body
    shot(page, "00-forbidden")
    axe_check(page, "00-forbidden")
    context.close()


def test_start_and_home(ctx, server):
    page, _ = ctx
    response = page.goto(server.first_url)
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "token" not in page.url  # swapped for a cookie, and gone from the address bar
    assert "history" in page.inner_text("main").lower()
    check(page, "01-start")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/home")
    check(page, "02-home")


def test_guide_by_keyboard_only(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    tab_to(page, "Get help now")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help")
    check(page, "03-guide-intro")
    tab_to(page, "Start the questions")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/q/feeling")
    check(page, "04-guide-question")
    tab_to(page, "I am OK")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[value=thinking-of-self-harm]")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/urgent")
    urgent = page.locator("ul.urgent")  # the crisis steps are the page itself (no banner repeated)
    assert urgent.is_visible() and "999" in urgent.inner_text()
    assert page.locator("ul.urgent a[href^='tel:']").count() >= 1
    check(page, "05-guide-urgent")
    tab_to(page, "Carry on")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/q/age")
    tab_to(page, "How old are you?")
    page.keyboard.type("16")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/q/region")
    assert page.locator(".back-link").get_attribute("href") == "/help/q/age"
    tab_to(page, "Scotland")
    page.keyboard.press("Space")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/q/contact")
    for _ in range(10):  # skip every other question
        if "/help/q/" not in page.url:
            break
        tab_to(page, "Skip this question")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    page.wait_for_url("**/help/check")  # "Check your answers" before the plan
    assert "Scotland" in page.inner_text("main")
    tab_to(page, "Show my plan")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/plan")
    first = page.locator(".layer-now .step").first  # risk indicated: crisis help comes first
    assert first.is_visible() and "crisis" in (first.get_attribute("id") or "")
    assert page.locator(".layer-now .step").count() <= 3
    main = page.inner_text("main")
    assert "Childline" in main and "Breathing Space" in main  # under 18, in Scotland
    check(page, "06-guide-plan")


def test_guide_error_summary(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/help/q/age")
    page.fill("#answer", "sixteen")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "number" in summary.inner_text()
    page.wait_for_function("document.activeElement?.classList.contains('error-summary')")  # focused
    check(page, "07-guide-error")


def test_support(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/support")
    page.fill("#age", "30")
    page.select_option("#region", "england")
    page.get_by_role("button", name="Show help for me").click()
    page.wait_for_url("**/support")
    main = page.inner_text("main")
    assert "Childline" not in main  # not for adults
    assert "Revenge Porn Helpline" in main or "StopNCII" in main
    check(page, "08-support")


def test_privacy(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/privacy")
    assert str(server.home) in page.inner_text("main")
    check(page, "09-privacy")


def test_evidence_create_add_and_read(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/evidence")
    check(page, "10-evidence-start")
    page.fill("#name", "notes")
    page.fill("#new_passphrase", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#age", "30")
    page.get_by_role("button", name="Start my case").click()
    page.wait_for_url("**/evidence")
    assert "Your case: notes" in page.inner_text("h1")
    check(page, "11-evidence-case")
    page.get_by_role("link", name="Add files").first.click()
    page.wait_for_url("**/evidence/add")
    check(page, "12-evidence-add")
    page.set_input_files("#files", [str(CHAT), str(EMAIL)])
    assert "WhatsApp Chat with Sam.txt" in page.inner_text("[data-file-list]")
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_url("**/evidence/added")
    table = page.inner_text("table")
    assert "WhatsApp Chat with Sam.txt" in table and "threat.eml" in table
    assert "Problem" not in table
    check(page, "13-evidence-added")
    # nothing was left in the private scratch folder: uploads live in memory only
    run = server.home / "run"
    assert not run.exists() or not any(run.iterdir())
    page.goto(server.base + "/evidence/timeline")
    assert "send me one back" in page.inner_text("main")
    check(page, "14-evidence-timeline")
    page.goto(server.base + "/evidence/details")
    assert "sam.pay@example.com" in page.inner_text("main")
    check(page, "15-evidence-details")
    page.goto(server.base + "/evidence/flags")
    check(page, "16-evidence-flags")
    page.goto(server.base + "/evidence/files")
    assert "threat.eml" in page.inner_text("main")
    check(page, "17a-evidence-files")
    page.goto(server.base + "/evidence")
    page.get_by_role("button", name="Check my case").click()
    assert "Nothing in your case has been changed" in page.inner_text("[role=status]")
    check(page, "17b-evidence-checked")
    page.goto(server.base + "/evidence/notes")
    page.focus("#note")
    for key in ("Shift+KeyH", "Shift+KeyI", "Shift+KeyM"):  # typing capitals is not a quick exit
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url.endswith("/evidence/notes") and page.input_value("#note") == "HIM"
    page.fill("#note", "He first wrote to me on 14 March.")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_url("**/evidence/notes")
    assert "He first wrote to me on 14 March." in page.inner_text("main")
    check(page, "17-evidence-notes")


def test_report_download_and_verify(ctx, server, tmp_path):
    page, _ = ctx
    page.goto(server.base + "/report")
    check(page, "18-report")
    pdf = tmp_path / "report.pdf"
    download(page, "Download the report (PDF)").save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    package = tmp_path / "package.zip"
    download(page, "Download the full package (zip)").save_as(package)
    assert zipfile.is_zipfile(package)
    run = server.home / "run"
    assert not run.exists() or not any(p for p in run.iterdir() if p.suffix)
    page.set_input_files("#package", str(package))
    with page.expect_navigation(url="**/report?checked=*#check"):
        page.get_by_role("button", name="Check the package").click()
    assert "nothing was changed" in page.inner_text("[role=status]")
    check(page, "19-report-verified")
    # a changed package is caught
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(broken, "w") as dst:
        for info_ in src.infolist():
            data = src.read(info_)
            if info_.filename.endswith(".csv"):
                data += b"tampered\n"
            dst.writestr(info_, data)
    page.set_input_files("#package", str(broken))
    with page.expect_navigation(url="**/report?checked=*#check"):
        page.get_by_role("button", name="Check the package").click()
    assert "found a problem" in page.inner_text("[role=status]")


def test_protect(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/protect")
    check(page, "20-protect")
    page.fill("#age", "30")
    page.set_input_files("#files", str(PHOTO))
    page.get_by_role("button", name="Make the codes").click()
    page.wait_for_url("**/protect/done")
    number, pin = page.inner_text("#case-number"), page.inner_text("#pin")
    assert number.startswith("HVN-") and len(pin) == 9
    assert "StopNCII" in page.inner_text("main")  # adult
    check(page, "21-protect-done")
    page.reload()
    assert page.locator("#pin").count() == 0  # shown once
    assert pin not in page.inner_text("main")
    page.get_by_role("button", name="Go to my case").click()
    page.wait_for_url("**/protect/case")
    with page.expect_download() as info:
        page.get_by_role("button", name="Save the codes as a file").click()
    data = json.loads(Path(info.value.path()).read_text())
    assert data["case_number"] == number and data["hashes"][0]["pdq"]
    assert "photo.jpg" not in json.dumps(data)  # hashes only
    # Withdraw with the PIN, through the confirmation page.
    page.get_by_role("button", name="Stop this case").click()
    page.wait_for_url("**/protect/case/withdraw")
    page.fill("#pin", "000000000" if pin != "000000000" else "111111111")
    page.get_by_role("button", name="Yes, stop this case").click()
    assert page.locator(".error-summary, [role=alert]").count() >= 1  # wrong PIN: nothing changed
    page.fill("#pin", pin)
    page.get_by_role("button", name="Yes, stop this case").click()
    page.wait_for_url("**/protect/case")
    assert "Your case is stopped" in page.inner_text("main")
    # The record on disk is sealed: no PIN, case number, file name or hash in plain text.
    blobs = b"".join(f.read_bytes() for f in (server.home / "protect").rglob("*") if f.is_file())
    for secret in (pin, number, "photo.jpg", data["hashes"][0]["pdq"]):
        assert secret.encode() not in blobs


def test_email_check(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/email")
    check(page, "22-email")
    page.fill("#email", BLUFF)
    page.get_by_role("button", name="Check this email").click()
    page.wait_for_url("**/email/result")
    assert "scam" in page.inner_text("h1").lower()
    assert "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" in page.inner_text("main")
    check(page, "23-email-result")


def test_drag_and_drop_fills_the_file_input(ctx, server):
    page, _ = ctx
    page.goto(server.base + "/evidence/add")
    transfer = page.evaluate_handle(
        """() => { const dt = new DataTransfer();
        dt.items.add(new File(['14/03/2024, 21:03 - Sam Jones: hi'], 'dropped.txt', {type: 'text/plain'}));
        return dt; }"""
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    assert "dropped.txt" in page.inner_text("[data-file-list]")
    assert page.evaluate("document.querySelector('#files').files.length") == 1


def test_quick_exit_button_locks_everything(ctx, server, browser):
    page, visits = ctx
    page.goto(server.base + "/evidence")
    assert "Your case: notes" in page.inner_text("h1")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(NEUTRAL)
    assert visits
    new_base, new_token = server.next_url("quick exit")
    # the old cookie gets nothing now
    response = page.goto(server.base + "/evidence")
    assert response.status == 403
    page.go_back()
    assert "Your case" not in page.content()
    # the new address works, and the case must be unlocked again
    page.goto(f"{new_base}/?token={new_token}")
    page.goto(server.base + "/evidence")
    assert page.locator("#passphrase").count() == 1
    page.fill("#passphrase", "wrong password")
    page.get_by_role("button", name="Open my case").click()
    assert "does not open" in page.inner_text(".error-summary")
    check(page, "24-evidence-wrong-password")
    page.fill("#passphrase", PASSWORD)
    page.get_by_role("button", name="Open my case").click()
    page.wait_for_url("**/evidence")
    assert "Your case: notes" in page.inner_text("h1")


def test_quick_exit_by_shift_three_times(ctx, server):
    page, visits = ctx
    page.goto(server.base + "/evidence/timeline")
    before = len(visits)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL)
    assert len(visits) > before
    new_base, new_token = server.next_url("quick exit")
    assert page.goto(server.base + "/evidence/timeline").status == 403
    page.goto(f"{new_base}/?token={new_token}")
    page.goto(server.base + "/evidence")
    assert page.locator("#passphrase").count() == 1  # locked


def test_no_js_journey(browser, server, ctx):
    # The spare address the terminal shows moves the session to this browser (the case locks).
    base, token = server.latest_url("again")
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    visits = offline(context, base)
    page = context.new_page()
    page.goto(f"{base}/?token={token}")
    assert ctx[0].goto(server.base + "/home").status == 403  # the other browser is out now
    page.goto(base + "/help/q/feeling")
    page.check("input[value=ok]")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/help/q/age")
    page.get_by_role("button", name="Skip this question").click()
    page.wait_for_url("**/help/q/region")
    page.goto(base + "/evidence")
    page.fill("#passphrase", PASSWORD)
    page.get_by_role("button", name="Open my case").click()
    page.wait_for_url("**/evidence")
    page.goto(base + "/evidence/add")
    page.set_input_files(
        "#files",
        [
            {
                "name": "extra.txt",
                "mimeType": "text/plain",
                "buffer": b"14/03/2024, 22:00 - Sam Jones: pay now",
            }
        ],
    )
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_url("**/evidence/added")
    assert "extra.txt" in page.inner_text("table")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(NEUTRAL)
    assert visits
    assert page.goto(base + "/evidence").status == 403
    context.close()
