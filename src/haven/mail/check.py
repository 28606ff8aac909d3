"""Is this email a sextortion scam? The checker that ties the mail package together.

``check_email(data)`` takes the bytes of an ``.eml`` file, an Outlook ``.msg`` file, or pasted text (headers
optional); ``iter_inputs(path)`` also splits ``.mbox`` files. Steps: parse (haven.importers.emailparse), read
the pictures (OCR), undo filter-dodging tricks, match every language's cue lists, pull out wallet addresses
(haven.indicators, with their checksums), the amount, the deadline and the quoted password, check the sender,
look the addresses up in the known-scam lists and the password in Pwned Passwords, then weigh it all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from haven.core.errors import ImportFileError
from haven.importers.emailparse import (
    ParsedEmail,
    html_to_text,
    iter_mbox,
    looks_like_email,
    parse_email,
    parse_msg,
)
from haven.indicators import KINDS, extract
from haven.mail.details import find_deadline, find_password, main_amount
from haven.mail.known import KnownAddresses
from haven.mail.language import detect_language
from haven.mail.lexicon import lexicons, scan
from haven.mail.normalize import normalize
from haven.mail.ocr import MAX_IMAGES, looks_like_photo, ocr_image, tesseract_available
from haven.mail.pwned import PwnedPasswords, PwnedResult
from haven.mail.sender import check_sender
from haven.mail.verdict import NOT, CryptoAddress, EmailVerdict, Evidence, advice_for, decide, reasons_for

CRYPTO_KINDS = frozenset({"btc", "bch", "eth", "ltc", "doge", "trx", "xmr", "dash", "zec", "xrp", "usdt"})
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PHOTO_MIN_BYTES = 8_000
MAX_TEXT = 100_000
"""Characters of text checked per email (sextortion emails are short; this bounds the work on huge ones)."""
NOT_A_NAME = frozenset(
    {
        "is",
        "was",
        "and",
        "will",
        "would",
        "has",
        "had",
        "the",
        "a",
        "to",
        "in",
        "on",
        "too",
        "also",
        "or",
        "but",
        "can",
        "could",
        "und",
        "et",
        "y",
        "e",
        "en",
    }
)
_ADDRESSISH = re.compile(r"\b[0-9A-Za-z]{25,110}\b")


def _decode_text(data: bytes) -> str:
    for codec in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_STANDARD_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "received",
        "return-path",
        "message-id",
        "mime-version",
        "delivered-to",
        "reply-to",
        "content-type",
        "sender",
        "authentication-results",
        "dkim-signature",
        "list-id",
        "x-original-to",
    }
)


def _has_standard_header(data: bytes) -> bool:
    """Pasted text that starts "Hello: ..." is not a header block; a real one names a standard header."""
    head = data[:8192].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    for line in head.split(b"\n"):
        name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        if name in _STANDARD_HEADERS or name.startswith("x-"):
            return True
    return False


def load_email(data: bytes, filename: str = "") -> ParsedEmail:
    """Bytes of an .eml, an Outlook .msg, or pasted text -> ParsedEmail. Raises ImportFileError."""
    label = filename or "the input"
    if data.startswith(OLE_MAGIC):
        return parse_msg(data, filename)
    if not data or not data.strip():
        raise ImportFileError(f"{label} is empty: there is no email in it.")
    if looks_like_email(data) and _has_standard_header(data):
        return parse_email(data, filename)
    if b"\x00" in data[:4096]:
        raise ImportFileError(f"{label} is not an email or text: it holds binary data.")
    text = _decode_text(data)
    parsed = ParsedEmail(filename=filename)
    if re.search(r"<(?:html|body|p|div|br|span|table)\b", text[:4096], re.IGNORECASE):
        parsed.html = text
        parsed.text = html_to_text(text)
    else:
        parsed.text = text.replace("\r\n", "\n")
    parsed.warnings.append("pasted text without email headers: the sender could not be checked")
    return parsed


def iter_inputs(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(label, bytes)`` for each email in a file: one for .eml/.msg/.txt, one per message for an mbox."""
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From " or path.suffix.lower() == ".mbox":
        for index, raw in enumerate(iter_mbox(path), start=1):
            yield f"{path.name}#{index}", raw
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path.name} could not be read: {exc.strerror or exc}.") from exc
    yield path.name, data


