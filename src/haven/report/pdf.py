"""The readable report: a Jinja2 HTML template rendered to a tagged PDF by WeasyPrint.

Intimate images are never rendered (rule 1, rule 3): the template gets only the images ``render_pdf`` chose
to embed, and every other image item shows a placeholder with its hashes. Embedded screenshots are
downscaled first (Pillow, with its decompression-bomb guard), so one huge image cannot blow up the PDF.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
from PIL import Image

from haven.report.data import ReportData
from haven.report.package import Integrity, withheld_reason
from haven.report.signing import fingerprint
from haven.report.transcript import csv_files

MAX_SIDE = 1400
_TEMPLATES = resources.files("haven.report") / "templates"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


_COMMON = ("PNG", "JPEG", "GIF", "BMP")
_SIGNATURES = (b"\x89PNG", b"\xff\xd8", b"GIF8", b"BM")


def _open(data: bytes) -> Image.Image:
    """Pillow's open, trying the common formats first: only for other bytes does it load every format
    plugin (about half a second). Bytes that start like a common format but do not open as it are no
    other format either."""
    try:
        return Image.open(io.BytesIO(data), formats=_COMMON)
    except (OSError, ValueError):
        if data.startswith(_SIGNATURES):
            raise
    return Image.open(io.BytesIO(data))


def _thumbnail(data: bytes) -> str | None:
    """A PNG/JPEG data URI no larger than MAX_SIDE, or None when the bytes are not a usable image."""
    try:
        with _open(data) as opened:
            opened.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            im: Image.Image = opened if opened.mode in ("RGB", "L") else opened.convert("RGB")
            im.save(out, "JPEG", quality=85)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


_ANSWER_LABELS = {"paid": "Paid?", "amount": "Amount paid", "when": "When paid", "how": "How paid",
                  "payment_method": "How paid", "platforms": "Platforms", "demands": "What was demanded",
                  "contact": "How they made contact", "reported": "Already reported to a platform or police"}
LEDGER_ROWS = 200
"""At most this many ledger lines in the PDF (first and last half); the package holds them all."""


def police_answers(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """The guide answers the person agreed to share, as (label, words) rows."""
    rows = []
    for key, value in answers.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        rows.append((_ANSWER_LABELS.get(key, key.replace("_", " ").capitalize()), str(value)))
    return rows


def report_context(data: ReportData, integrity: Integrity, image_loader: Callable[[str], bytes] | None = None,
                   include_intimate: bool = False) -> dict[str, Any]:
    """What every renderer gets: the data, and the choices made for it (sides, images, withheld, ...)."""
    from haven.report.continuity import statement
    from haven.report.drafts import platform_drafts
    from haven.report.exhibits import acquisition

    case = data.case
    minor = case.is_minor
    withheld = {i.id: withheld_reason(i, minor=minor, include_intimate=include_intimate) for i in data.items}
    images: dict[str, str] = {}
    for item in data.items:
        # Intimate images are never drawn in the report, even when the package includes them.
        if item.media_type.startswith("image/") and image_loader and not item.intimate and item.stored:
            uri = _thumbnail(image_loader(item.id))
            if uri:
                images[item.id] = uri
    payments = data.flag_summary.get("payments") if data.flag_summary else None
    paid = f"Payments are mentioned in the messages ({len(payments)})" if payments else "Not recorded"
    if case.police_account.get("paid") not in (None, ""):
        paid = f"The person says: {police_answers({'paid': case.police_account['paid']})[0][1]}"
    half = LEDGER_ROWS // 2
    ledger_rows = data.ledger
    if len(ledger_rows) > LEDGER_ROWS:
        ledger_rows = [*ledger_rows[:half], *ledger_rows[-half:]]
    sides = {
        "offender": data.offender_details(),
        "demands": data.demands(),
        "victim": data.victim_sent(),
        "participants": data.side("participant"),
        "headers": data.side("header"),
    }
    return dict(
        data=data, integrity=integrity, ref=case.reference or case.id,
        generated=_fmt(datetime.now(UTC)), fmt=_fmt, date_range=data.date_range, demands=data.demands(),
        payments=data.payment_details(), paid=paid, minor=minor, withheld=withheld,
        withheld_count=sum(1 for v in withheld.values() if v), images=images,
        fingerprint=fingerprint(integrity.public_key), sides=sides, exhibit=data.exhibit,
        acquisition=acquisition, continuity=statement(data, integrity, withheld),
        drafts=platform_drafts(data), police_answers=police_answers(case.police_account),
        ledger_rows=ledger_rows, csv_files=csv_files(data.message_count),
    )


def render_html(data: ReportData, integrity: Integrity, image_loader: Callable[[str], bytes] | None = None,
                include_intimate: bool = False) -> str:
    ctx = report_context(data, integrity, image_loader, include_intimate)
    return _env().get_template("report.html.j2").render(**ctx)


def renderer() -> str:
    """``typst`` (default; fast and linear for long documents) or ``weasyprint`` (``HAVEN_PDF_RENDERER``,
    and the fallback when the typst package is missing)."""
    import os

    wanted = os.environ.get("HAVEN_PDF_RENDERER", "typst").strip().lower()
    if wanted == "typst":
        try:
            import typst  # noqa: F401
        except ImportError:
            return "weasyprint"
    return "weasyprint" if wanted == "weasyprint" else "typst"


def render_pdf(data: ReportData, integrity: Integrity, out: BinaryIO | str | Path,
               image_loader: Callable[[str], bytes] | None = None, include_intimate: bool = False) -> None:
    """Write the report as a tagged PDF/UA-1 document, with Typst (default) or WeasyPrint."""
    if renderer() == "typst":
        from haven.report.pdf_typst import compile_typst, render_typst

        ctx = report_context(data, integrity, image_loader, include_intimate)
        pdf = compile_typst(render_typst(data, ctx))
        if isinstance(out, str | Path):
            Path(out).write_bytes(pdf)
        else:
            out.write(pdf)
        return
    from weasyprint import HTML

    html = render_html(data, integrity, image_loader, include_intimate)
    HTML(string=html, base_url=str(_TEMPLATES)).write_pdf(out, pdf_variant="pdf/ua-1",
                                                          custom_metadata=True)


PDF_STAGES = ("reading the case", "key moments", "writing the PDF")
"""The stages ``build_pdf`` reports, in order (a case whose offender details must be made again first, or a
source that is not a vault, adds its own before them)."""


def build_pdf(vault: Any, out_path: str | Path, progress: Any = None, tlp: str = "amber") -> Path:
    """``haven case report``: the PDF alone, for reading. Logged in the ledger with the PDF's hash.
    ``progress(stage, done, total)`` is called as the work goes on (the web app's background job)."""
    import hashlib

    from haven.report.data import collect
    from haven.report.package import items_root
    from haven.report.signing import load_or_create_key, public_key_hex

    key = load_or_create_key(vault)
    data = collect(vault, progress=progress)
    data.tlp = tlp
    ledger = data.ledger
    integrity = Integrity(items_root(data.items), ledger[-1].entry_hash if ledger else "", len(ledger),
                          public_key_hex(key))
    buf = io.BytesIO()
    if progress is not None:
        progress("writing the PDF", 0, 0)
    render_pdf(data, integrity, buf, image_loader=vault.read_item)
    out = Path(out_path)
    out.write_bytes(buf.getvalue())
    vault.log("report", {"out": str(out)}, sha256=hashlib.sha256(buf.getvalue()).hexdigest())
    return out
