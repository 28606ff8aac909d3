"""Phone first, no dead ends, and Welsh, in Debian's Chromium: at 320, 390 and 1280 px no page state
scrolls sideways (WCAG 1.4.10 Reflow); every title is plain text; phone numbers are ``tel:`` links and
text lines ``sms:`` links on the urgent, plan and support pages; the 404 and 405 pages carry the Exit
button and pass axe; each destructive step has its confirmation page (a direct POST that skips it changes
nothing); Welsh pages pass axe with ``lang="cy"``; and the whole journey works without JavaScript in
English and in Welsh."""

from __future__ import annotations

import html

import pytest

from haven.web import catalogue, i18n

from .conftest import CHAT, NEUTRAL, PHOTO, axe_check, offline, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (320, 390, 1280)
PASSWORD = "blue kettle window"
EMAIL = CHAT.parents[1] / "email" / "threat.eml"
BLUFF = (
    "Subject: Your account is hacked\n\nI recorded you with your webcam. Your password is hunter2. "
    "Pay 1500 USD in Bitcoin to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT within 48 hours, or I send the video "
    "to all your contacts.\n"
)


@pytest.fixture(scope="module")
def app_page(browser, server):
    """One browser with every kind of page state ready: a guide answered for a 15-year-old in Wales at
    risk, an open case (under 18) with a chat, an email and a photo, a checked email and a protect case."""
    context = browser.new_context(accept_downloads=True)
    offline(context, server.base)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.first_url)
    # The guide: at risk, 15, Wales; the rest skipped.
    page.goto(server.base + "/help/q/feeling")
    page.check("input[value=thinking-of-self-harm]")
    page.click("button[name=next]")
    page.wait_for_url("**/help/urgent")
    page.goto(server.base + "/help/q/age")
    page.fill("#answer", "15")
    page.click("button[name=next]")
    page.wait_for_url("**/help/q/region")
    page.check("input[value=wales]")
    page.click("button[name=next]")
    page.wait_for_url("**/help/q/contact")
    while "/help/q/" in page.url:
        with page.expect_navigation():
            page.click("button[name=skip]")
    # The case.
    page.goto(server.base + "/evidence")
    page.fill("#name", "notes")
    page.fill("#new_passphrase", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#age", "15")
    page.get_by_role("button", name="Start my case").click()
    page.wait_for_url("**/evidence")
    page.goto(server.base + "/evidence/add")
    page.set_input_files("#files", [str(CHAT), str(EMAIL), str(PHOTO)])
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_url("**/evidence/added", timeout=180_000)
    # A checked email, and a protect case.
    page.goto(server.base + "/email")
    page.fill("#email", BLUFF)
    page.get_by_role("button", name="Check this email").click()
    page.wait_for_url("**/email/result")
    page.goto(server.base + "/protect")
    page.fill("#age", "15")
    page.set_input_files("#files", str(PHOTO))
    page.get_by_role("button", name="Make the codes").click()
    page.wait_for_url("**/protect/done")
    pin = page.inner_text("#pin")
    page.get_by_role("button", name="Go to my case").click()
    page.wait_for_url("**/protect/case")
    yield page, pin
    context.close()


def _item_id(page, base: str) -> str:
    page.goto(base + "/evidence/files")
    href = page.locator("a[href^='/evidence/intimate/']").first.get_attribute("href")
    assert href
    return href.rsplit("/", 1)[-1]


def _states(page, base: str) -> list[str]:
    item = _item_id(page, base)
    return [
        "/",
        "/home",
        "/help",
        "/help/q/feeling",
        "/help/q/age",
        "/help/q/region",
        "/help/q/contact",
        "/help/q/platforms",
        "/help/q/images",
        "/help/q/paid",
        "/help/urgent",
        "/help/check",
        "/help/plan",
        "/support",
        "/privacy",
        "/evidence",
        "/evidence/add",
        "/evidence/added",
        "/evidence/timeline",
        "/evidence/details",
        "/evidence/flags",
        "/evidence/files",
        "/evidence/notes",
        f"/evidence/intimate/{item}",
        "/report",
        "/report/continuity",
        "/email",
        "/email/result",
        "/protect",
        "/protect/case",
        "/protect/case/withdraw",
        "/protect/case/delete",
        "/a/page/that/does/not/exist",
    ]


def _with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def _no_sideways_scroll(page, name: str) -> None:
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
    )
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[1], f"{name} scrolls sideways: {sizes}"


