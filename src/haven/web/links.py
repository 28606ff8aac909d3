"""Phone numbers and web addresses as links, so nobody has to retype them on a phone.

``contact_links(text)`` escapes the text and turns "116 123" into a ``tel:`` link, "text 85258" into
an ``sms:`` link and ``www.example.org.uk/long/path`` into a link whose text is the short site name (the
whole address is in the link, never in a line that could push the page sideways). ``tel_href``,
``sms_href`` and ``url_href`` build the link targets for the services' contact fields.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_TEXT = r"text|tecstiwch|tecstio|anfonwch neges at"
_SMS_NUMBER = r"\d{5,6}|0\d[\d ]{8,12}\d"
_PHONE = r"0\d{1,4}(?: ?\d{2,4}){1,4}|116 ?\d{3}|18001 101|18000|999|101|111|112|911|159"
_URL = (
    r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org\.uk|co\.uk|gov\.uk|police\.uk|nhs\.uk|scot|uk|org|com|net|gov|wales|cymru)"
    r"(?:/[^\s<>\"]*[^\s<>\".,;:!?)])?"
)
_PATTERN = re.compile(
    rf"(?P<text>\b(?:{_TEXT})\s+(?:[A-Za-z]+\s+(?:to|i)\s+)?)(?P<sms>{_SMS_NUMBER})(?![\d])"
    rf"|(?<![\d@.])(?P<tel>{_PHONE})(?![\d])"
    rf"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    rf"|(?P<url>{_URL})",
    re.IGNORECASE,
)


def digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def tel_href(number: str) -> str:
    return f"tel:{digits(number)}"


def sms_href(number: str) -> str:
    """``sms:85258``; a service's text line may carry a first word (``"SHOUT to 85258"``): the number
    is the last group of digits."""
    groups = re.findall(r"\+?\d[\d ]*\d|\d", number)
    return f"sms:{digits(groups[-1]) if groups else digits(number)}"


def url_href(url: str) -> str:
    url = url.strip()
    return url if url.startswith(("http://", "https://", "mailto:")) else f"https://{url}"


def short_site(url: str) -> str:
    """``https://www.childline.org.uk/info-advice/...`` -> ``childline.org.uk``."""
    host = re.sub(r"^https?://", "", url.strip()).split("/")[0]
    return host.removeprefix("www.")


def link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def site_link(url: str, text: str | None = None) -> Markup:
    """A web address as a link whose text is the site name (or ``text``), the full address in a title."""
    href = url_href(url)
    return Markup('<a href="{}" rel="noreferrer">{}</a>').format(href, text or short_site(url))


def contact_links(text: str | None) -> Markup:
    """Escaped ``text`` with phone numbers and addresses made into links."""
    if not text:
        return Markup("")
    out: list[str] = []
    pos = 0
    for m in _PATTERN.finditer(text):
        out.append(str(escape(text[pos : m.start()])))
        if m.group("tel"):
            out.append(str(link(tel_href(m.group("tel")), m.group("tel"))))
        elif m.group("email"):
            out.append(str(link(f"mailto:{m.group('email')}", m.group("email"))))
        elif m.group("sms"):
            out.append(str(escape(m.group("text"))) + str(link(sms_href(m.group("sms")), m.group("sms"))))
        else:
            out.append(str(site_link(m.group("url"))))
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))
