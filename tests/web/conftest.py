"""Fixtures for the web app's tests: a real ``haven serve`` in a subprocess (HAVEN_HOME in a tmp folder),
Debian's Chromium through Playwright (no network: every request that is not to the app is answered
locally or refused), axe, and screenshots in ``test-artifacts/web/``."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import need
from haven.web import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NEUTRAL = "https://www.bbc.co.uk/weather"
URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)")


class Server:
    """A running ``haven serve``; ``next_url()`` waits for the next address it prints."""

    def __init__(self, home: Path, lock_after: float = 600) -> None:
        env = {**os.environ, "HAVEN_HOME": str(home), "CI": "true", "PYTHONUNBUFFERED": "1"}
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "haven", "serve", "--no-browser", "--lock-after", str(lock_after)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.home = home
        self.lines: queue.Queue[tuple[str, str, str]] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.base, token = self.next_url()
        self.first_url = f"{self.base}/?token={token}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        header = ""
        for line in self.proc.stdout:
            self.output.append(line)
            m = URL_LINE.search(line)
            if m:
                self.lines.put((header, m.group(1), m.group(2)))
            else:
                header = line

    def next_url(self, kind: str = "running", timeout: float = 60) -> tuple[str, str]:
        """The next address printed after a line containing ``kind`` ("running": at start, "quick exit":
        after quick exit, "again": the spare address printed once the first one is used)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                header, base, token = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise RuntimeError("haven serve stopped:\n" + "".join(self.output)) from None
                continue
            if kind in header:
                return base, token
        raise RuntimeError(f"haven serve printed no {kind!r} address:\n" + "".join(self.output))

    def latest_url(self, kind: str, settle: float = 1.0) -> tuple[str, str]:
        """The most recent address printed after a line containing ``kind`` (waits ``settle`` s first)."""
        time.sleep(settle)
        found = None
        while True:
            try:
                header, base, token = self.lines.get_nowait()
            except queue.Empty:
                break
            if kind in header:
                found = (base, token)
        if found is None:
            raise RuntimeError(f"no {kind!r} address was printed:\n" + "".join(self.output))
        return found

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("haven-home"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (scripts/system-deps.sh --test installs it)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def offline(context, base: str) -> list[str]:
    """Route every request: the app goes through, the neutral site gets a local stand-in page, anything
    else is refused. Returns the list of neutral-site visits (for asserts)."""
    visits: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(base):
            route.continue_()
        elif url.startswith("https://www.bbc.co.uk/"):
            visits.append(url)
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<!DOCTYPE html><html lang='en'><title>Weather</title><h1>Weather</h1></html>",
            )
        else:
            route.abort()

    context.route("**/*", handle)
    return visits


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the header is sticky: a scrolled shot shows it mid-page
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page, name: str) -> None:
    """axe-core reports no violations on this page: WCAG 2.0, 2.1 and 2.2 A/AA rules and best practice."""
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    assert results.response["passes"], "axe ran no rules"
    violations = results.response["violations"]
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations
    )


# -- in-process HTTP tests (Starlette's TestClient) -----------------------------------------------------
EXAMPLES = ROOT / "src" / "haven" / "importers" / "examples"
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
    "/evidence/intimate",
    "/evidence/verify",
    "/evidence/me",
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
