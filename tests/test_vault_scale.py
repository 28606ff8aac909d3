"""Real size (issue 14): paged listings agree with the unpaged data, stored offender details and red flags
agree with running the engines over the whole case, progress is honest, jobs cancel cleanly and refuse a
second one, and an import's memory stays flat (RSS measured in a subprocess)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from haven.importers import REGISTRY
from haven.jobs import JobManager, JobRunning
from haven.jobs.tasks import import_work
from haven.vault import Vault, sink
from test_vault_support import FAST_KDF

PASS = "pass phrase for tests"
CHAT_EXAMPLES = [
    p for _n, imp in REGISTRY.items() for p in imp.examples if p.suffix in (".txt", ".zip", ".json")
]


def _chat(path: Path, n: int, seed: int = 0) -> Path:
    t = datetime(2023, 5, 1, 8, 0) + timedelta(days=seed)
    lines = []
    for i in range(n):
        t += timedelta(minutes=3)
        who = "Sam Jones" if i % 3 else "Alex"
        if i % 41 == 3:
            text = f"pay 200 to paypal.me/samj0nes{seed} or everyone sees this, call +44 7911 12345{i % 10}"
        else:
            text = f"message {i} about school and tonight"
        lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")
    path.write_text("".join(lines), "utf-8")
    return path


@pytest.fixture
def vault(tmp_path: Path):
    v = Vault.create(tmp_path / "case", PASS, kdf=FAST_KDF)
    yield v
    v.close()


def _details_key(rows):
    return [
        (r["kind"], r["normalized"], r["count"], r["valid"], r["first_seen"], r["last_seen"]) for r in rows
    ]


def test_paged_listings_agree_with_the_whole_case(vault: Vault, tmp_path: Path, monkeypatch):
    from haven.flags import detect
    from haven.indicators import aggregate, extract_messages

    monkeypatch.setattr(sink, "BATCH", 25)  # many batches even on small files
    files = [_chat(tmp_path / f"WhatsApp Chat with P{i}.txt", 140, i) for i in range(2)]
    summary = vault.import_paths([*files, *CHAT_EXAMPLES])
    assert summary.messages > 280
    every = list(vault.messages())
    paged = [m for off in range(0, len(every) + 7, 7) for m in vault.messages_page(off, 7).rows]
    assert [m.id for m in paged] == [m.id for m in every]
    assert vault.messages_page(0, 5).total == len(every)
    found = vault.messages_page(0, 1000, search="paypal.me/samj0nes1")
    assert found.rows and all("paypal.me/samj0nes1" in m.text for m in found.rows)
    assert found.total == sum("paypal.me/samj0nes1" in m.text for m in every)

    state = vault.derived_state()
    assert not state["stale"] and state["failed"] is None
    whole = aggregate(extract_messages(every, vault.items(), region=vault.case.phone_region))
    details = [r for off in range(0, len(whole) + 4, 4) for r in vault.details_page(off, 4).rows]
    assert _details_key(details) == _details_key(whole)

    report = detect(every)
    total = vault.flags_page(0, 1).total
    pages = [vault.flags_page(off, 9).rows for off in range(0, total + 9, 9)]
    stored = [(f.message_id, f.flag) for rows in pages for f, _m in rows]
    assert sorted(stored) == sorted((f.message_id, f.flag) for f in report.flags)
    assert state["summary"]["stage"] == report.summary["stage"]
    assert state["summary"]["messages"] == len(every)
    items = [i.id for off in range(0, 50, 3) for i in vault.items_page(off, 3).rows]
    assert items == [i.id for i in vault.items()]


def test_derived_data_is_rebuilt_when_stale_and_on_request(vault: Vault, tmp_path: Path):
    vault.import_paths([_chat(tmp_path / "WhatsApp Chat with Sam.txt", 90)])
    before = vault.derived_state()
    assert before["details"] > 0 and before["flags"] > 0
    assert "alex" in {r["normalized"] for r in vault.details_page(0, 100).rows}
    vault.update_case(me=["Alex"])  # the person's names change what counts as the offender's
    assert vault.derived_state()["stale"] is True
    after = vault.rebuild_derived()
    assert after["stale"] is False and 0 < after["details"] < before["details"]
    assert "alex" not in {r["normalized"] for r in vault.details_page(0, 100).rows}  # the person's own name
    assert "derive" in [e.action for e in vault.ledger()]
    assert vault.verify() == []


def test_progress_is_monotonic_and_reaches_100_only_at_the_end(vault: Vault, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(sink, "BATCH", 50)
    files = [_chat(tmp_path / f"WhatsApp Chat with P{i}.txt", 300, i) for i in range(3)]
    events = []
    vault.import_paths(files, events=lambda p: events.append(dict(p.to_dict())))
    fractions = [e["fraction"] for e in events]
    assert fractions == sorted(fractions)
    assert [e["messages"] for e in events] == sorted(e["messages"] for e in events)
    done = [e for e in events if e["fraction"] >= 1.0]
    assert done == [events[-1]] and events[-1]["finished"] and events[-1]["messages"] == 900
    assert {"reading", "details"} <= {e["stage"] for e in events}
    middle = [f for f in fractions if 0.05 < f < 0.95]
    assert len(set(middle)) >= 6  # it moves pass by pass through every file, not in one jump at the end


def test_zip_progress_moves_by_bytes_through_the_media(vault: Vault, tmp_path: Path):
    big = tmp_path / "WhatsApp Chat - Media.zip"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.write(_chat(tmp_path / "_chat.txt", 300, 4), "_chat.txt")
        for n in range(3):
            zf.writestr(f"VID-{n:04d}.mp4", bytes([n]) * (6 << 20))
    events: list[float] = []
    assert vault.import_paths([big], events=lambda p: events.append(p.fraction)).ok
    assert events == sorted(events) and events[-1] == 1.0
    before_end = [f for f in events if f < 1.0]
    assert max(before_end) > 0.9  # the media's reading and encrypting moved the bar, not the end
    steps = [b - a for a, b in itertools.pairwise(before_end)]
    assert max(steps) < 0.1, steps  # no jump: it advances by bytes
    assert 1.0 - max(before_end) < 0.1


def test_cancel_leaves_a_case_that_verifies_and_a_second_job_is_refused(vault: Vault, tmp_path: Path):
    files = [_chat(tmp_path / f"WhatsApp Chat with P{i}.txt", 400, i) for i in range(6)]
    jobs = JobManager()
    started = threading.Event()
    work = import_work(vault, files)

    def slow_start(ctx):
        started.set()
        return work(ctx)

    job = jobs.start("case-1", "import", slow_start)
    assert started.wait(10)
    with pytest.raises(JobRunning, match="already working on this case"):
        jobs.start("case-1", "pdf", lambda ctx: None)
    other = jobs.start("case-2", "derive", lambda ctx: {"ok": 1}, wait=True)  # other cases are not blocked
    assert other.state == "done" and other.percent == 100
    deadline = time.time() + 60
    while job.counts.get("files", 0) < 1 and time.time() < deadline:
        time.sleep(0.02)
    running = job.to_dict()
    assert running["active"] and running["percent"] < 100 and running["counts"]["messages"] > 0
    jobs.cancel(job.id)
    jobs.wait(job.id, 60)
    assert job.state == "cancelled" and job.percent < 100
    assert vault.verify() == []
    committed = [e for e in vault.ledger() if e.action == "import"]
    assert 1 <= len(committed) < len(files)
    assert vault.message_count() == 400 * len(committed)
    again = jobs.start("case-1", "import", import_work(vault, files), wait=True)  # resumes, no duplicates
    assert again.state == "done" and vault.message_count() == 400 * len(files) and vault.verify() == []


def _helpers_alive() -> list[int]:
    """Helper processes (``haven.vault.derive_work``) this test process started and has not ended."""
    import os

    alive = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (proc / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == os.getpid() and b"derive_work" in cmd and stat[0] != "Z":
            alive.append(int(proc.name))
    return alive


def _derived_rows(v: Vault):
    details = [(r["kind"], r["normalized"], r["count"]) for r in v.details_page(0, 1000).rows]
    flags = [(f.message_id, f.flag) for f, _m in v.flags_page(0, 1000).rows]
    return details, flags, v.derived_state()["summary"]["who_sent_what"]


def test_helper_processes_give_the_same_derived_data_and_stop_with_a_cancel(tmp_path: Path, monkeypatch):
    from haven.vault import derived

    monkeypatch.setattr(sink, "BATCH", 25)
    monkeypatch.setenv("HAVEN_DERIVE_WORKERS", "2")
    files = [_chat(tmp_path / f"WhatsApp Chat with P{i}.txt", 160, i) for i in range(2)]
    results = []
    for helpers_from in (10**9, 1):  # in this process, then in two helper processes
        monkeypatch.setattr(derived, "HELPERS_FROM", helpers_from)
        monkeypatch.setattr(derived, "PARALLEL_FROM", min(helpers_from, 50))
        with Vault.create(tmp_path / f"case-{helpers_from}", PASS, kdf=FAST_KDF) as v:
            assert v.import_paths(files).ok
            assert not v.derived_state()["stale"] and v.derived_state()["failed"] is None
            results.append(_derived_rows(v))
            assert v.verify() == []
        assert _helpers_alive() == []
    assert results[0] == results[1]

    class Stop(BaseException):
        pass

    def stop_midway(p):
        if p.messages >= 120:
            assert _helpers_alive()  # they are working
            raise Stop()

    with Vault.create(tmp_path / "case-stopped", PASS, kdf=FAST_KDF) as v:
        with pytest.raises(Stop):
            v.import_paths(files, events=stop_midway)
        assert _helpers_alive() == []
        assert v.verify() == [] and v.message_count() == 0
        assert v.import_paths(files).ok and v.message_count() == 320 and v.verify() == []


MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from test_vault_support import FAST_KDF
    from haven.vault import Vault
    def rss():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with Vault.create(sys.argv[1], "pw", kdf=FAST_KDF) as v:
        v.import_paths([Path(sys.argv[2])])  # warm: every engine loaded, caches full
        warm = rss()
        summary = v.import_paths([Path(sys.argv[3])])
        print(json.dumps({"warm": warm, "peak": rss(), "messages": summary.messages, "ok": summary.ok}))
""")


