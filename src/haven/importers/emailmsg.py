"""Outlook ``.msg`` files, read with ``extract-msg`` into the same :class:`ParsedEmail` as every other email.

Kept apart from ``emailparse`` because extract-msg is slow to import and only ``.msg`` files need it.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from pathlib import Path

from haven.core.errors import ImportFileError
from haven.importers.emailparse import EmailAttachment, ParsedEmail, _header_text, html_to_text


def parse_msg(path: str | Path | bytes, filename: str = "") -> ParsedEmail:
    """Parse an Outlook ``.msg`` file (a path, or the file's bytes) with extract-msg into a ParsedEmail.

    Transport headers are used when the file keeps them; otherwise the headers are rebuilt from the MAPI
    properties (Subject, From, To, Cc, Date, Message-ID).
    """
    import extract_msg  # imported here: it is slow to import and only .msg files need it

    if isinstance(path, bytes):
        source: str | bytes = path
        name = filename or "the Outlook file"
    else:
        source = str(path)
        name = filename or Path(path).name
    try:
        msg = extract_msg.openMsg(source, delayAttachments=False)
    except Exception as exc:
        raise ImportFileError(f"{name} could not be read as an Outlook .msg file ({exc}).") from exc
    try:
        return _from_msg(msg, name)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"{name} is a damaged Outlook .msg file ({exc}).") from exc
    finally:
        try:
            msg.close()
        except Exception:
            pass


def _from_msg(msg: object, name: str) -> ParsedEmail:
    parsed = ParsedEmail(filename=name)
    header = getattr(msg, "header", None)
    if header is not None:
        for key, value in header.items():
            text = _nul(_header_text(header, key, value))
            if text.strip():  # extract-msg fills a made-up header with empty values
                parsed.headers.append((key, text))
    if not parsed.headers:
        for key, attr in (
            ("From", "sender"),
            ("To", "to"),
            ("Cc", "cc"),
            ("Subject", "subject"),
            ("Date", "date"),
            ("Message-ID", "messageId"),
        ):
            value = getattr(msg, attr, None)
            if value:
                if isinstance(value, datetime):
                    value = email.utils.format_datetime(value if value.tzinfo else value.replace(tzinfo=UTC))
                parsed.headers.append((key, str(value)))
    get = parsed.header
    parsed.subject = _nul(getattr(msg, "subject", None) or get("Subject"))
    parsed.from_ = _nul(getattr(msg, "sender", None) or get("From"))
    to = _nul(getattr(msg, "to", None) or get("To"))
    parsed.to = [to] if to else []
    cc = _nul(getattr(msg, "cc", None) or "")
    parsed.cc = [cc] if cc else parsed.header_all("Cc")
    parsed.reply_to = get("Reply-To")
    parsed.return_path = get("Return-Path")
    parsed.message_id = _nul(getattr(msg, "messageId", None) or get("Message-ID") or "").strip()
    parsed.received = parsed.header_all("Received")
    parsed.authentication_results = parsed.header_all("Authentication-Results")
    date = getattr(msg, "date", None)
    parsed.date_raw = get("Date")
    if not isinstance(date, datetime) and parsed.date_raw:
        try:
            date = email.utils.parsedate_to_datetime(parsed.date_raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed.warnings.append(f"the Date header could not be read: {parsed.date_raw!r}")
    if isinstance(date, datetime):
        parsed.date = (date if date.tzinfo else date.replace(tzinfo=UTC)).astimezone(UTC)
        parsed.date_raw = parsed.date_raw or email.utils.format_datetime(parsed.date)
    body = _nul(getattr(msg, "body", None) or "")
    html_body: str | bytes = ""
    # extract-msg makes an HTML body up from the plain one; keep HTML only when the file really has it
    has_html = any(_exists(msg, f"__substg1.0_1013{kind}") for kind in ("0102", "001F", "001E"))
    if has_html or not body:
        html_body = getattr(msg, "htmlBody", None) or b""
    if isinstance(html_body, bytes):
        html_body = html_body.decode("utf-8", errors="replace")
    parsed.html = _nul(html_body)
    parsed.text = (body or (html_to_text(html_body) if html_body else "")).replace("\r\n", "\n")
    for att in getattr(msg, "attachments", []) or []:
        data = getattr(att, "data", None)
        fname = _nul(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or "")
        mime = _nul(getattr(att, "mimetype", None) or "") or "application/octet-stream"
        if isinstance(data, bytes):
            parsed.attachments.append(
                EmailAttachment(
                    fname or f"part-{len(parsed.attachments) + 1}.bin",
                    mime,
                    data,
                    bool(getattr(att, "hidden", False)),
                    _nul(getattr(att, "cid", None) or ""),
                )
            )
        elif data is not None and hasattr(data, "exportBytes"):  # an attached message
            name = fname or f"attached-message-{len(parsed.attachments) + 1}.msg"
            parsed.attachments.append(EmailAttachment(name, "application/vnd.ms-outlook", data.exportBytes()))
        else:
            parsed.warnings.append(f"attachment {fname or '(no name)'} could not be read")
    return parsed


def _nul(value: object) -> str:
    """MAPI strings often keep their NUL terminator; drop it."""
    return str(value).replace("\x00", "") if value else ""


def _exists(msg: object, stream: str) -> bool:
    try:
        return bool(msg.exists(stream))  # type: ignore[attr-defined]
    except Exception:
        return False
