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
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.base, token = self.next_url()
        self.first_url = f"{self.base}/?token={token}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def next_url(self, timeout: float = 60) -> tuple[str, str]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise RuntimeError("haven serve stopped:\n" + "".join(self.output)) from None
                continue
            m = URL_LINE.search(line)
            if m:
                return m.group(1), m.group(2)
        raise RuntimeError("haven serve printed no address:\n" + "".join(self.output))

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
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/system-deps.sh --test installs it)")
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
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page, name: str) -> None:
    """axe-core reports no violations on this page (WCAG 2.x A/AA and best practice rules)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations
    )
