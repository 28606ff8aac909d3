# ruff: noqa: E501  (HTML written inline, one element per line reads better)
"""The full transcript for the package: paged HTML an officer can open in any browser (with a filter box on
every page that works offline), plus ``messages.csv`` — written straight from the vault's message stream,
one page at a time, so a case of half a million messages never sits in memory.

Each row shows the time in UTC, the time as the export wrote it, how the time was read (zone and date
order; "day/month unsure" where the file could not settle it), sender, text, attachments, the exhibit the
message came from and its message id.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic_core import PydanticUndefined

from haven.core.models import Message

PAGE_SIZE = 1000

_STYLE = """body{font-family:system-ui,sans-serif;font-size:14px;margin:1em 2em}table{border-collapse:collapse;
width:100%}td,th{border-bottom:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}
.m{font-family:monospace;font-size:12px}.u{color:#b10e1e}nav a{margin-right:1em}"""
_FILTER = """<p><label>Find on this page: <input id="q" type="search"></label> (all pages: messages.csv)</p>
<script>document.getElementById('q').addEventListener('input',function(e){var q=e.target.value.toLowerCase();
document.querySelectorAll('tbody tr').forEach(function(r){r.hidden=q&&r.textContent.toLowerCase().indexOf(q)<0;});});
</script>"""
CSV_HEADER = ["message_id", "exhibit", "conversation", "time_utc", "time_as_written", "time_basis",
              "date_order_unsure", "sender", "sender_id", "from_me", "kind", "text", "attachments"]


@dataclass
class PageInfo:
    name: str
    first: str
    last: str
    count: int
    conversations: list[str] = field(default_factory=list)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


_ESC = html.escape


def _text(value: str | None) -> str:
    """Escaped for an element's text (quotes need no escaping there); most texts need nothing."""
    if not value:
        return ""
    if "&" in value or "<" in value or ">" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


_UNSURE = '<br><span class="u">day/month unsure</span>'


def _kind_and_attachments(kind: str, atts: list[dict[str, Any]] | None) -> tuple[str, str, str]:
    """The kind before the text, the attachments after it (HTML), and the attachments' names (CSV)."""
    names = [a.get("filename") or "" for a in atts or ()]
    return (f"<small>[{_text(kind)}]</small> " if kind != "text" else "",
            "".join(f"<br><small>attachment: {_text(n)}</small>" for n in names), "; ".join(names))


FIELDS: dict[str, Any] = {name: (f.default if f.default is not PydanticUndefined else None)
                          for name, f in Message.model_fields.items()}
"""Every field a stored message has, with its default."""


def as_row(m: Message) -> dict[str, Any]:
    """A message as the vault stores it (its JSON), the form the transcript is written from."""
    return dict(orjson.loads(m.model_dump_json()))


def _page(title: str, nav: str, rows: list[str], bases: Iterable[str]) -> bytes:
    notes = "".join(f"<li>{_e(b)}</li>" for b in sorted(set(bases)))
    body = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title><style>{_STYLE}"
            f"</style></head><body><h1>{_e(title)}</h1><nav>{nav}</nav>"
            + (f"<p>How times were read:</p><ul>{notes}</ul>" if notes else "")
            + _FILTER + "<table><thead><tr><th>Time (UTC) / as written</th><th>Conversation</th><th>Sender</th>"
            "<th>Message</th><th>Exhibit / id</th></tr></thead><tbody>" + "".join(rows)
            + f"</tbody></table><nav>{nav}</nav></body></html>")
    return body.encode()


def _nav(n: int, last: int) -> str:
    parts = ['<a href="index.html">Contents</a>']
    if n > 1:
        parts.append(f'<a href="page-{n - 1:05d}.html">Previous</a>')
    if n < last or last == 0:
        parts.append(f'<a href="page-{n + 1:05d}.html">Next</a>')
    return "".join(parts)


def _csv_time(ts: str | None) -> str:
    """The stored UTC time as ``datetime.isoformat`` writes it (``+00:00``, not ``Z``)."""
    if not ts:
        return ""
    return ts[:-1] + "+00:00" if ts.endswith("Z") else ts