def _plain_title(page, name: str) -> None:
    title = page.title()
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or "no-token"
    assert title and "<" not in title and ">" not in title and "csrf" not in title.lower(), (name, title)
    assert csrf not in title and "{" not in title and "%(" not in title, (name, title)


def test_no_page_scrolls_sideways_and_every_title_is_plain(app_page, server):
    page, _ = app_page
    states = _states(page, server.base)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for lang in ("en", "cy"):
            for path in states:
                page.goto(server.base + _with_lang(path, lang))
                name = f"{width}px {lang} {path}"
                _no_sideways_scroll(page, name)
                _plain_title(page, name)
                assert page.locator("html").get_attribute("lang") == ("cy" if lang == "cy" else "en-GB")
        shot(page, f"phone-{width}-plan")  # the last page is the 404: show the plan as well
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(server.base + "/help/plan?lang=en")
    shot(page, "phone-390-plan")


def test_200_percent_zoom_reflows(app_page, server):
    """640 px at 200 % zoom is a 320 CSS px page: the same pages fit (checked with the device scale)."""
    page, _ = app_page
    page.set_viewport_size({"width": 640, "height": 800})
    page.evaluate("document.body.style.zoom = '200%'")
    for path in ("/help/plan", "/support", "/evidence/timeline", "/evidence/details", "/protect/case"):
        page.goto(server.base + path)
        page.evaluate("document.body.style.zoom = '200%'")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 640, (path, width)


def _links(page, prefix: str) -> list[str]:
    return page.eval_on_selector_all(
        f"main a[href^='{prefix}']", "els => els.map(e => e.getAttribute('href'))"
    )


def test_phone_numbers_and_text_lines_are_links(app_page, server):
    page, _ = app_page
    page.set_viewport_size({"width": 390, "height": 800})
    for lang in ("en", "cy"):
        page.goto(server.base + f"/help/urgent?lang={lang}")
        assert "tel:999" in _links(page, "tel:") and "sms:85258" in _links(page, "sms:")  # Shout 85258
        page.goto(server.base + f"/help/plan?lang={lang}")
        tel, sms = _links(page, "tel:"), _links(page, "sms:")
        assert {"tel:999", "tel:08001111", "tel:116123"} <= set(tel), tel  # 999, Childline, Samaritans
        assert "sms:85258" in sms and "sms:81066" in sms  # Shout, and CALL (Wales)
        page.goto(server.base + f"/support?lang={lang}")
        tel, sms = _links(page, "tel:"), _links(page, "sms:")
        assert "tel:08001111" in tel and "tel:08081640123" in tel  # Childline, Samaritans in Welsh
        assert "sms:85258" in sms and "sms:84001" in sms  # Shout, Meic
        # a long address is a link with a short text, never a line of text to retype
        long = page.locator("main a[href*='report-remove']")
        assert long.count() >= 1 and "info-advice" not in long.first.inner_text()
    axe_check(page, "support-cy-390")


def test_the_404_and_405_pages(app_page, server):
    page, _ = app_page
    for lang, exit_name in (("en", "Exit this page"), ("cy", None)):
        response = page.goto(server.base + f"/no/such/page?lang={lang}")
        assert response.status == 404
        assert page.locator("form[action='/exit'] button").count() == 1
        if exit_name:
            assert page.get_by_role("button", name=exit_name).count() == 1
        assert page.locator("h1").count() == 1 and page.locator("a[href='/home']").count() >= 1
        assert page.locator("html").get_attribute("lang") == ("cy" if lang == "cy" else "en-GB")
        assert '{"detail"' not in page.content()
        axe_check(page, f"404-{lang}")
    response = page.goto(server.base + "/lock")  # a POST-only address
    assert response.status == 405 and page.locator("form[action='/exit'] button").count() == 1
    axe_check(page, "405")
    shot(page, "phone-405")


