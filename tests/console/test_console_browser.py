"""The console in a real browser (Debian's Chromium through Playwright), against a real
``haven console serve`` on loopback, on SQLite and on PostgreSQL: sign in with password + TOTP, add two
packages that share a wallet, see the link and the alert, open the graph, export STIX; a tampered package
is refused; the audit log records each step and verifies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyotp
import pytest
import stix2

from conftest import need
from haven.console import audit
from haven.console.crypto import open_key
from haven.console.db import make_engine

from .conftest import WALLET, ConsoleServer, haven_cmd

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    from web.conftest import CHROMIUM, CHROMIUM_ARGS

    need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (scripts/system-deps.sh --test installs it)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def make_user(database: str, key_file: Path, role: str, name: str) -> dict[str, str]:
    out = subprocess.run(
        [*haven_cmd(), "console", "users", "create", "--role", role, "--name", name, "--database", database,
         "--key-file", str(key_file), "--format", "json"],
        capture_output=True, text=True, check=True)
    made = json.loads(out.stdout)
    assert set(made) == {"user", "password", "totp_secret"} and made["user"] == name
    return made


def page_for(browser, base: str):
    context = browser.new_context(accept_downloads=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else route.abort())
    return context, context.new_page()


def sign_in(page, base: str, person: dict[str, str]) -> None:
    page.goto(f"{base}/")
    assert page.url.endswith("/login")
    page.fill("#name", person["user"])
    page.fill("#password", person["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/login/totp")
    page.fill("#code", pyotp.TOTP(person["totp_secret"]).now())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def upload(page, base: str, package: Path) -> None:
    page.goto(f"{base}/ingest")
    page.set_input_files("#package", str(package))
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_console_journey(browser, database, key_file, packages, tmp_path):
    officer = make_user(database, key_file, "officer", "pc-ahmed")
    supervisor = make_user(database, key_file, "supervisor", "ds-jones")
    server = ConsoleServer(database, key_file)
    base = server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    flavour = "pg" if database.startswith("postgresql") else "sqlite"
    try:
        context, page = page_for(browser, base)
        sign_in(page, base, officer)
        assert "No new links" in page.content()
        upload(page, base, packages["a"])
        assert "The package verified and was stored" in page.content()
        first = page.url.split("/cases/")[1].split("?")[0]
        upload(page, base, packages["b"])
        second = page.url.split("/cases/")[1].split("?")[0]
        linked = page.locator(".alert").inner_text()
        assert WALLET in linked and first in linked
        page.goto(f"{base}/")
        alert = page.locator(".alert").first.inner_text()
        assert second in alert and WALLET in alert and "links to 1 other case" in alert
        page.screenshot(path=str(ARTIFACTS / f"home-alert-{flavour}.png"), full_page=True)
        page.click("text=Open the graph")
        page.wait_for_url(f"**/graph/{second}")
        svg = page.locator("svg.graph")
        assert svg.count() == 1
        svg_text = svg.text_content()
        assert first in svg_text and second in svg_text and WALLET[:20] in svg_text
        page.screenshot(path=str(ARTIFACTS / f"graph-{flavour}.png"), full_page=True)
        page.goto(f"{base}/cases/{second}")
        with page.expect_download() as got:
            page.click("text=STIX 2.1 bundle")
        bundle_path = tmp_path / "bundle.json"
        got.value.save_as(bundle_path)
        bundle = stix2.parse(bundle_path.read_text(), allow_custom=True)
        patterns = [o.pattern for o in bundle.objects if o.type == "indicator"]
        assert any(WALLET in p for p in patterns)
        upload(page, base, packages["tampered"])
        refused = page.content()
        assert "The package was refused" in refused and "messages.jsonl" in refused
        page.goto(f"{base}/cases")
        assert page.locator("tbody tr").count() == 2
        page.click("header button[type=submit]")  # sign out
        page.wait_for_url("**/login")
        context.close()

        context, page = page_for(browser, base)
        sign_in(page, base, supervisor)
        page.goto(f"{base}/audit")
        assert "The audit log verifies" in page.content()
        context.close()
    finally:
        server.stop()
    engine = make_engine(database)
    key = open_key(engine, key_file)
    entries = audit.entries(engine)
    steps = [(e.action, e.params["actor"], e.params["target"]) for e in entries]
    for step in [("sign-in", "pc-ahmed", "officer"), ("ingest", "pc-ahmed", first),
                 ("ingest", "pc-ahmed", second), ("view", "pc-ahmed", second), ("export", "pc-ahmed", second),
                 ("ingest-refused", "pc-ahmed", packages["tampered"].name), ("sign-out", "pc-ahmed", ""),
                 ("sign-in", "ds-jones", "supervisor"), ("view", "ds-jones", "audit log")]:
        assert step in steps, step
    assert any(e.action == "view" and e.params.get("part") == "graph" for e in entries)
    assert audit.verify(engine, key) == []
    checked = subprocess.run([*haven_cmd(), "console", "verify-audit", "--database", database, "--key-file",
                              str(key_file), "--format", "json"], capture_output=True, text=True)
    assert checked.returncode == 0 and json.loads(checked.stdout)["entries"] == len(entries)
    engine.dispose()
