"""A report at size (issue 14, item 4): the PDF cuts its transcript at the limit and says plainly where the
rest is; the package's paged HTML, CSV and JSONL hold every message, in the order the vault's pages give;
progress is honest; the report builder's memory does not grow with the number of messages.

One generated WhatsApp case of 2,600 messages is imported once per module (a few seconds).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from haven.report.data import TRANSCRIPT_LIMIT
from haven.report.package import export_package
from haven.report.pdf import PDF_STAGES, build_pdf
from haven.vault import Vault

PASS = "correct horse battery staple"
N = 2600
WORDS = ["hey", "what", "are", "you", "doing", "tonight", "I", "miss", "you", "ok", "see", "you", "later",
         "haha", "sure", "why", "not"]


def _chat(path: Path, n: int) -> None:
    t = datetime(2019, 1, 13, 8, 0)
    lines = []
    for i in range(n):
        t += timedelta(minutes=1 + i % 7)
        who = "Jess" if i % 2 else "Me"
        text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(3 + i % 9)) + f" #{i}"
        if i == 1301:
            text = "pay £500 now or I send the video to everyone, revolut.me/jessxo22"
        lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")
    path.write_text("".join(lines), encoding="utf-8")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    chat = root / "WhatsApp Chat with Jess.txt"
    _chat(chat, N)
    with Vault.create(root / "case", PASS, region="england", reference="SCALE-1") as v:
        v.update_case(me=["Me"], initials="SJ")
        assert v.import_paths([chat]).messages == N
    return root / "case"


@pytest.fixture(scope="module")
def package(case: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, int, int]]]:
    events: list[tuple[str, int, int]] = []
    out = tmp_path_factory.mktemp("pkg") / "package.zip"
    with Vault.open(case, PASS) as v:
        export_package(v, out, progress=lambda stage, done, total: events.append((stage, done, total)))
    return out, events


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _unpaged_ids(case: Path) -> list[str]:
    """Every message id from the vault's paged view, page after page (what the app shows)."""
    ids: list[str] = []
    with Vault.open(case, PASS) as v:
        while True:
            page = v.messages_page(len(ids), 500)
            ids += [m.id for m in page.rows]
            if not page.rows or not page.more:
                break
        assert ids == [m.id for m in v.messages()]
    return ids


def test_pdf_transcript_is_cut_at_the_limit_and_says_where_the_rest_is(case: Path, tmp_path: Path):
    events: list[tuple[str, int, int]] = []
    with Vault.open(case, PASS) as v:
        pdf = build_pdf(v, tmp_path / "r.pdf", progress=lambda s, d, t: events.append((s, d, t)))
    text = _words(_pdf_text(pdf))
    assert (f"This report shows the first {TRANSCRIPT_LIMIT} of {N} messages. The full transcript is in the "
            "evidence package: transcript/index.html") in text
    # the first messages are in the PDF, the last are not (they are in the package)
    assert "#0 " in text or text.count("#0") >= 1
    assert f"#{N - 1}" not in text
    # what an officer reads first is there too
    first_read = ("Summary", "Offender details", "Key moments", "Evidence items", "How to check")
    for heading in first_read:
        assert heading in text
    assert "revolut.me/jessxo22" in text
    stages = [s for s, _, _ in events]
    assert sorted(set(stages), key=stages.index) == list(PDF_STAGES)
    assert all(t == 0 or d <= t for _, d, t in events)


