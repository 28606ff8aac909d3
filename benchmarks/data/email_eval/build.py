"""Build the email evaluation set (cases.toml) into raw email bytes, applying each case's obfuscations.

Used by ``benchmarks/bench_email.py``. Everything is generated deterministically (seeded by the case id):
the photo-like JPEG attachments are noise and gradients, the payment-address images are drawn with Pillow's
built-in font.
"""

from __future__ import annotations

import io
import random
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from pathlib import Path

CASES = Path(__file__).with_name("cases.toml")
IMAGE_ADDRESS = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
ADDRESS_RE = re.compile(r"\b(?:bc1[0-9a-z]{25,90}|[13][1-9A-HJ-NP-Za-km-z]{25,34})\b")
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "i": "і", "y": "у"}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
JUNK = ("lorem", "garden", "quarterly", "violet", "harbour", "tennis", "almond", "circuit")


@dataclass
class EvalEmail:
    id: str
    label: str
    lang: str
    obfuscations: list[str]
    data: bytes


def load_cases(path: Path = CASES) -> list[dict]:
    with path.open("rb") as handle:
        return tomllib.load(handle)["case"]


def _words_apply(text: str, rng: random.Random, rate: float, func) -> str:
    """Apply ``func`` to a share of the words, never touching payment addresses."""

    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        if ADDRESS_RE.fullmatch(word) or len(word) < 3 or rng.random() > rate:
            return word
        return func(word)

    return re.sub(r"[^\s]+", repl, text)


def zero_width(text: str, rng: random.Random) -> str:
    def insert(word: str) -> str:
        i = rng.randrange(1, len(word))
        return word[:i] + rng.choice(ZERO_WIDTH) + word[i:]

    return _words_apply(text, rng, 0.45, insert)


def homoglyph(text: str, rng: random.Random) -> str:
    def swap(word: str) -> str:
        return "".join(HOMOGLYPHS.get(ch, ch) if rng.random() < 0.5 else ch for ch in word)

    return _words_apply(text, rng, 0.4, swap)


def double_space(text: str) -> str:
    return re.sub(r"(?<=\S) (?=\S)", "  ", text)


def html_split(text: str, rng: random.Random, junk: bool) -> str:
    """HTML body: each paragraph a <p>, words cut into <span>s; with ``junk``, hidden junk words between."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", text.strip()):
        out = []
        for word in para.split():
            w = escape(word)
            if len(word) > 4 and not junk:
                cut = rng.randrange(1, len(word) - 1)
                w = f"<span>{escape(word[:cut])}</span><span>{escape(word[cut:])}</span>"
            out.append(w)
            if junk and rng.random() < 0.35:
                style = rng.choice(("display:none", "font-size:0px", "visibility:hidden"))
                out.append(f'<span style="{style}">{rng.choice(JUNK)}</span>')
        paragraphs.append("<p>" + " ".join(out) + "</p>")
    return "<html><body>\n" + "\n".join(paragraphs) + "\n</body></html>"


def photo_jpeg(seed: str) -> bytes:
    """A photo-like JPEG: colour gradients plus independent noise in each channel, no text."""
    from PIL import Image

    rng = random.Random(seed)
    width, height = 480, 360
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for sigma in (rng.randrange(30, 60), rng.randrange(30, 60), rng.randrange(30, 60)):
        noise = Image.effect_noise((width, height), sigma)
        channels.append(Image.blend(gradient.rotate(rng.randrange(0, 360)), noise, 0.5))
    img = Image.merge("RGB", channels)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def address_png(address: str) -> bytes:
    """A PNG with the payment address written on it (what scammers send to dodge text filters)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=26)
    width = int(font.getlength(address)) + 40
    img = Image.new("RGB", (width, 110), "white")
    draw = ImageDraw.Draw(img)
    draw.text((20, 15), "BTC wallet:", fill="black", font=font)
    draw.text((20, 60), address, fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build(case: dict) -> EvalEmail:
    rng = random.Random(case["id"])
    obf = list(case.get("obfuscate", []))
    body = case["body"].strip() + "\n"
    subject = case.get("subject", "")
    if "zero-width" in obf:
        body = zero_width(body, rng)
        subject = zero_width(subject, rng)
    if "homoglyph" in obf:
        body = homoglyph(body, rng)
        subject = homoglyph(subject, rng)
    if "double-space" in obf:
        body = double_space(body)
    if "paste" in obf:
        return EvalEmail(case["id"], case["label"], case["lang"], obf, body.encode("utf-8"))

    msg = EmailMessage()
    msg["From"] = case.get("from", "sender@example.com")
    msg["To"] = case.get("to", "you@example.org")
    if case.get("reply_to"):
        msg["Reply-To"] = case["reply_to"]
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = f"<{case['id']}@eval.haven.example>"
    if case.get("auth"):
        msg["Authentication-Results"] = case["auth"]
    cte = "base64" if "base64" in obf else "quoted-printable" if "qp" in obf else None
    html_mode = "html-split" in obf or "hidden-junk" in obf
    if html_mode:
        html = html_split(body, rng, junk="hidden-junk" in obf)
        msg.set_content(html, subtype="html", cte=cte or "quoted-printable")
    else:
        msg.set_content(body, cte=cte) if cte else msg.set_content(body)
    if "image-address" in obf:
        png = address_png(IMAGE_ADDRESS)
        if msg.get_content_type() == "text/plain":
            msg.add_alternative(
                f'<html><body><p>{escape(body)}</p><img src="cid:wallet"></body></html>', subtype="html"
            )
            related_host = msg.get_payload()[1]
        else:
            related_host = msg
        related_host.add_related(png, maintype="image", subtype="png", cid="<wallet>")
    if case.get("attach") == "photo":
        msg.add_attachment(photo_jpeg(case["id"]), maintype="image", subtype="jpeg", filename="IMG_2041.jpg")
    return EvalEmail(case["id"], case["label"], case["lang"], obf, msg.as_bytes())


def build_all(path: Path = CASES) -> list[EvalEmail]:
    return [build(case) for case in load_cases(path)]


if __name__ == "__main__":
    for item in build_all():
        print(item.id, item.label, len(item.data))