def _csv_row(m: dict[str, Any], exhibit: str) -> list[object]:
    g = m.get
    atts = g("attachments")
    return [m["id"], exhibit, g("conversation"), _csv_time(g("timestamp_utc")), g("timestamp_original") or "",
            g("timestamp_basis") or "", bool(g("timestamp_ambiguous")), g("sender") or "", g("sender_id") or "",
            g("from_me"), g("kind") or "text", g("text") or "",
            "; ".join(a.get("filename") or "" for a in atts) if atts else ""]


def csv_rows(messages: Iterable[Message], exhibit: Callable[[str | None], str], out: io.TextIOBase) -> int:
    """Every message as one CSV row (header first); returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    n = 0
    for m in messages:
        writer.writerow(_csv_row(as_row(m), exhibit(m.source_item_id)))
        n += 1
    return n




def _csv_field(value: str) -> str:
    """``value`` as ``csv.writer``'s excel dialect writes it: quoted only for a comma, a double quote (then
    doubled), CR or LF in it."""
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value

CSV_PART = 100_000
"""Rows per CSV file (spreadsheets open about a million rows; smaller parts open quicker)."""


def csv_files(total: int, csv_part: int = CSV_PART) -> str:
    """The CSV file name(s) ``write_transcript`` writes for ``total`` messages, in words for the PDF."""
    if total <= csv_part:
        return "transcript/messages.csv"
    return f"transcript/messages-001.csv to messages-{-(-total // csv_part):03d}.csv"


def write_transcript(messages: Iterable[Message], exhibit: Callable[[str | None], str],
                     add: Callable[[str, bytes], object], case_ref: str = "", page_size: int = PAGE_SIZE,
                     total: int = 0, csv_part: int = CSV_PART) -> list[PageInfo]:
    """``write_rows`` for messages as objects."""
    return write_rows((as_row(m) for m in messages), exhibit, add, case_ref, page_size, total, csv_part)


def write_rows(messages: Iterable[dict[str, Any]], exhibit: Callable[[str | None], str],
               add: Callable[[str, bytes], object], case_ref: str = "", page_size: int = PAGE_SIZE,
               total: int = 0, csv_part: int = CSV_PART) -> list[PageInfo]:
    """One pass over ``messages`` (each as stored: its JSON as a dict): ``transcript/page-NNNNN.html`` pages
    and the CSV
    (``transcript/messages.csv``, or ``messages-NNN.csv`` parts of ``csv_part`` rows when ``total`` is
    larger), each added whole through ``add(name, bytes)`` as soon as it is full — so at most one page and
    one CSV part are in memory — then ``transcript/index.html``. Returns the pages written."""
    pages: list[PageInfo] = []
    rows: list[str] = []
    bases: set[str] = set()
    convs: dict[str, None] = {}
    first = last = ""
    parts = total > csv_part
    csv_buf = io.StringIO()
    writer = csv.writer(csv_buf)
    writer.writerow(CSV_HEADER)
    csv_rows_in_part = 0
    csv_names: list[str] = []

    def flush_csv() -> None:
        nonlocal csv_buf, writer, csv_rows_in_part
        name = f"transcript/messages-{len(csv_names) + 1:03d}.csv" if parts else "transcript/messages.csv"
        add(name, csv_buf.getvalue().encode())
        csv_names.append(name)
        csv_buf = io.StringIO()
        writer = csv.writer(csv_buf)
        writer.writerow(CSV_HEADER)
        csv_rows_in_part = 0

    def flush(final: bool) -> None:
        nonlocal bases, convs, first, last
        if not rows:
            return
        n = len(pages) + 1
        name = f"page-{n:05d}.html"
        nav = _nav(n, n if final else 0)
        add(f"transcript/{name}", _page(f"Case {case_ref} — messages, page {n}", nav, rows, bases))
        pages.append(PageInfo(name, first, last, len(rows), list(convs)))
        rows.clear()  # in place: the loop holds its append
        bases, convs, first, last = set(), {}, "", ""

    conv_name, conv_html = None, ""
    item_id: str | None = ""
    ex = _ESC(exhibit(None))
    ex_csv = _csv_field(ex)
    conv_csv = basis_csv = ""
    basis_name: str | None = ""
    said: dict[str, str] = {}  # a repeating field's CSV form
    shown: dict[str, str] = {}  # a sender's HTML form
    rows_append, text = rows.append, _text
    for m in messages:
        if len(m) < len(FIELDS):  # stored by an older Haven: the fields it did not have take their default
            m = {**FIELDS, **m}
        if m["source_item_id"] != item_id:
            item_id = m["source_item_id"]
            ex = _ESC(exhibit(item_id))
            ex_csv = _csv_field(ex)
        conv = m["conversation"] or ""
        if conv != conv_name:
            conv_name, conv_html, conv_csv = conv, text(conv), _csv_field(conv)
        convs[conv] = None
        ts, original, sender, body = m["timestamp_utc"], m["timestamp_original"] or "", m["sender"] or "", m["text"] or ""
        unsure, kind, atts, basis = m["timestamp_ambiguous"], m["kind"] or "text", m["attachments"], m["timestamp_basis"]
        if basis:
            bases.add(basis)
        if ts:
            last = ts[:16].replace("T", " ")
            first = first or last
        extra = _kind_and_attachments(kind, atts) if atts or kind != "text" else ("", "", "")
        if (sender_html := shown.get(sender)) is None:
            sender_html = shown[sender] = text(sender)
        # ids and exhibit references are Haven's own (hex digits, letters, a slash): nothing to escape
        rows_append(f"<tr><td>{ts[:19].replace('T', ' ') if ts else '—'}<br><small>{text(original)}</small>"
                    f"{_UNSURE if unsure else ''}</td><td>{conv_html}</td><td>{sender_html}</td>"
                    f'<td>{extra[0]}{text(body)}{extra[1]}</td><td class="m">{ex}<br>{m["id"]}</td></tr>')
        fm = m["from_me"]
        sid = m["sender_id"] or ""
        if (sender_csv := said.get(sender)) is None:
            sender_csv = said[sender] = _csv_field(sender)
        if (sid_csv := said.get(sid)) is None:
            sid_csv = said[sid] = _csv_field(sid)
        if (kind_csv := said.get(kind)) is None:
            kind_csv = said[kind] = _csv_field(kind)
        if basis != basis_name:
            basis_name, basis_csv = basis, _csv_field(basis or "")
        # the row as csv.writer (excel dialect) writes it, built at once; fields that repeat are quoted once
        csv_buf.write(f'{m["id"]},{ex_csv},{conv_csv},{_csv_time(ts)},{_csv_field(original)},{basis_csv},'
                      f'{"True" if unsure else "False"},{sender_csv},{sid_csv},'
                      f'{"" if fm is None else fm},{kind_csv},{_csv_field(body)},{_csv_field(extra[2]) if atts else ""}\r\n')
        csv_rows_in_part += 1
        if csv_rows_in_part >= csv_part and parts:
            flush_csv()
        if len(rows) >= page_size:
            flush(False)
    flush(True)
    if csv_rows_in_part or not csv_names:
        flush_csv()
    items = "".join(f'<tr><td><a href="{p.name}">Page {i}</a></td><td>{_e(p.first)} – {_e(p.last)}</td>'
                    f"<td>{p.count}</td><td>{_e(', '.join(p.conversations[:5]))}</td></tr>"
                    for i, p in enumerate(pages, start=1))
    index = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Case {_e(case_ref)} — transcript"
             f"</title><style>{_STYLE}</style></head><body><h1>Case {_e(case_ref)} — full transcript</h1>"
             f"<p>{sum(p.count for p in pages)} messages on {len(pages)} page(s), {page_size} per page, in time "
             "order (UTC). Every message is also in the CSV file(s) here (open it in a spreadsheet to search all of "
             "them) and messages.jsonl.</p><table><thead><tr><th>Page</th><th>Times (UTC)</th><th>Messages</th>"
             f"<th>Conversations</th></tr></thead><tbody>{items}</tbody></table></body></html>")
    add("transcript/index.html", index.encode())
    return pages
