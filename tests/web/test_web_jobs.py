"""A long import in the real app (Chromium through Playwright, a real ``haven serve`` on loopback): the
status page shows the stage and counts changing before the import ends, then the result; a second job on
the same case is refused clearly while one runs; the status JSON agrees."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta

import pytest

from .conftest import Server, offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "blue kettle window"


def _long_chat(n: int) -> bytes:
    t = datetime(2022, 1, 1, 8, 0)
    lines = []
    for i in range(n):
        t += timedelta(minutes=2)
        who = "Sam Jones" if i % 2 else "Alex"
        text = "pay 200 to paypal.me/samj0nes or everyone sees this" if i % 97 == 3 else f"message {i} ok"
        lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")
    return "".join(lines).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("haven-jobs-home"))
    yield srv
    srv.stop()


def test_a_long_import_shows_its_stage_and_counts_moving(browser, server):
    context = browser.new_context()
    offline(context, server.base)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.first_url)
    page.goto(server.base + "/evidence")
    page.fill("#name", "big")
    page.fill("#new_passphrase", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Start my case").click()
    page.wait_for_url("**/evidence")
    page.goto(server.base + "/evidence/add")
    chat = _long_chat(40_000)
    page.set_input_files(
        "#files", [{"name": "WhatsApp Chat with Sam Jones.txt", "mimeType": "text/plain", "buffer": chat}]
    )
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_url(re.compile(r".*/evidence/jobs/[0-9a-f]+$"))
    job_url = page.url
    seen: list[tuple[str, str]] = []
    end = time.monotonic() + 240
    while "/evidence/jobs/" in page.url and time.monotonic() < end:
        stage = page.locator("[data-job-stage]")
        numbers = page.locator("[data-job-numbers]")
        if stage.count() and numbers.count():
            seen.append((stage.inner_text(), numbers.inner_text()))
            if len(seen) == 2:  # while it runs, a second job on the case is refused in plain words
                status = json.loads(context.request.get(job_url + ".json").text())
                assert status["active"] and status["percent"] < 100
                other = context.new_page()
                other.goto(server.base + "/report")
                other.get_by_role("button", name=re.compile("PDF")).first.click()
                assert "already working on this case" in other.inner_text("main")
                other.close()
        page.wait_for_timeout(400)
    page.wait_for_url("**/evidence/added", timeout=240_000)
    assert len(set(seen)) >= 2, seen  # stage or counts changed before the end
    counts = [int(m.group(1).replace(",", "")) for _, n in seen if (m := re.search(r"([\d,]+) messages", n))]
    percents = [int(m.group(1)) for _, n in seen if (m := re.search(r"(\d+) percent", n))]
    assert percents == sorted(percents) and all(p < 100 for p in percents)
    assert counts == sorted(counts)
    assert "40000" in page.inner_text("table").replace(",", "")
    done = json.loads(context.request.get(job_url + ".json").text())
    assert done["state"] == "done" and done["percent"] == 100 and done["counts"]["messages"] == 40_000
    page.goto(server.base + "/evidence/timeline?page=2")
    assert "Page 2 of 200" in page.inner_text("main")
    page.goto(server.base + "/evidence/flags")
    assert "payment demand" in page.inner_text("main").lower()
    context.close()
