# ruff: noqa: E501, SIM905  (benchmark output lines and word lists read better unwrapped)
"""Report speed and memory (issue 14, item 4): which PDF renderer, the small case's PDF, and a case of
half a million messages (PDF <= 60 s and <= 1 GB peak memory; package <= 2x the PDF's time).

In the same run, each step in its own child process (so its peak memory, ru_maxrss, is its own):

1. **Renderers** on the same long document, a transcript of ``--rows`` messages in tables of 100 rows:
   WeasyPrint (the anchor: Haven's renderer before), Typst (the ``typst`` package) and ReportLab.
2. **Small case**: the importers' own example files in a new case, ``build_pdf`` and ``export_package``.
3. **Large case** (``--messages``, default 20,000; the issue's size is 500,000): a WhatsApp export made
   deterministically (day-first dates, a few thousand lines with offender details and threats), imported
   (timed apart: that is the import benchmark's business), then ``build_pdf`` and ``export_package``.
   A kept case (``--keep``) whose offender details and red flags were made by other engine code is brought
   up to date first (timed apart: the derive job's time), or, with ``--trust-derived``, taken as it is.

Usage::

    .venv/bin/python benchmarks/bench_report.py                       # about 2 minutes
    .venv/bin/python benchmarks/bench_report.py --messages 500000     # the issue's size
    .venv/bin/python benchmarks/bench_report.py --messages 500000 --large-only --keep /tmp/k --trust-derived

The last line is ``ratio (ours / anchor): X``: Typst seconds / WeasyPrint seconds on the same document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PASS = "benchmark passphrase"
ROOT = Path(__file__).resolve().parents[1]


def _messages(n: int) -> list:
    from haven.core.models import Message

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rng = random.Random(3)
    words = "hey what are you doing tonight send me the pics now or else I will share everything".split()
    return [Message(id=f"msg-{i:032x}", source_format="whatsapp", source_item_id="item-1", conversation="Jess",
                    sender="Jess" if i % 2 else "Me", timestamp_utc=t0 + timedelta(minutes=i),
                    timestamp_original=f"{(t0 + timedelta(minutes=i)):%d/%m/%Y, %H:%M}",
                    text=" ".join(rng.choice(words) for _ in range(rng.randint(4, 24)))) for i in range(n)]


def render(renderer: str, rows: int) -> int:
    msgs = _messages(rows)
    if renderer == "weasyprint":
        from html import escape

        from weasyprint import HTML

        blocks = []
        for start in range(0, rows, 100):
            body = "".join(f"<tr><td>{m.timestamp_utc:%Y-%m-%d %H:%M}<br>{m.timestamp_original}</td><td>{m.sender}"
                           f"</td><td>{escape(m.text)}</td><td>{m.id}</td></tr>" for m in msgs[start:start + 100])
            blocks.append(f"<table><thead><tr><th>Time</th><th>Sender</th><th>Message</th><th>Id</th></tr></thead>"
                          f"<tbody>{body}</tbody></table>")
        html = ("<html lang=en><head><meta charset=utf-8><title>t</title><style>@page{size:A4;margin:18mm}"
                "body{font-family:'DejaVu Sans';font-size:9pt}td{vertical-align:top;border-bottom:.4pt solid #bbb}"
                "</style></head><body><h1>Messages</h1>" + "".join(blocks) + "</body></html>")
        return len(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
    if renderer == "typst":
        from haven.report.pdf import _fmt
        from haven.report.pdf_typst import _heading, _message_row, _table, compile_typst

        src = ['#set document(title: "t")', '#set text(font: "DejaVu Sans", size: 9pt, lang: "en")',
               '#set page(paper: "a4", margin: 18mm)', _heading(1, "Messages")]
        src += _table("(26mm, 24mm, 1fr, 30mm)", ["Time", "Sender", "Message", "Id"],
                      (_message_row(m, lambda _i: "SJ/1", _fmt) for m in msgs))
        return len(compile_typst("\n\n".join(src)))
    if renderer == "reportlab":
        from xml.sax.saxutils import escape

        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.lib.units import mm
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

        pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
        style = getSampleStyleSheet()["BodyText"]
        style.fontName, style.fontSize, style.leading = "DejaVu", 8, 10
        flow = []
        for start in range(0, rows, 100):
            data = [["Time", "Sender", "Message", "Id"]] + [
                [Paragraph(f"{m.timestamp_utc:%Y-%m-%d %H:%M}<br/>{m.timestamp_original}", style), m.sender,
                 Paragraph(escape(m.text), style), Paragraph(m.id, style)] for m in msgs[start:start + 100]]
            t = Table(data, colWidths=[28 * mm, 18 * mm, 88 * mm, 40 * mm], repeatRows=1)
            t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "DejaVu", 8), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.3, (0.7, 0.7, 0.7))]))
            flow.append(t)
        buf = io.BytesIO()
        SimpleDocTemplate(buf, pagesize=A4).build(flow)
        return len(buf.getvalue())
    raise SystemExit(f"unknown renderer {renderer}")


def make_chat(path: Path, n: int) -> None:
    """A WhatsApp export of ``n`` messages, day-first dates, one line in 150 with offender details."""
    rng = random.Random(11)
    words = "hey what are you doing tonight I miss you ok see you later haha sure why not".split()
    details = ["pay £{a} now or I send the video to everyone", "send it to revolut.me/jessxo{k} within 24 hours",
               "bitcoin bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "IBAN GB82WEST12345698765432 name D Okafor",
               "add me on snap: jess.xo{k}", "call me on +44 7911 123{k:03d}"]
    t = datetime(2019, 1, 13, 8, 0)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            t += timedelta(seconds=rng.randint(5, 400))
            who = "Jess" if i % 2 else "Me"
            if who == "Jess" and i % 150 == 1:
                text = rng.choice(details).format(a=rng.randint(1, 9) * 100, k=rng.randint(0, 40))
            else:
                text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 18)))
            fh.write(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")


def trust_derived(case: Path) -> bool:
    """Take the case's stored offender details and red flags as current although the engines' code changed
    since they were made (``--trust-derived``: while the engines are being edited, every edit would make the
    kept case's derived data stale, and the report would first spend the derive job's minutes). Returns
    True when that was needed."""
    import importlib

    from haven.vault import Vault

    with Vault.open(case, PASS) as vault:
        state = vault.derived_state()
    if not state.get("stale") or not state.get("version") or state.get("failed"):
        return False
    for name in ("haven.vault.derive_state", "haven.vault.derived"):  # where the version is asked for
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "engine_version"):
            module.engine_version = lambda: state["version"]  # type: ignore[attr-defined]
    return True


def child(task: str, args: list[str]) -> dict:
    out: dict = {}
    if os.environ.get("HAVEN_BENCH_TRUST_DERIVED") and task in ("pdf", "package"):
        out["trusted"] = trust_derived(Path(args[0]))
    start, cpu = time.perf_counter(), time.process_time()
    if task == "render":
        out["bytes"] = render(args[0], int(args[1]))
    elif task == "make-case":
        from haven.vault import Vault

        case, src = Path(args[0]), [Path(a) for a in args[1:]]
        with Vault.create(case, PASS, region="england", reference="BENCH-1") as vault:
            vault.update_case(me=["Me"], initials="BM")
            summary = vault.import_paths(src)
            out["messages"] = summary.messages
    elif task == "derive":
        from haven.vault import Vault

        with Vault.open(args[0], PASS) as vault:
            out["stale"] = bool(vault.derived_state().get("stale"))
            if out["stale"]:
                vault.rebuild_derived(reason="benchmark: the engines changed since the case was made")
    elif task in ("pdf", "package"):
        from haven.report.package import export_package
        from haven.report.pdf import build_pdf
        from haven.vault import Vault

        with Vault.open(args[0], PASS) as vault:
            if task == "pdf":
                out["bytes"] = build_pdf(vault, Path(args[1])).stat().st_size
            else:
                out["bytes"] = export_package(vault, Path(args[1])).path.stat().st_size
    out.update(wall=time.perf_counter() - start, cpu=time.process_time() - cpu,
               rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run(task: str, *args: object) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", task, *map(str, args)], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if res.returncode:
        raise SystemExit(f"{task} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    print(f"{label:<34} wall {r['wall']:7.2f} s   cpu {r['cpu']:7.2f} s   peak RSS {r['rss_mb']:7.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000, help="transcript rows for the renderer comparison")
    ap.add_argument("--messages", type=int, default=20000, help="messages in the large case")
    ap.add_argument("--keep", type=Path, help="keep the large case in this folder and reuse it on the next run "
                    "(the import of 500,000 messages is slow and not what this measures)")
    ap.add_argument("--large-only", action="store_true", help="skip the renderer comparison and small case")
    ap.add_argument("--trust-derived", action="store_true", help="take the kept case's offender details and red "
                    "flags as current even if the engines' code changed since (else they are made again first, "
                    "timed apart)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child[0], a.child[1:])))
        return
    times = {"typst": 0.0, "weasyprint": 0.0}
    if not a.large_only:
        for renderer in ("weasyprint", "typst", "reportlab"):
            r = run("render", renderer, a.rows)
            times[renderer] = r["wall"]
            show(f"{renderer} {a.rows} rows", r)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        if not a.large_only:
            examples = ROOT / "src/haven/importers/examples"
            made = run("make-case", t / "small", *sorted(p for p in examples.iterdir()))
            print(f"small case: {made['messages']} messages from the importers' examples (import {made['wall']:.1f} s)")
            show("small case PDF", run("pdf", t / "small", t / "small.pdf"))
            show("small case package", run("package", t / "small", t / "small.zip"))
        keep = a.keep / f"large-{a.messages}" if a.keep else t / "large"
        marker = keep.with_name(keep.name + ".done")
        if not marker.exists():
            chat = t / "WhatsApp Chat with Jess.txt"
            make_chat(chat, a.messages)
            keep.parent.mkdir(parents=True, exist_ok=True)
            if keep.exists():
                raise SystemExit(f"{keep} is left from an unfinished run: remove it first")
            made = run("make-case", keep, chat)
            marker.write_text(str(made["messages"]))
            print(f"large case: {made['messages']} messages, {chat.stat().st_size / 1e6:.1f} MB "
                  f"(import {made['wall']:.1f} s wall, {made['rss_mb']:.0f} MB; not part of the report figures)")
        else:
            print(f"large case: reused {keep}")
        # Derived data is made at import; when the engines changed since (another version of Haven's code),
        # the report would first make it again. That is the derive job's time, not the report's.
        if a.trust_derived:
            os.environ["HAVEN_BENCH_TRUST_DERIVED"] = "1"
        else:
            derived = run("derive", keep)
            if derived["stale"]:
                show("  offender details made again", derived)
        pdf = run("pdf", keep, t / "large.pdf")
        if pdf.get("trusted"):
            print("(the kept case's offender details and red flags were taken as current: --trust-derived)")
        show(f"large case PDF ({a.messages} msgs)", pdf)
        pkg = run("package", keep, t / "large.zip")
        show(f"large case package ({a.messages} msgs)", pkg)
        print(f"package / PDF time: {pkg['wall'] / pdf['wall']:.2f} wall, {pkg['cpu'] / pdf['cpu']:.2f} cpu "
              "(target <= 2); PDF target <= 60 s, <= 1024 MB")
    if a.large_only:
        print(f"ratio (ours / anchor): {pkg['wall'] / pdf['wall']:.3f}  (package / PDF wall; renderers not run)")
        return
    print(f"ratio (ours / anchor): {times['typst'] / times['weasyprint']:.3f}")


if __name__ == "__main__":
    main()