def test_confirmation_before_each_destructive_step(app_page, server):
    page, pin = app_page
    base = server.base
    page.goto(base + "/home?lang=en")
    item = _item_id(page, base)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    # A direct POST that skips the "Are you sure?" page does not delete an under-18's picture.
    response = page.request.post(base + "/evidence/intimate", form={"csrf": csrf, "item": item})
    assert response.ok and 'name="confirm" value="yes"' in response.text()  # the confirmation page
    page.goto(base + "/evidence/files")
    assert page.locator(f"a[href='/evidence/intimate/{item}']").count() == 1  # not marked
    page.click(f"a[href='/evidence/intimate/{item}']")
    page.wait_for_url(f"**/evidence/intimate/{item}")
    assert "cannot be undone" in page.inner_text("main")
    axe_check(page, "intimate-confirm")
    page.get_by_role("button", name="No, go back").click()
    page.wait_for_url("**/evidence/files")
    assert page.locator(f"a[href='/evidence/intimate/{item}']").count() == 1  # "No" changes nothing
    page.click(f"a[href='/evidence/intimate/{item}']")
    page.get_by_role("button", name="Yes, mark it").click()
    page.wait_for_url("**/evidence/files")
    assert page.locator(f"a[href='/evidence/intimate/{item}']").count() == 0
    # Protect: stop, then delete, each through its own page and the PIN, in Welsh.
    page.goto(base + "/protect/case?lang=cy")
    page.click("a[href='/protect/case/withdraw']")
    page.wait_for_url("**/protect/case/withdraw")
    axe_check(page, "withdraw-confirm-cy")
    page.fill("#pin", pin)
    page.click("main form[action='/protect/case/withdraw'] button[type=submit]")
    page.wait_for_url("**/protect/case")
    assert page.locator("a[href='/protect/case/withdraw']").count() == 0  # stopped
    page.click("a[href='/protect/case/delete']")
    page.wait_for_url("**/protect/case/delete")
    page.fill("#pin", pin)
    page.click("main form[action='/protect/case/delete'] button[type=submit]")
    page.wait_for_url("**/protect/case")
    assert page.locator("a[href='/protect/case/delete']").count() == 0  # deleted
    page.goto(base + "/home?lang=en")


def _english_catalogue_strings() -> list[str]:
    cy = {m.id: m.string for m in i18n.catalogue("cy") if m.id}
    return [
        k
        for k in catalogue.msgids(catalogue.extract())
        if len(k) >= 12 and cy.get(k) != k and "%(" not in k and "{" not in k
    ]


def test_welsh_pages_pass_axe_and_have_no_english_catalogue_strings(app_page, server):
    page, _ = app_page
    page.set_viewport_size({"width": 390, "height": 800})
    english = _english_catalogue_strings()
    for path in _states(page, server.base):
        page.goto(server.base + _with_lang(path, "cy"))
        assert page.locator("html").get_attribute("lang") == "cy"
        # words marked lang="en" (the police's continuity statement) are English on purpose
        text = html.unescape(
            page.evaluate(
                """() => { const b = document.body.cloneNode(true);
                b.querySelectorAll('[lang^=en]').forEach(e => e.remove()); return b.innerText; }"""
            )
        )
        left = [s for s in english if s in text]
        assert not left, (path, left)
        axe_check(page, f"cy {path}")
    shot(page, "phone-cy-404")
    page.goto(server.base + "/help/plan?lang=cy")
    shot(page, "phone-cy-plan")
    page.goto(server.base + "/home?lang=en")