def test_import_memory_stays_flat(tmp_path: Path):
    small = _chat(tmp_path / "WhatsApp Chat with Warm.txt", 600, 1)
    big = tmp_path / "WhatsApp Chat - Big.zip"
    media = 160 * 1024 * 1024
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.write(_chat(tmp_path / "_chat.txt", 6000, 2), "_chat.txt")
        with zf.open("VID-0001.mp4", "w", force_zip64=True) as fh:
            block = bytes(range(256)) * 4096
            for i in range(media // len(block)):
                fh.write(i.to_bytes(4, "big") + block[4:])
    script = tmp_path / "memory.py"
    script.write_text(MEMORY_SCRIPT)
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(tmp_path / "case"),
            str(small),
            str(big),
            str(Path(__file__).parent),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ok"] and out["messages"] == 6000
    # 160 MB of media and 6,000 messages went through; holding either would add far more than this
    assert out["peak"] - out["warm"] < 60, out


def test_final_read_in_parts_gives_the_same_flags_as_in_one_call(tmp_path: Path):
    from haven.importers import MemorySink, get_importer
    from haven.vault.derive_work import final_end, final_flags, final_part

    sink = MemorySink()
    get_importer("whatsapp").run(_chat(tmp_path / "WhatsApp Chat with Sam.txt", 200), sink)
    data = [m.model_dump_json() for m in sink.messages]
    whole = final_flags(list(data), [])
    for start in range(0, len(data), 37):
        final_part("t", data[start : start + 37], [])
    parts = final_end("t")
    assert whole[0] and parts == whole
    assert final_end("t") == ([], final_flags([], [])[1])  # the parts were let go
