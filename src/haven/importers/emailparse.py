"""Email parsing shared by the email importers (.eml, .mbox, .msg) and the sextortion email checker.

One function per input shape, all returning the same :class:`ParsedEmail`:

- :func:`parse_email` — one RFC 5322 message as bytes (stdlib ``email`` with ``policy.default``). Every MIME
  part is walked; base64 and quoted-printable are undone; every charset is decoded (with a safe fallback when
  the declared charset is wrong or unknown); HTML bodies are turned into text; attachments and inline images
  are kept as bytes.
- :func:`iter_mbox` — stream the raw messages out of an mbox file, one at a time.
- :func:`parse_msg` — an Outlook ``.msg`` file, through ``extract-msg``.

Malformed input raises :class:`haven.core.errors.ImportFileError` with a plain-words message.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from pathlib import Path
from typing import NamedTuple

from haven.core.errors import ImportFileError
from haven.importers.emailhtml import html_to_text
from haven.importers.mimelimits import check_mime_limits

__all__ = [
    "EmailAttachment",
    "ParsedEmail",
    "html_to_text",
    "iter_mbox",
    "looks_like_email",
    "parse_email",
    "parse_msg",
]

MAX_EMAIL_BYTES = 100 * 1024 * 1024
"""Refuse single messages above this size (a runaway or wrong file, not an email)."""
MAX_PARTS = 5000
"""Refuse messages with more MIME parts than this (a MIME bomb)."""


class EmailAttachment(NamedTuple):
    """One attachment or inline part that is not the message text: ``(filename, media_type, data)``."""

    filename: str
    media_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    """One email, decoded. Header values are decoded text (RFC 2047 words undone)."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    """Every header in file order, duplicates kept: ``[(name, value), ...]``."""
    subject: str = ""
    from_: str = ""
    """The From header as written (display name and address)."""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str = ""
    return_path: str = ""
    date: datetime | None = None
    """The Date header as an aware UTC datetime, or None when absent or unreadable."""
    date_raw: str = ""
    message_id: str = ""
    received: list[str] = field(default_factory=list)
    """Received headers, top (newest hop) first, as in the file."""
    authentication_results: list[str] = field(default_factory=list)
    text: str = ""
    """The readable body: the text/plain parts, or the HTML converted to text when there is no plain part."""
    html: str = ""
    """The HTML body as sent (empty when there is none)."""
    attachments: list[EmailAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Problems found while parsing that did not stop it (bad charset, broken base64...)."""
    filename: str = ""

    def header(self, name: str) -> str:
        """The first value of header ``name`` (case-insensitive), or ``""``."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in file order."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    @property
    def from_address(self) -> str:
        """The From address alone, lower-cased (``""`` when absent)."""
        return _address(self.from_)

    @property
    def reply_to_address(self) -> str:
        return _address(self.reply_to)

    @property
    def return_path_address(self) -> str:
        return _address(self.return_path)

    @property
    def to_addresses(self) -> list[str]:
        return [addr.lower() for _, addr in email.utils.getaddresses(self.to) if addr]

    @property
    def html_text(self) -> str:
        """The HTML body converted to text (``""`` when there is no HTML part)."""
        return html_to_text(self.html) if self.html else ""


def _address(value: str) -> str:
    if not value:
        return ""
    pairs = email.utils.getaddresses([value])
    for _, addr in pairs:
        if addr:
            return addr.strip("<>").lower()
    return ""


# --------------------------------------------------------------------------------------------- detection

_BINARY_MAGIC = (
    b"PK\x03\x04",
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\xd0\xcf\x11\xe0",
    b"\x1f\x8b",
)


_HEADER_LINE = re.compile(rb"^[A-Za-z0-9][A-Za-z0-9_-]{0,75}:(?:[ \t]|$)")


def looks_like_email(data: bytes) -> bool:
    """True when ``data`` starts with RFC 5322 header lines (``Name: value``), or an mbox ``From `` line."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if head.startswith(b"From "):
        head = head.split(b"\n", 1)[1] if b"\n" in head else b""
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    return bool(_HEADER_LINE.match(first))


