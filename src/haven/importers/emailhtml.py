"""HTML email bodies to readable text, with the stdlib ``html.parser`` (used by :mod:`emailparse`)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID_TAGS = frozenset(
    {
        "br",
        "img",
        "hr",
        "meta",
        "link",
        "input",
        "area",
        "base",
        "col",
        "embed",
        "source",
        "track",
        "wbr",
        "param",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "dl",
        "dt",
        "dd",
        "center",
        "form",
        "fieldset",
        "address",
        "main",
        "nav",
        "aside",
        "figure",
        "figcaption",
        "body",
        "html",
    }
)
_CELL_TAGS = frozenset({"td", "th"})
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|$|!)"
    r"|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$|!)|max-height\s*:\s*0(?:px)?\s*(?:;|$|!)",
    re.IGNORECASE,
)


class _TextExtractor(HTMLParser):
    """HTML to readable text with the stdlib parser.

    Written by hand (no well-kept library does exactly this with the stdlib alone): script/style/head are
    dropped; text hidden with CSS (``display:none``, ``font-size:0``...) or the ``hidden`` attribute is
    dropped, because scam mails hide junk words between the real ones to fool filters; inline tags add
    nothing, so a word or an address split across ``<span>``s is joined again; block tags start a new line.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.dropped = 0

    def _dropping(self) -> bool:
        return self.dropped > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in _BLOCK_TAGS and not self._dropping():
            self.out.append("\n")
        elif tag in _CELL_TAGS and not self._dropping():
            self.out.append(" ")
        if tag in _VOID_TAGS:
            return
        attr = dict(attrs)
        drop = tag in _SKIP_TAGS or "hidden" in attr or bool(_HIDDEN_STYLE.search(attr.get("style") or ""))
        self.stack.append((tag, drop))
        self.dropped += drop

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() in _BLOCK_TAGS and not self._dropping():
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack:
                open_tag, drop = self.stack.pop()
                self.dropped -= drop
                if open_tag == tag:
                    break
        if tag in _BLOCK_TAGS and not self._dropping():
            self.out.append("\n")
        elif tag in _CELL_TAGS and not self._dropping():
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._dropping():
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def text(self) -> str:
        lines = [re.sub(" {2,}", " ", line).strip() for line in "".join(self.out).split("\n")]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    """Readable text from an HTML email body (see :class:`_TextExtractor` for what is dropped)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; keep whatever was read before a failure
        pass
    return parser.text()