def _submit(page, name: str = "", form: str = "") -> None:
    with page.expect_navigation():
        page.click(f"main button[name={name}]" if name else f"main form{form} button[type=submit]")


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_whole_journey_without_javascript(browser, server, app_page, lang):
    """The spare address moves the session to a browser with JavaScript off; every step is a plain form."""
    base, token = server.latest_url("again")
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    visits = offline(context, base)
    page = context.new_page()
    try:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{base}/?token={token}&lang={lang}")
        if page.locator("form[action='/resume']").count():  # a spare address starts clean unless asked
            page.click("form[action='/resume'] button[value=fresh]")
        page.goto(f"{base}/help/q/feeling?lang={lang}")
        page.check("input[value=ok]")
        _submit(page, "next")
        page.fill("#answer", "15")
        _submit(page, "next")
        page.check("input[value=wales]")
        _submit(page, "next")
        page.check("input[value=social-media]")
        _submit(page, "next")
        page.check("input[value=instagram]")
        _submit(page, "next")
        while "/help/q/" in page.url:
            _submit(page, "skip")
        assert page.url.endswith("/help/check")
        page.click("main a[href='/help/plan']")
        page.wait_for_url("**/help/plan")
        main = page.text_content("main") or ""  # "the rest one tap away" is in closed <details>
        assert "Childline" in main and "Meic" in main and "Instagram" in main
        assert _links(page, "tel:") and _links(page, "sms:")
        if lang == "cy":
            assert "Nid eich bai chi yw hyn" in main and "It is not your fault" not in main
        _no_sideways_scroll(page, f"no-js {lang} plan")
        # Open the case and add a file; check an email; make protect codes.
        page.goto(f"{base}/evidence")
        page.fill("#passphrase", PASSWORD)
        _submit(page, form=":has(#passphrase)")
        page.goto(f"{base}/evidence/add")
        page.set_input_files(
            "#files",
            [
                {
                    "name": f"extra-{lang}.txt",
                    "mimeType": "text/plain",
                    "buffer": b"14/03/2024, 22:00 - Sam: pay",
                }
            ],
        )
        page.check("input[name=date_order][value=dmy]")
        _submit(page, form="[action='/evidence/add']")
        page.wait_for_url("**/evidence/added", timeout=120_000)
        assert f"extra-{lang}.txt" in page.inner_text("main")
        page.goto(f"{base}/email")
        page.fill("#email", BLUFF)
        _submit(page, form="[action='/email']")
        assert page.url.endswith("/email/result") and "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" in page.inner_text(
            "main"
        )
        page.goto(f"{base}/protect")
        page.fill("#age", "15")
        page.set_input_files("#files", str(PHOTO))
        _submit(page, form="[action='/protect']")
        assert page.url.endswith("/protect/done") and page.locator("#pin").count() == 1
        assert page.locator("a[href^='https://takeitdown.ncmec.org']").count() >= 1
        shot(page, f"nojs-{lang}-protect-done")
        # Quick exit without JavaScript.
        page.click("form[action='/exit'] button")
        page.wait_for_url(NEUTRAL)
        assert visits and page.goto(base + "/evidence").status == 403
    finally:
        context.close()
        # Take the session back for the next test: the address printed after quick exit (or the spare).
        try:
            new_base, new_token = server.next_url("quick exit", timeout=5)
        except RuntimeError:
            new_base, new_token = server.latest_url("again")
        app_page[0].goto(f"{new_base}/?token={new_token}")


def test_a_spare_address_starts_clean_unless_the_person_carries_on(browser, server, app_page):
    page, _ = app_page
    page.goto(server.base + "/help/q/feeling")
    page.check("input[value=thinking-of-self-harm]")
    page.click("button[name=next]")
    page.wait_for_url("**/help/urgent")
    base, token = server.latest_url("again")
    context = browser.new_context()
    offline(context, base)
    other = context.new_page()
    other.goto(f"{base}/?token={token}")
    assert other.locator("form[action='/resume'] button[value=continue]").count() == 1  # asked first
    other.goto(f"{base}/help/check")
    assert "I am thinking of hurting myself" not in other.inner_text("main")
    other.goto(f"{base}/")
    other.click("form[action='/resume'] button[value=continue]")
    other.goto(f"{base}/help/check")
    assert "I am thinking of hurting myself" in other.inner_text("main")
    context.close()