# ------------------------------------------------------------------------------------------ parse_email


def parse_email(data: bytes, filename: str = "") -> ParsedEmail:
    """Parse one email message (the bytes of an ``.eml`` file or one mbox message).

    Raises ImportFileError when the bytes are empty, binary (a zip, a picture, an Outlook file...), too large,
    or have no header lines at all.
    """
    label = filename or "the email"
    if not data or not data.strip():
        raise ImportFileError(f"{label} is empty: there is no email in it.")
    if len(data) > MAX_EMAIL_BYTES:
        raise ImportFileError(
            f"{label} is larger than {MAX_EMAIL_BYTES // (1024 * 1024)} MB; "
            "it does not look like a single email."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(f"{label} is an Outlook .msg file, not a plain email; open it as .msg.")
    if data.lstrip().startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]:
        raise ImportFileError(
            f"{label} is not an email: it holds binary data (a picture, a zip or another kind of file)."
        )
    if not looks_like_email(data):
        raise ImportFileError(
            f"{label} is not an email: it does not start with header lines such as 'From:' or 'Subject:'."
        )
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if data.startswith(b"From "):  # one message copied out of an mbox, with its separator line
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    check_mime_limits(data, label)  # depth, parts, attached emails: designed limits, plain messages
    try:
        msg = email.message_from_bytes(data, policy=policy.default)
    except Exception as exc:  # the stdlib parser is lenient; anything it raises means a broken file
        raise ImportFileError(f"{label} could not be read as an email ({exc}).") from exc
    parsed = ParsedEmail(filename=filename)
    _read_headers(msg, parsed)
    _read_parts(msg, parsed, label)
    return parsed


def _header_text(msg: Message, name: str, raw: str) -> str:
    """Decoded header text; falls back to decoding the raw value by hand if the policy parser chokes."""
    try:
        value = str(raw)
    except Exception:
        value = ""
    if value and "=?" not in value:
        return _unfold(value)
    try:
        decoded = str(email.header.make_header(email.header.decode_header(str(raw))))
    except Exception:
        decoded = value or str(raw)
    return _unfold(decoded)


def _unfold(value: str) -> str:
    """Folded header lines joined; tabs and line breaks of folding become single spaces."""
    return " ".join(value.split()) if ("\n" in value or "\t" in value) else value