def check_email(
    data: bytes,
    filename: str = "",
    *,
    known_addresses: KnownAddresses | None = None,
    pwned: PwnedPasswords | None = None,
    ocr: bool = True,
    use_model: bool = True,
) -> EmailVerdict:
    """Check one email (bytes of .eml / .msg / pasted text). Raises ImportFileError when unreadable.
    ``use_model=False`` gives the rule layer's verdict alone (the benchmark compares the two)."""
    parsed = load_email(data, filename)
    return check_parsed(parsed, known_addresses=known_addresses, pwned=pwned, ocr=ocr, use_model=use_model)


def _crypto_kinds() -> frozenset[str]:
    return frozenset(name for name in KINDS.names() if name in CRYPTO_KINDS)


def _addresses(text: str, source: str, known: KnownAddresses | None) -> list[CryptoAddress]:
    kinds = _crypto_kinds()
    out: list[CryptoAddress] = []
    for ind in extract(text):
        if ind.kind not in kinds:
            continue
        addr = CryptoAddress(value=ind.value, kind=ind.kind, valid=ind.valid, source=source)
        if known is not None:
            hit = known.lookup(ind.value)
            if hit is not None:
                addr.known, addr.known_count, addr.known_source = True, hit.count, hit.source
        out.append(addr)
    return out


_OCR_FIXES = {"O": "0o", "o": "o0", "0": "0oO", "I": "1il", "l": "l1I", "1": "1lI", "i": "il1"}


def repair_ocr_addresses(text: str) -> str:
    """Extra candidate spellings for wallet addresses misread by OCR (``0``/``O``, ``1``/``l``, a ``be1``
    or ``bcl`` prefix); the indicator validators keep only the ones whose checksum holds."""
    candidates: list[str] = []
    for token in _ADDRESSISH.findall(text):
        low = token.lower()
        prefix = re.match(r"^b[a-z]{0,2}[1l](?=q)", low)
        if prefix:
            rest = low[prefix.end() :]
            candidates.append("bc1" + rest.replace("o", "0").replace("b", "6").replace("i", "l"))
            continue
        if token[0] in "13" or token[0] in "Il":
            fixed = [("1" if token[0] in "Il" else token[0])]
            options = [_OCR_FIXES.get(ch, ch) if ch in "0OIl" else ch for ch in token[1:]]
            variants = [""]
            for opt in options:
                variants = [v + o for v in variants for o in opt][:64]
            candidates.extend(fixed[0] + v for v in variants)
    return "\n".join(candidates)


def _analysis_text(parsed: ParsedEmail) -> str:
    parts = [parsed.subject, parsed.text]
    html_text = parsed.html_text if parsed.html else ""
    if html_text:
        plain_words = set(parsed.text.lower().split())
        extra = [w for w in html_text.lower().split() if w not in plain_words]
        if len(extra) > 5:  # the HTML says something the plain part does not
            parts.append(html_text)
    for att in parsed.attachments:  # a scam forwarded as an attachment
        if att.media_type == "message/rfc822" and att.data:
            try:
                inner = parse_email(att.data, att.filename)
            except ImportFileError:
                continue
            parts.extend([inner.subject, inner.text])
    return "\n".join(p for p in parts if p)


