"""The continuity statement: a plain, first-person account of how the evidence was captured and kept.

It is for the person to read, correct and give to the officer who takes their witness statement (MG11 in
England and Wales): what was captured, from which app and account, on which device, when, by what means
(export, screenshot, upload), with which Haven version, each exhibit with its SHA-256, and that the
originals were not altered (ACPO principle 1) and every action on them is in a verifiable log (principle 3).
Haven does not take statements: the statement says so. The same text goes into the PDF, the package
(``continuity-statement.txt``) and the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haven.core.models import Item
from haven.indicators.messages import platform_for
from haven.report.data import ReportData
from haven.report.exhibits import acquisition, is_upload

_FORMAT_WORDS = {"whatsapp": "WhatsApp", "telegram": "Telegram", "instagram": "Instagram",
                 "facebook": "Facebook", "messenger": "Messenger", "snapchat": "Snapchat", "signal": "Signal",
                 "discord": "Discord", "email": "email", "eml": "email", "mbox": "email",
                 "msg": "Outlook email",
                 "image": "picture", "generic": "file"}


@dataclass(frozen=True)
class ExhibitLine:
    ref: str
    filename: str
    sha256: str
    how: str
    when: str
    kept: str


def _app_of(item: Item) -> str:
    importer = item.acquired_by.split(" (", 1)[0].lower()
    for key, word in _FORMAT_WORDS.items():
        if importer.startswith(key):
            return word
    return importer or "file"


def _means(item: Item, parent: Item | None, parent_ref: str) -> str:
    app = _app_of(item)
    if parent is not None:
        return f"taken by Haven from inside exhibit {parent_ref} ({parent.filename})"
    if is_upload(item):
        kind = "a picture" if item.media_type.startswith("image/") else f"a {app} file"
        return f"{kind} that I uploaded in the Haven app"
    if item.media_type.startswith("image/"):
        device = " ".join(str(item.exif.get(k, "")).strip() for k in ("Make", "Model")).strip()
        return "a screenshot or picture" + (f" (taken on a {device})" if device else "") + \
            f", imported into Haven ({acquisition(item)})"
    if app in ("email", "Outlook email"):
        return f"an email I saved, imported into Haven ({acquisition(item)})"
    return f"the {app} export of the chat, made with the app's own export feature, imported into Haven " \
        f"({acquisition(item)})"


def exhibit_lines(data: ReportData, withheld: dict[str, str | None] | None = None) -> list[ExhibitLine]:
    by_id = {i.id: i for i in data.items}
    lines = []
    for item in data.items:
        parent = by_id.get(item.parent_id or "")
        reason = (withheld or {}).get(item.id)
        kept = f"not copied into the package: {reason}" if reason else "a copy is in the package"
        if not item.stored:
            kept = "only its hash and location were recorded; no copy was made"
        lines.append(ExhibitLine(data.exhibit(item.id), item.filename, item.sha256,
                                 _means(item, parent, data.exhibit(item.parent_id)),
                                 item.acquired_utc.strftime("%Y-%m-%d %H:%M UTC"), kept))
    return lines


def _accounts(data: ReportData) -> str:
    case = data.case
    pairs = [f"{_FORMAT_WORDS.get(p, p.title())}: {name}" for p, name in sorted(case.own_accounts.items())]
    if not pairs and case.me:
        pairs = [f"my name in the chats: {', '.join(case.me)}"]
    return "; ".join(pairs)


def statement(data: ReportData, integrity: Any, withheld: dict[str, str | None] | None = None) -> list[str]:
    """The statement as paragraphs (plain text, first person)."""
    from haven.report.signing import fingerprint

    case = data.case
    apps = sorted({w for f in data.sources for w in [_FORMAT_WORDS.get((platform_for(f) or f).split("-")[0])]
                   if w})
    first, last = data.date_range
    lines = exhibit_lines(data, withheld)
    paras = [
        "Continuity statement (draft for me to check and correct)",
        "I, [my full name], make this note about how I collected and kept the evidence in case "
        f"{case.reference or case.id}. The police officer who takes my statement will write the formal "
        "witness statement with me; Haven, the program I used, only prepared these facts from its own log.",
        f"I collected {len(lines)} exhibit(s) using Haven version {data.tool_version} on my own device. "
        + (f"They come from {', '.join(apps)}. " if apps else "")
        + (f"The messages run from {first:%d %B %Y} to {last:%d %B %Y} (UTC). " if first and last else "")
        + (f"My own account names: {_accounts(data)}. " if _accounts(data) else ""),
    ]
    for tb in data.time_bases:
        unsettled = (f" For {tb.ambiguous} message(s) the day and month order could not be settled from "
                     "the file itself." if tb.ambiguous else "")
        paras.append(f"The times in exhibit {tb.exhibit} ({tb.filename}) were written by the app without a "
                     f"time zone; Haven read them as {tb.basis}.{unsettled}")
    paras.append("The exhibits are:")
    for ln in lines:
        paras.append(f"{ln.ref}: {ln.filename} — {ln.how}; recorded by Haven on {ln.when}; "
                     f"SHA-256 {ln.sha256}; {ln.kept}.")
    paras += [
        "I did not change any of the original files. Haven copied each one, encrypted, into my case and "
        "worked only on those copies; the SHA-256 values above identify the originals exactly, so anyone "
        "can check that a file is the same one.",
        f"Every action on the evidence is in Haven's log, a hash chain of {integrity.ledger_entries} entries "
        f"ending at {integrity.ledger_head}. The package is signed with the key whose fingerprint is "
        f"{fingerprint(integrity.public_key)}; anyone can check it with 'haven verify'.",
        "I have read this and it is true to the best of my knowledge. [Please correct anything that is not "
        "right before you give it to the officer.]",
    ]
    return paras


def statement_text(data: ReportData, integrity: Any, withheld: dict[str, str | None] | None = None) -> str:
    return "\n\n".join(statement(data, integrity, withheld)) + "\n"


def case_statement(vault: Any) -> str:
    """The statement for a case as it stands now (the app's page and ``haven case continuity``)."""
    from haven.report.data import collect
    from haven.report.package import Integrity, items_root, withheld_reason
    from haven.report.signing import load_or_create_key, public_key_hex

    data = collect(vault)
    ledger = data.ledger
    integrity = Integrity(items_root(data.items), ledger[-1].entry_hash if ledger else "", len(ledger),
                          public_key_hex(load_or_create_key(vault)))
    minor = vault.case.is_minor
    withheld = {i.id: withheld_reason(i, minor=minor, include_intimate=False) for i in data.items}
    return statement_text(data, integrity, withheld)