def _read_headers(msg: Message, parsed: ParsedEmail) -> None:
    for name, raw in msg.raw_items():
        try:
            value = msg.policy.header_fetch_parse(name, raw)
            text = _header_text(msg, name, value)
        except Exception:
            text = _header_text(msg, name, raw)
            parsed.warnings.append(f"header {name} is malformed; kept as written")
        parsed.headers.append((name, text))
    get = parsed.header
    parsed.subject = get("Subject")
    parsed.from_ = get("From")
    parsed.to = parsed.header_all("To")
    parsed.cc = parsed.header_all("Cc")
    parsed.reply_to = get("Reply-To")
    parsed.return_path = get("Return-Path")
    parsed.message_id = get("Message-ID").strip()
    parsed.received = parsed.header_all("Received")
    parsed.authentication_results = parsed.header_all("Authentication-Results")
    parsed.date_raw = get("Date")
    if parsed.date_raw:
        try:
            date = email.utils.parsedate_to_datetime(parsed.date_raw)
            parsed.date = (date if date.tzinfo else date.replace(tzinfo=UTC)).astimezone(UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed.warnings.append(f"the Date header could not be read: {parsed.date_raw!r}")


def decode_text_part(part: Message, warnings: list[str] | None = None) -> str:
    """The text of one text/* part: transfer encoding undone, then its charset (with fallbacks)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = (part.get_content_charset() or "").strip().strip('"').lower() or "utf-8"
    if charset in ("us-ascii", "ascii", "646"):
        charset = "utf-8"  # mislabelled 8-bit text is common; utf-8 is a superset of ascii
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    if warnings is not None:
        warnings.append(f"a text part is not valid {charset}; decoded as Windows-1252")
    return payload.decode("cp1252", errors="replace")


_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
}


def _read_parts(msg: Message, parsed: ParsedEmail, label: str) -> None:
    plain: list[str] = []
    html: list[str] = []
    count = 0
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop(0)
        count += 1
        if count > MAX_PARTS:
            raise ImportFileError(f"{label} has more than {MAX_PARTS} parts; refused as unsafe.")
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            data = inner_msg.as_bytes(policy=policy.SMTP) if isinstance(inner_msg, Message) else b""
            name = _filename(part) or f"attached-message-{len(parsed.attachments) + 1}.eml"
            parsed.attachments.append(EmailAttachment(name, ctype, data, False, _cid(part)))
            continue
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack[0:0] = [c for c in children if isinstance(c, Message)]
            continue
        disposition = (part.get_content_disposition() or "").lower()
        fname = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not fname:
            text = decode_text_part(part, parsed.warnings)
            (plain if ctype == "text/plain" else html).append(text)
            continue
        try:
            decoded = part.get_payload(decode=True)
            data = decoded if isinstance(decoded, bytes) else b""
        except Exception:
            data = b""
            parsed.warnings.append(f"part {fname or ctype} could not be decoded")
        for defect in getattr(part, "defects", []):
            if "Base64" in type(defect).__name__:
                parsed.warnings.append(f"part {fname or ctype}: {defect}")
        name = fname or f"part-{len(parsed.attachments) + 1}{_EXT.get(ctype, '.bin')}"
        parsed.attachments.append(EmailAttachment(name, ctype, data, disposition != "attachment", _cid(part)))
    parsed.html = "\n".join(html)
    if plain:
        parsed.text = "\n".join(plain)
    elif html:
        parsed.text = html_to_text(parsed.html)
    parsed.text = parsed.text.replace("\r\n", "\n")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return Path(name.replace("\\", "/")).name if name else ""


def _cid(part: Message) -> str:
    return str(part.get("Content-ID", "") or "").strip().strip("<>")


# ------------------------------------------------------------------------------------------------- mbox


def iter_mbox(path: str | Path) -> Iterator[bytes]:
    """Yield the raw bytes of each message in an mbox file, reading it once, line by line.

    Written by hand because the stdlib ``mailbox.mbox`` opens the file read-write and first scans the
    whole file to build a table of contents; evidence files must be opened read-only and may be many GB.
    Messages start at a ``From `` line at the start of the file or after a blank line; ``>From `` quoting
    (mboxrd / mboxo) is undone by removing one ``>``.

    Raises ImportFileError when the file does not start with an mbox ``From `` line.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportFileError(f"{path.name} could not be opened: {exc.strerror or exc}.") from exc
    with handle:
        current: list[bytes] | None = None
        previous_blank = True
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                if current is not None:
                    yield _finish(current)
                current = []
                previous_blank = False
                continue
            if current is None:
                if not line.strip():
                    continue
                raise ImportFileError(
                    f"{path.name} is not an mbox file: it does not start with a 'From ' separator line."
                )
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            current.append(line)
            previous_blank = not line.strip()
        if current is not None:
            yield _finish(current)


def _finish(lines: list[bytes]) -> bytes:
    data = b"".join(lines)
    # the blank line before the next separator belongs to the mbox format, not to the message
    if data.endswith(b"\r\n\r\n"):
        return data[:-2]
    if data.endswith(b"\n\n"):
        return data[:-1]
    return data


# ------------------------------------------------------------------------------------------------- .msg


def parse_msg(path: str | Path | bytes, filename: str = "") -> ParsedEmail:
    """Parse an Outlook ``.msg`` file (a path, or its bytes) into a ParsedEmail: see ``emailmsg``."""
    from haven.importers.emailmsg import parse_msg as _parse_msg  # extract-msg is slow to import

    return _parse_msg(path, filename)