def check_parsed(
    parsed: ParsedEmail,
    *,
    known_addresses: KnownAddresses | None = None,
    pwned: PwnedPasswords | None = None,
    ocr: bool = True,
    use_model: bool = True,
) -> EmailVerdict:
    """Check an already parsed email."""
    warnings = list(parsed.warnings)
    text = _analysis_text(parsed)
    if len(text) > MAX_TEXT:
        warnings.append(f"only the first {MAX_TEXT:,} characters were checked")
        text = text[:MAX_TEXT]
    norm = normalize(text)
    cues = scan(norm.folded)
    addresses = _addresses(norm.clean, "text", known_addresses)

    # pictures: read the text in them; a photo-like picture is evidence of a targeted threat
    photo = video = in_image = False
    images = [a for a in parsed.attachments if a.media_type.startswith("image/")]
    for att in parsed.attachments:
        if att.media_type.startswith("video/"):
            video = True
    if images and ocr and not tesseract_available():
        warnings.append("Tesseract is not installed, so the text in pictures was not read")
    for att in images[:MAX_IMAGES]:
        if len(att.data) >= PHOTO_MIN_BYTES and looks_like_photo(att.data):
            # a photograph (perhaps an intimate one): no need to read it, and better not to
            photo = True
            continue
        text = ocr_image(att.data) if ocr else ""
        found = _addresses(text + "\n" + repair_ocr_addresses(text), "image", known_addresses) if text else []
        seen = {a.value for a in addresses}
        fresh = [a for a in found if a.valid and a.value not in seen]
        if fresh:
            in_image = True
            addresses.extend(fresh[:1] if len(fresh) > 1 and len({a.kind for a in fresh}) == 1 else fresh)

    seen_values: set[str] = set()
    unique: list[CryptoAddress] = []
    for addr in addresses:
        key = addr.value.lower()
        if key not in seen_values:
            seen_values.add(key)
            unique.append(addr)
    payment_spans = [(h.start, h.end) for h in cues["payment"]]
    amount = main_amount(norm, payment_spans)
    deadline = find_deadline(norm, payment_spans)
    quoted = find_password(norm)
    names = []
    for hit in cues["contacts_named"]:
        word = norm.clean[hit.start : hit.end].split()[-1]
        if word[:1].isupper() and word.lower() not in NOT_A_NAME and word not in names:
            names.append(word)
    lang, _prob = detect_language(norm.clean)
    evidence = Evidence(
        cues=cues,
        names=names,
        addresses=unique,
        amount=amount,
        deadline=deadline,
        password=quoted.value if quoted else None,
        pwned=None,
        sender=check_sender(parsed),
        tricks=norm.tricks + _html_tricks(parsed.html),
        photo_attached=photo,
        video_attached=video,
        address_in_image=in_image,
        language=lang,
        text=norm.clean,
    )
    verdict, confidence, signals = decide(evidence, use_model)
    if quoted and verdict != NOT and pwned is not None:
        evidence.pwned = pwned.check(quoted.value)
    pw_result = evidence.pwned or PwnedResult(
        None, None, "no", None, "not checked" if quoted else "no password quoted"
    )
    reasons = reasons_for(verdict, evidence)
    if verdict == NOT and lang and lang not in lexicons():
        reasons.append(
            (
                "not_checked_language",
                f"It is written in a language Haven's word lists do not "
                f"cover ({lang}), so the check is less sure.",
            )
        )
    return EmailVerdict(
        verdict=verdict,
        confidence=confidence,
        reasons=[text for _, text in reasons],
        reason_ids=[rid for rid, _ in reasons],
        crypto_addresses=unique,
        amount=amount,
        deadline=deadline,
        quoted_password={
            "present": quoted is not None,
            "value": quoted.value if quoted else None,
            "breached": pw_result.breached,
            "count": pw_result.count,
            "checked": pw_result.checked,
            "sent": pw_result.sent,
            "note": pw_result.note,
        },
        sender_spoofing=evidence.sender,
        language=lang,
        advice=advice_for(verdict, evidence),
        obfuscations=evidence.tricks,
        signals=signals,
        subject=parsed.subject,
        file=parsed.filename,
        warnings=warnings,
    )


_HIDDEN = re.compile(r"display\s*:\s*none|font-size\s*:\s*0(?![.\d]*[1-9])|visibility\s*:\s*hidden", re.I)
_SPLIT = re.compile(r"\w</(?:span|b|i|font|u|em|strong)>\s*<(?:span|b|i|font|u|em|strong)\b[^>]*>\w", re.I)


def _html_tricks(html: str) -> list[str]:
    tricks = []
    if html and _HIDDEN.search(html):
        tricks.append("hidden-text")
    if html and len(_SPLIT.findall(html)) >= 3:
        tricks.append("split-by-tags")
    return tricks