def test_pdf_reads_only_what_it_shows(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The PDF never streams the whole case: it reads the first TRANSCRIPT_LIMIT messages, the first message
    of each conversation and a few either side of each key moment, by indexed queries."""
    from haven.core.models import Message

    read = [0]
    validate = Message.model_validate_json

    def counting(data, *a, **k):  # type: ignore[no-untyped-def]
        read[0] += 1
        return validate(data, *a, **k)

    def no_stream(self, conversation=None):  # type: ignore[no-untyped-def]
        raise AssertionError("the PDF streamed every message")

    with Vault.open(case, PASS) as v:
        assert not v.derived_state()["stale"]
        monkeypatch.setattr(Message, "model_validate_json", counting)
        monkeypatch.setattr(Vault, "messages", no_stream)
        pdf = build_pdf(v, tmp_path / "r.pdf")
    assert pdf.stat().st_size > 0
    assert read[0] < TRANSCRIPT_LIMIT + 200 < N, read[0]


class _Streamed:
    """A vault without its read connection: ``collect`` then streams every message (its path for any
    source that is not a vault), the reference the indexed reads must agree with."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if name == "reading":
            raise AttributeError(name)
        return getattr(self._vault, name)


def _summary(data) -> dict:  # type: ignore[no-untyped-def]
    return {
        "count": data.message_count, "convs": data.conversation_counts, "range": data.date_range,
        "sources": data.sources, "shown": [m.id for m in data.messages],
        "by_conv": {c: [m.id for m in ms] for c, ms in data.by_conversation.items()},
        "bases": [(b.exhibit, b.filename, b.basis, b.ambiguous) for b in data.time_bases],
        "moments": [(k.what, k.message_id, k.conversation, k.time, [m.id for m in k.context])
                    for k in data.key_moments],
        "details": [(a["kind"], a["normalized"], a["side"]) for a in data.aggregated],
        "flag_kinds": sorted({f.flag for f in data.flags}),
    }


def test_indexed_reads_agree_with_the_full_stream(tmp_path: Path, case: Path):
    """On the examples, a chat whose day/month order cannot be settled (every message unsure) with a line
    whose date is not real (no time: it sorts last), and the 2,600-message case: the same report."""
    from haven.report.data import collect

    examples = Path(__file__).resolve().parents[1] / "src/haven/importers/examples"
    odd = tmp_path / "WhatsApp Chat with Sam.txt"
    odd.write_text("03/04/2021, 10:00 - Sam: hi\n05/04/2021, 10:01 - Me: who is this\n"
                   "05/04/2021, 10:02 - Sam: pay £200 now or I send the video to everyone\n"
                   "00/05/2021, 10:03 - Sam: send it to revolut.me/samxx1\n"
                   "07/04/2021, 10:04 - Me: please stop\n", encoding="utf-8")
    with Vault.create(tmp_path / "mixed", PASS, region="england", reference="MIX-1") as v:
        v.update_case(me=["Me"], initials="MX")
        v.import_paths([*sorted(examples.iterdir()), odd])
    for folder in (tmp_path / "mixed", case):
        with Vault.open(folder, PASS) as v:
            assert not v.derived_state()["stale"]
            indexed, streamed = _summary(collect(v)), _summary(collect(_Streamed(v)))
            # the package's pass counts the case as the indexed reads do
            from haven.report.fullcase import write_case
            from haven.report.reads import Reads

            with zipfile.ZipFile(io.BytesIO(), "w") as zf:
                _, view = write_case(v, zf, [], lambda _i: "", "R", 0, lambda *_a: None)
            ref = Reads(v).overview()
            assert (view.conversation_counts, view.formats) == (ref.conversation_counts, ref.formats)
            assert (view.first_time, view.last_time) == (ref.first_time, ref.last_time)
            assert sorted(b[:2] + b[3:] for b in view.bases) == sorted(b[:2] + b[3:] for b in ref.bases)
        assert indexed.pop("flag_kinds") == streamed.pop("flag_kinds")
        assert indexed == streamed
        assert indexed["moments"] and any(len(m[4]) > 1 for m in indexed["moments"])
        if folder != case:  # the odd chat: every timed message unsure, and the one without a time last
            assert 4 in [b[3] for b in indexed["bases"] if b[1] == odd.name]


def test_package_html_csv_and_jsonl_hold_every_message_in_order(case: Path, package):
    path, _ = package
    ids = _unpaged_ids(case)
    assert len(ids) == N
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        rows = list(csv.DictReader(io.StringIO(zf.read("transcript/messages.csv").decode())))
        jsonl = [json.loads(line) for line in zf.read("messages.jsonl").decode().splitlines()]
        pages = sorted(n for n in names if re.fullmatch(r"transcript/page-\d{5}\.html", n))
        html_ids: list[str] = []
        for name in pages:
            html_ids += re.findall(r'<td class="m">[^<]*<br>([^<]+)</td>', zf.read(name).decode())
        index = zf.read("transcript/index.html").decode()
    assert [r["message_id"] for r in rows] == ids
    assert [m["id"] for m in jsonl] == ids
    assert html_ids == ids
    assert len(pages) > 1 and all(p.rsplit("/", 1)[1] in index for p in pages)
    by_id = {m.id: m for m in Vault.open(case, PASS).messages()}
    assert all(r["text"] == by_id[r["message_id"]].text for r in rows)
    # the JSONL lines are the messages exactly as Vault.messages gives them (from_me filled in)
    with zipfile.ZipFile(path) as zf:
        lines = zf.read("messages.jsonl").decode().splitlines()
    assert lines == [by_id[i].model_dump_json() for i in ids]
    assert {m["from_me"] for m in jsonl} == {True, False}
    # and the CSV rows are what csv_rows writes from the message objects
    from haven.report.transcript import csv_rows

    with zipfile.ZipFile(path) as zf:
        written = zf.read("transcript/messages.csv").decode()
    ref = io.StringIO()
    exhibits = {r["message_id"]: r["exhibit"] for r in rows}
    csv_rows((by_id[i] for i in ids), lambda _item: exhibits[ids[0]], ref)
    assert written == ref.getvalue()


def test_package_progress_is_monotonic_and_never_done_before_the_end(package):
    _, events = package
    assert events
    reading = [(d, t) for s, d, t in events if s == "writing the transcript"]
    assert [d for d, _ in reading] == sorted(d for d, _ in reading) and reading[-1] == (N, N)
    # no stage claims all its work done before the last event of that stage
    for stage in {s for s, _, _ in events}:
        mine = [(d, t) for s, d, t in events if s == stage]
        assert all(t == 0 or d <= t for d, t in mine), stage
        assert [d for d, _ in mine] == sorted(d for d, _ in mine), stage
    assert events[-1][0] == "checking the package"


MEMORY = textwrap.dedent(
    """
    import resource, sys
    from datetime import UTC, datetime, timedelta
    from haven.core.models import Case, Message
    from haven.report.pdf import build_pdf
    from haven.vault.views import Page

    n = int(sys.argv[1])
    t0 = datetime(2024, 1, 1, tzinfo=UTC)

    class Source:
        case = Case(id="case-mem", reference="MEM-1", initials="MM", me=["Me"])
        secrets = {}
        def items(self): return []
        def ledger(self): return []
        def notes(self): return []
        def message_count(self): return n
        def derived_state(self): return {"summary": {}}
        def details_page(self, offset=0, limit=100): return Page([], 0, offset, limit)
        def flags_page(self, offset=0, limit=100): return Page([], 0, offset, limit)
        def get_secret(self, name): return self.secrets.get(name)
        def set_secret(self, name, value): self.secrets[name] = value
        def log(self, *a, **k): pass
        def read_item(self, item_id): raise KeyError(item_id)
        def messages(self, conversation=None):
            for i in range(n):
                t = t0 + timedelta(minutes=i)
                yield Message(id=f"msg-{i:032x}", source_format="whatsapp", source_item_id="item-1",
                              conversation="Jess", sender="Jess" if i % 2 else "Me", timestamp_utc=t,
                              timestamp_original=f"{t:%d/%m/%Y, %H:%M}", text="send me the pics now " * 6)

    build_pdf(Source(), sys.argv[2])
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    """
)


def _peak_mb(n: int, out: Path) -> int:
    res = subprocess.run([sys.executable, "-c", MEMORY, str(n), str(out)], capture_output=True, text=True,
                         check=True)
    return int(res.stdout.strip().splitlines()[-1])


def test_report_builder_memory_does_not_grow_with_the_messages(tmp_path: Path):
    small = _peak_mb(3_000, tmp_path / "small.pdf")
    big = _peak_mb(60_000, tmp_path / "big.pdf")
    # twenty times the messages: held in memory they would add about 60 MB (a Message is ~1 kB in Python)
    assert big - small < 25, (small, big)


def test_the_pdf_names_the_csv_files_the_package_writes():
    from haven.core.models import Message
    from haven.report.transcript import csv_files, write_transcript

    t0 = datetime(2024, 1, 1)
    msgs = [Message(id=f"msg-{i:032x}", source_format="whatsapp", source_item_id="item-1",
                    conversation="Jess", sender="Jess", timestamp_utc=t0 + timedelta(minutes=i),
                    text=f"m{i}") for i in range(250)]
    for total in (250, 90):
        names: list[str] = []
        write_transcript(msgs[:total], lambda _i: "SJ/1", lambda n, _b, names=names: names.append(n),
                         page_size=100,
                         total=total, csv_part=100)
        wrote = [n for n in names if n.endswith(".csv")]
        said = csv_files(total, csv_part=100)
        assert wrote == (["transcript/messages.csv"] if total <= 100 else
                         [f"transcript/messages-{k:03d}.csv" for k in (1, 2, 3)])
        assert said == wrote[0] or (said.startswith(wrote[0]) and said.endswith(wrote[-1].rsplit("/", 1)[1]))


@pytest.mark.parametrize("kind", ["pdf", "package"])
def test_report_jobs_progress_is_honest(case: Path, tmp_path: Path, kind: str):
    """Through the jobs' own progress (what the app shows): the percent only goes up, stays below 100
    until the work has returned, and the message counts are real."""
    import threading

    from haven.jobs.status import JobContext, JobStatus
    from haven.jobs.tasks import package_work, pdf_work

    status = JobStatus(id="j1", case="c1", kind=kind)
    seen: list[tuple[str, int, dict[str, int]]] = []

    class Recording(JobContext):
        def update(self, stage=None, fraction=None, **counts):  # type: ignore[no-untyped-def]
            super().update(stage, fraction, **counts)
            seen.append((status.stage, status.percent, dict(counts)))

    ctx = Recording(status, threading.Lock())
    with Vault.open(case, PASS) as v:
        work = (pdf_work if kind == "pdf" else package_work)(v, tmp_path / f"out.{kind}")
        result = work(ctx)
    assert Path(result["path"]).exists()
    from haven.report.package import PACKAGE_STAGES

    plan = PDF_STAGES if kind == "pdf" else PACKAGE_STAGES
    percents = [p for _, p, _ in seen]
    assert percents == sorted(percents) and max(percents) < 100 and percents[-1] > percents[0]
    # every stage of the plan is reached, in order, and the last one is the plan's last share
    stages = [s for s, _, _ in seen]
    assert sorted(set(stages), key=stages.index) == list(plan)
    assert percents[-1] >= int(100 * (len(plan) - 1) / len(plan))
    moments = [c for s, _, c in seen if s == "key moments"]
    assert moments and moments[-1]["done"] == moments[-1]["total"] > 0
    if kind == "package":
        assert [c for s, _, c in seen if s == "writing the transcript"][-1] == {"done": N, "total": N}
    assert status.percent < 100  # only the job manager, when the work has returned, says 100


def test_staged_progress_makes_room_for_a_stage_it_did_not_expect():
    import threading

    from haven.jobs.status import DONE, JobContext, JobStatus
    from haven.jobs.tasks import StagedProgress

    status = JobStatus(id="j1", case="c1", kind="pdf")
    fractions: list[float] = []

    class Recording(JobContext):
        def update(self, stage=None, fraction=None, **counts):  # type: ignore[no-untyped-def]
            super().update(stage, fraction, **counts)
            fractions.append(status.fraction)

    p = StagedProgress(Recording(status, threading.Lock()), ("reading the case", "key moments", "writing"))
    p("working out offender details and red flags again", 0, 10)  # not planned: a real stage first
    p("working out offender details and red flags again", 10, 10)
    assert p.plan[0].startswith("working out") and len(p.plan) == 4
    p("reading the case")
    p("key moments", 1, 2)
    p("reading the case")  # an earlier stage named again: the bar does not go back
    p("key moments", 2, 2)
    p("writing")
    assert fractions == sorted(fractions) and fractions[-1] == 0.75 and status.percent == 75
    status.state = DONE
    assert status.percent == 100
    counted = StagedProgress(JobContext(JobStatus(id="j2", case="c1", kind="pdf"), threading.Lock()), 2)
    for stage in ("a", "b", "c"):  # more stages than the count: the last share is not passed
        counted(stage)
    assert counted.fraction == 0.5


def test_a_package_stopped_midway_leaves_nothing_behind(case: Path, tmp_path: Path):
    """Cancel (the job's progress call raises) while the transcript is written: no zip, no helper thread
    left running, and the case still verifies."""
    import threading

    from haven.jobs.status import Cancelled

    def stop(stage: str, done: int, total: int) -> None:
        if stage == "writing the transcript" and done > 0:
            raise Cancelled

    before = {t.name for t in threading.enumerate()}
    with Vault.open(case, PASS) as v:
        with pytest.raises(Cancelled):
            export_package(v, tmp_path / "out.zip", progress=stop)
        assert v.verify() == []
    assert not list(tmp_path.iterdir())
    assert {t.name for t in threading.enumerate()} - before == set()


def test_a_row_stored_by_an_older_haven_still_goes_into_the_transcript():
    from haven.report.transcript import write_rows

    out: dict[str, bytes] = {}
    old = {"id": "msg-1", "source_format": "whatsapp", "conversation": "Jess", "sender": "Jess",
           "timestamp_utc": "2020-01-02T03:04:05Z", "text": "a <b> & c"}  # fields added later are missing
    write_rows([old], lambda _i: "SJ/1", out.__setitem__, "R-1")
    page = out["transcript/page-00001.html"].decode()
    assert "2020-01-02 03:04:05" in page and "a &lt;b&gt; &amp; c" in page
    row = next(csv.DictReader(io.StringIO(out["transcript/messages.csv"].decode())))
    assert row["time_utc"] == "2020-01-02T03:04:05+00:00" and row["kind"] == "text" and row["from_me"] == ""


def test_the_streamed_package_has_the_same_transcript(case: Path, package, tmp_path: Path):
    """A source that is not a vault (no indexed reads) gets its package from the report's own pass: the
    same messages.jsonl, CSV and pages as the lean pass."""
    path, _ = package
    with Vault.open(case, PASS) as v:
        streamed = export_package(_Streamed(v), tmp_path / "streamed.zip").path
    with zipfile.ZipFile(path) as lean, zipfile.ZipFile(streamed) as other:
        names = [n for n in lean.namelist() if n == "messages.jsonl" or n.startswith("transcript/")]
        assert len(names) > 3 and names == [n for n in other.namelist() if n in set(names)]
        for name in names:
            assert lean.read(name) == other.read(name), name


@pytest.mark.parametrize("text", ["plain words", "a, b", 'she said "now"', "two\nlines", "cr\rhere", "",
                                  'all, of "them"\r\n', "  spaced  "])
def test_the_transcript_csv_rows_are_what_csv_writer_writes(text: str):
    """Rows that need no quoting are built in one piece; every row must still read as csv.writer's."""
    from haven.report.transcript import CSV_HEADER, write_rows

    out: dict[str, bytes] = {}
    rows = [{"id": f"msg-{k}", "source_item_id": "item-1", "source_format": "whatsapp", "conversation": conv,
             "sender": sender, "sender_id": sid, "timestamp_utc": "2020-01-02T03:04:05Z",
             "timestamp_original": "02/01/2020, 03:04", "timestamp_basis": "Europe/London, day first",
             "timestamp_ambiguous": bool(k % 2), "from_me": fm, "kind": kind, "text": text,
             "attachments": atts}
            for k, (conv, sender, sid, fm, kind, atts) in enumerate([
                ("Jess", "Jess", None, None, "text", None),
                ("Jess, Sam", 'Sam "S"', "+44 7700", True, "image", [{"filename": "a,b.jpg"}]),
                ("Jess", "Me", "", False, "text", [{"filename": "x.jpg"}, {"filename": None}])])]
    write_rows(rows, lambda _i: "SJ/1", out.__setitem__, "R-1")
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(CSV_HEADER)
    for m in rows:
        names = "; ".join(a.get("filename") or "" for a in m["attachments"] or ())
        writer.writerow([m["id"], "SJ/1", m["conversation"], "2020-01-02T03:04:05+00:00",
                         m["timestamp_original"], m["timestamp_basis"], m["timestamp_ambiguous"], m["sender"],
                         m["sender_id"] or "", m["from_me"], m["kind"], m["text"], names])
    assert out["transcript/messages.csv"].decode() == expected.getvalue()
