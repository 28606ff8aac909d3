# ruff: noqa: E501  (Typst markup written inline reads better one element per line)
"""The report rendered through Typst (the ``typst`` package: the Typst compiler in-process, no subprocess,
no files): the same content as the HTML template, as a tagged PDF/UA-1 document.

Measured against WeasyPrint on the same content (``benchmarks/bench_report.py``): a 1,000-message
transcript takes about 0.5 s with Typst and 20 s with WeasyPrint, so Typst is the default renderer and
WeasyPrint the fallback (``HAVEN_PDF_RENDERER=weasyprint``). Long tables are cut into blocks of
``BLOCK`` rows, which keeps Typst's time and memory linear in the number of rows.

Text is passed only as Typst *string literals* (``"..."``), never as markup, so nothing a message says
can change the document. Pictures are passed as byte arrays (Typst reads no file: evidence never touches
the disk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from haven.core.models import Message
from haven.report.data import ReportData
from haven.report.transcript import csv_files

BLOCK = 100
FONT_PATHS = ["/usr/share/fonts"]


def s(value: object) -> str:
    """A Typst string literal for any text."""
    text = "" if value is None else str(value)
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    out = "".join(c if c >= " " or c == "\t" else " " for c in out)
    return f'"{out}"'


def _mono(value: object) -> str:
    return f"text(font: \"DejaVu Sans Mono\", size: 7.5pt, {s(value)})"


def _small(value: object) -> str:
    return f"text(size: 8pt, {s(value)})"


def _lines(*parts: str) -> str:
    """Several content pieces in one cell, one per line."""
    parts = tuple(p for p in parts if p)
    return "[" + " \\ ".join(f"#{p}" if not p.startswith("#") else p for p in parts) + "]" if parts else '""'


def _bold(value: object) -> str:
    return f"text(weight: \"bold\", {s(value)})"


def _heading(level: int, text: str) -> str:
    return "=" * level + " #" + s(text)


def _table(columns: str, header: Iterable[str], rows: Iterable[list[str]]) -> list[str]:
    """A table in blocks of ``BLOCK`` rows, each block with the header repeated (Typst stays linear)."""
    head = "table.header(" + ", ".join(_bold(h) for h in header) + ")"
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append(f"#table(columns: {columns}, stroke: (bottom: 0.4pt + luma(180)), inset: 3pt, {head},\n"
                       + ",\n".join(block) + ")")
            block.clear()

    for row in rows:
        block.append(", ".join(row))
        if len(block) >= BLOCK:
            flush()
    flush()
    return out


def _detail_rows(rows: list[dict[str, Any]], fmt: Callable[[Any], str]) -> Iterable[list[str]]:
    for a in rows:
        value = _lines(_mono(a["normalized"]), _small(f"as written: {a['value']}") if a.get("value") and a["value"] != a["normalized"] else "")
        ids = a.get("message_ids") or []
        where = _lines(_small(", ".join(a.get("exhibits") or []) or "—"),
                       _mono(", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")) if ids else "",
                       _small(", ".join(a.get("conversations") or [])))
        yield [s(a["kind"]), value, s("yes" if a.get("valid") else "no"), s(a.get("count", 1)),
               _lines(_small(fmt(a.get("first_seen"))), _small(fmt(a.get("last_seen")))), where]


def _message_row(m: Message, exhibit: Callable[[str | None], str], fmt: Callable[[Any], str]) -> list[str]:
    when = _lines(_small(fmt(m.timestamp_utc)), _small(m.timestamp_original or ""),
                  'text(size: 8pt, fill: rgb("#b10e1e"), "day/month unsure")' if m.timestamp_ambiguous else "")
    who = _lines(s(m.sender or ""), _mono(m.sender_id) if m.sender_id and m.sender_id != m.sender else "")
    body = ([f"text(size: 7pt, {s(m.kind.upper())})"] if m.kind != "text" else []) + [s(m.text)]
    body += [_small(f"attachment: {a.filename}" + (f" (exhibit {exhibit(a.item_id)})" if a.item_id else ""))
             for a in m.attachments]
    return [when, who, _lines(*body), _lines(_mono(exhibit(m.source_item_id)), _mono(m.id))]


def _image(data_uri: str, alt: str) -> str:
    import base64

    raw = base64.b64decode(data_uri.split(",", 1)[1])
    return f"#figure(image(bytes(({','.join(str(b) for b in raw)},)), width: 120mm, alt: {s(alt)}))"


def render_typst(data: ReportData, ctx: dict[str, Any]) -> str:
    """Typst source for the report, from the same context the HTML template gets."""
    fmt, exhibit, integrity = ctx["fmt"], data.exhibit, ctx["integrity"]
    ref = ctx["ref"]
    out: list[str] = [
        f"#set document(title: {s('Evidence report — case ' + ref)}, author: {s('Haven ' + data.tool_version)})",
        '#set text(font: "DejaVu Sans", size: 9.5pt, lang: "en")',
        f"#set page(paper: \"a4\", margin: (x: 18mm, top: 22mm, bottom: 20mm), header: text(size: 8pt, fill: luma(80))[Haven evidence report #h(1fr) #{s('Case ' + ref)}], footer: context text(size: 7.5pt, fill: luma(90))[#{s('Integrity root ' + integrity.merkle_root[:16])} #h(1fr) Page #counter(page).display() of #counter(page).final().first()])",
        "#show heading.where(level: 2): it => block(above: 6mm, below: 3mm, stroke: (bottom: 1.5pt + rgb(\"#1d70b8\")), inset: (bottom: 1mm), width: 100%, it)",
        _heading(1, 'Evidence report — case ' + ref),
        "#" + s(f"Made by Haven {data.tool_version} on {ctx['generated']} (UTC), from the person's own evidence vault. Originals were never changed; every action on them is in the ledger at the end. Marking: TLP:{data.tlp.upper()}."),
        "== Summary",
    ]
    first, last = data.date_range
    bases = [f"{tb.exhibit}: {tb.basis}" + (f" — day/month order could not be settled for {tb.ambiguous} message(s)" if tb.ambiguous else "") for tb in data.time_bases]
    summary = [
        ("Case reference", ref),
        ("Messages", f"{data.message_count} in {len(data.conversation_counts)} conversation(s)"),
        ("Date range (UTC)", f"{fmt(first)} to {fmt(last)}"),
        ("How times were read", "\n".join(bases) or "every time came with its zone from the source"),
        ("Platforms / sources", ", ".join(data.platforms) or "none recorded"),
        ("What was demanded", "; ".join(f"{d['kind']}: {d['value']}" for d in ctx["demands"]) or "nothing recorded"),
        ("Payment details given", f"{len(ctx['payments'])} ({', '.join(p['kind'] for p in ctx['payments'])})"),
        ("Paid?", ctx["paid"]),
        ("Evidence items", f"{len(data.items)} exhibits ({ctx['withheld_count']} kept by hash only)"),
        ("Under 18", "Yes — intimate images are recorded by hash only" if ctx["minor"] else "No"),
    ]
    out.append("#table(columns: (45mm, 1fr), stroke: none, inset: 2pt, " + ", ".join(f"{_bold(k)}, {s(v)}" for k, v in summary) + ")")
    out.append("== Offender details")
    head = ["Kind", "Value", "Valid?", "Seen", "First / last seen (UTC)", "Where (exhibit, message, conversation)"]
    cols = "(18mm, 1fr, 12mm, 10mm, 24mm, 1fr)"
    sections = [
        ("The offender's accounts and payment destinations", "offender", "Given by the offender, or the offender's own account in the chat.", "None were found."),
        ("Demands and deadlines", "demands", "Amounts and deadlines in the offender's messages.", "None were found."),
        ("Sent by the victim (evidence of payment)", "victim", "Codes, references and amounts in the person's own messages. They are not offender details; they show what was paid.", "No codes, references or amounts were found in the person's own messages."),
        ("Other people in these conversations", "participants", "Not offender details: everyone else who wrote in these chats.", "Nobody else."),
        ("Addresses from email headers", "headers", "Not offender details: senders, recipients and mailing lists named in email headers.", "None."),
    ]
    for title, key, caption, empty in sections:
        out.append(_heading(3, title))
        rows = ctx["sides"][key]
        if rows:
            out.append(f"#{_small(caption)}")
            out += _table(cols, head, _detail_rows(rows, fmt))
        else:
            out.append(f"#{s(empty)}")
    out.append("== The person's own account")
    if ctx["police_answers"]:
        out.append("#table(columns: (45mm, 1fr), stroke: none, inset: 2pt, " + ", ".join(f"{_bold(k)}, {s(v)}" for k, v in ctx["police_answers"]) + ")")
    if data.case.own_accounts:
        out.append("=== Their own accounts")
        out += _table("(40mm, 1fr)", ["Platform", "Their account name"], ([s(p), _mono(n)] for p, n in sorted(data.case.own_accounts.items())))
    out.append("=== Notes")
    if data.notes:
        out += [f"#{_small(fmt(n['time_utc']) + ' (UTC)')} \\ #{s(n['text'])}" for n in data.notes]
    else:
        out.append("No notes were written.")
    out.append("== Key moments")
    if not data.key_moments:
        out.append("No key moments were found.")
    for k in data.key_moments:
        out.append(_heading(3, fmt(k.time) + ' (UTC) — ' + k.what))
        out.append(f"#{_small((k.conversation or '') + ' · message ' + (k.message_id or '') + (' · “' + k.detail[:160] + '”' if k.detail else ''))}")
        if k.context:
            out += _table("(28mm, 22mm, 1fr, 22mm)", ["Time (UTC)", "Sender", "Message", "Exhibit"],
                          ([_lines(_small(fmt(m.timestamp_utc)), _small(m.timestamp_original or "")), s(m.sender or ""),
                            (f"text(weight: \"bold\", {s(m.text[:400])})" if m.id == k.message_id else s(m.text[:400])),
                            _mono(exhibit(m.source_item_id))] for m in k.context))
    out.append("== Evidence items (exhibits)")
    withheld, acquisition = ctx["withheld"], ctx["acquisition"]
    out += _table("(18mm, 1fr, 45mm, 30mm)", ["Exhibit", "File and how it was acquired", "SHA-256", "Acquired (UTC), by"],
                  ([_lines(f"text(weight: \"bold\", {s(exhibit(it.id))})", _mono(it.id)),
                    _lines(s(it.filename), _small(f"{acquisition(it)} · {it.size} bytes · {it.media_type}"),
                           f"text(fill: rgb(\"#b10e1e\"), {s('Not included: ' + withheld[it.id])})" if withheld[it.id] else ""),
                    _mono(it.sha256), _lines(_small(fmt(it.acquired_utc)), _small(it.acquired_by))] for it in data.items))
    for it in data.items:
        if not it.media_type.startswith("image/"):
            continue
        out.append(_heading(3, 'Exhibit ' + exhibit(it.id) + ' — ' + it.filename))
        if it.id in ctx["images"]:
            out.append(_image(ctx["images"][it.id], f"Screenshot {it.filename} (exhibit {exhibit(it.id)})"))
            if it.ocr_text:
                out.append(f"#{_small('Text read from the image: ' + it.ocr_text[:600])}")
        else:
            reason = (withheld[it.id] or "this image is not shown in the report.")
            pdq = it.perceptual.get("pdq")
            out.append(f"#block(stroke: (paint: rgb(\"#b10e1e\"), dash: \"dashed\"), inset: 3mm, width: 100%)[*Image not shown.* #{s(reason[:1].upper() + reason[1:])} \\ SHA-256 #{_mono(it.sha256)}"
                       + (f" \\ PDQ #{_mono(pdq)}" if pdq else "") + "]")
    out.append("== Continuity statement")
    out.append("#block(fill: luma(243), inset: 4mm, width: 100%)[" + " #parbreak() ".join(f"#{s(p)}" for p in ctx["continuity"]) + "]")
    if ctx["drafts"]:
        out.append("== Reports to the platforms")
        for d in ctx["drafts"]:
            out.append(_heading(3, d.name))
            out.append(f"#{_small('How to report: ' + d.route)}")
            out.append(f"#block(fill: luma(243), inset: 3mm, width: 100%)[#{s(d.text)}]")
            out.append(f"#{_small('Route from: ' + '; '.join(d.sources))}")
    out.append("== How to check this evidence")
    out.append("#block(fill: luma(243), inset: 4mm, width: 100%)[#" + s("This report comes with a package (.zip) that holds the originals, a signed manifest and the ledger. Anyone can check it, with no password and no internet: ") + f" #{_mono('haven verify PACKAGE.zip --public-key ' + integrity.public_key)}]")
    checks = [("Integrity root (Merkle, RFC 6962 over item SHA-256s)", integrity.merkle_root), ("Ledger head (last entry hash)", integrity.ledger_head),
              ("Ledger entries", str(integrity.ledger_entries)), ("Signing key (Ed25519 public key)", integrity.public_key), ("Key fingerprint", ctx["fingerprint"])]
    out.append("#table(columns: (60mm, 1fr), stroke: none, inset: 2pt, " + ", ".join(f"{_bold(k)}, {_mono(v)}" for k, v in checks) + ")")
    out.append("=== Ledger summary")
    out += _table("(10mm, 30mm, 40mm, 1fr)", ["#", "Time (UTC)", "Action", "SHA-256 touched"],
                  ([s(e.seq), _small(fmt(e.time_utc)), s(e.action), _mono(e.sha256 or "")] for e in ctx["ledger_rows"]))
    if len(data.ledger) > len(ctx["ledger_rows"]):
        shown = len(ctx["ledger_rows"]) // 2
        out.append("#" + s(f"The ledger has {len(data.ledger)} entries; the first and last {shown} are shown. All are in the package (ledger.jsonl)."))
    out.append("#pagebreak()")
    out.append("== Messages")
    if data.transcript_truncated:
        out.append(f"#{s(f'This report shows the first {len(data.messages)} of {data.message_count} messages. The full transcript is in the evidence package: transcript/index.html (paged, searchable), ' + csv_files(data.message_count) + ' and messages.jsonl.')}")
    else:
        out.append(f"#{_small(f'All {data.message_count} messages. Times are UTC; the time as the export wrote it is below each one.')}")
    for conv, msgs in data.by_conversation.items():
        more = data.conversation_counts.get(conv, 0)
        title = f"Messages: {conv}" + (f" (first {len(msgs)} of {more})" if more > len(msgs) else "")
        out.append(_heading(3, title))
        out += _table("(26mm, 24mm, 1fr, 30mm)", ["Time (UTC) / as written", "Sender", "Message", "Exhibit / id"],
                      (_message_row(m, exhibit, fmt) for m in msgs))
    return "\n\n".join(out) + "\n"


def compile_typst(source: str) -> bytes:
    import typst

    pdf: Any = typst.compile(source.encode(), font_paths=FONT_PATHS, pdf_standards=["ua-1"])  # type: ignore[misc]
    return bytes(pdf)
