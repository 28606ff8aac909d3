"""``handle``: platform usernames — from profile links (instagram.com/x, snapchat.com/add/x, facebook.com/x,
tiktok.com/@x, t.me/x, wa.me/…, twitter.com/x, x.com/x, kik.me/x, discord.gg/x) and from prose ("add me on
snap: x", "my insta is @x", "skype: live:x"). Normalised ``platform:username`` lowercase; Skype ids keep
their ``live:`` prefix; WhatsApp links give ``whatsapp:+E164``. The platform is in ``extra``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files

import phonenumbers

from haven.indicators.base import Caseless, Example, Hit, Scan, register

PLATFORMS = (
    "instagram",
    "snapchat",
    "facebook",
    "tiktok",
    "telegram",
    "skype",
    "whatsapp",
    "kik",
    "discord",
    "twitter",
)

# Profile links, anchored on the platform host; group 1 = host, group 2 = the path's first segment.
_LINK = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.|m\.|mobile\.)?"
    r"(instagram\.com|instagr\.am|snapchat\.com/add|facebook\.com|fb\.com|m\.me|tiktok\.com|t\.me|"
    r"telegram\.me|wa\.me|twitter\.com|x\.com|kik\.me|discord\.gg|discord\.com/users)/@?"
    r"([A-Za-z0-9_.+\-]{1,64})",
    re.I,
)
_LINK_PLATFORM = {
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "snapchat.com/add": "snapchat",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "m.me": "facebook",
    "tiktok.com": "tiktok",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "wa.me": "whatsapp",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "kik.me": "kik",
    "discord.gg": "discord",
    "discord.com/users": "discord",
}
_RESERVED = frozenset(
    [
        "p",
        "reel",
        "reels",
        "explore",
        "accounts",
        "stories",
        "tv",
        "direct",
        "share",
        "sharer",
        "sharer.php",
        "login",
        "home",
        "i",
        "intent",
        "search",
        "hashtag",
        "groups",
        "pages",
        "events",
        "watch",
        "marketplace",
        "profile.php",
        "joinchat",
        "s",
        "help",
        "about",
        "legal",
        "privacy",
        "settings",
        "notifications",
        "messages",
        "web",
        "invite",
    ]
)
# Prose: a platform word, then separators/filler, then the username. Group 1 = platform word, 2 = name.
_PROSE = Caseless(
    r"(?<![\w@.])(snapchat|snap|sc|instagram|insta|ig|skype|telegram|tg|kik|discord|tiktok|tik\s?tok|"
    r"twitter|facebook|fb)(?![\w@./])"
    r"(?:\s*(?:(?:id|username|user\s?name|user|name|handle|acc(?:oun)?t?|is|it's|it’s|its|=|:|-|–|->|=>|me|"
    r"at|add)\b\.?|[?!]+))*"
    r"\s*[:=\-–(\[]?\s*@?"
    r"((?:live:)?[A-Za-z0-9_.][A-Za-z0-9_.\-]{1,38}[A-Za-z0-9_](?:#\d{4})?)",
)
_ANCHOR = re.compile(r"snap|sc\b|insta|ig\b|skype|telegram|tg\b|kik|discord|tik|twitter|facebook|fb\b", re.I)
_WORD_PLATFORM = {
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "skype": "skype",
    "telegram": "telegram",
    "tg": "telegram",
    "kik": "kik",
    "discord": "discord",
    "tiktok": "tiktok",
    "twitter": "twitter",
    "facebook": "facebook",
    "fb": "facebook",
}
# A time, an ordinal, a plain number with a unit or a year is never a username ("snap me at 9pm").
_NOT_USERNAME = re.compile(r"\d{1,4}(?:[:.]\d\d)?(?:am|pm|st|nd|rd|th|s|k|h|hrs?|mins?)?", re.I)
# Short platform words are also ordinary words ("sc" = school), so they need a clear separator or "@".
_SHORT = frozenset({"sc", "ig", "tg", "fb"})


@cache
def stopwords() -> frozenset[str]:
    text = files("haven.indicators").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def handle_hit(
    platform: str, username: str, start: int, end: int, value: str, confidence: float, source: str
) -> Hit:
    norm = f"{platform}:{username.lstrip('@').lower()}"
    return Hit(
        "handle",
        start,
        end,
        value,
        norm,
        True,
        confidence,
        {"platform": platform, "source": source},
        60,
        exclusive=False,
    )


@register(
    "handle",
    "Username on a platform (Instagram, Snapchat, Skype, Telegram, ...), from profile links and prose",
    [
        Example("follow https://www.instagram.com/Jess.Model_22/?hl=en", ("instagram:jess.model_22",)),
        Example("add me on snap: lily_x2004", ("snapchat:lily_x2004",)),
        Example("my insta is @Mark.Hughes", ("instagram:mark.hughes",)),
        Example("skype: live:.cid.5f2a9b1c", ("skype:live:.cid.5f2a9b1c",)),
        Example("tiktok.com/@dance.queen and t.me/cashking", ("tiktok:dance.queen", "telegram:cashking")),
        Example("wa.me/447911123456", ("whatsapp:+447911123456",)),
        Example("hey cutie kik me at leo.garcia533 lets talk", ("kik:leo.garcia533",)),
        Example("u have snap?? add me its jessy.xo2003", ("snapchat:jessy.xo2003",)),
        Example("my snap is down today, see you in sc tomorrow"),
        Example("add her on kik (brooke_x_93) she is fun", ("kik:brooke_x_93",)),
        Example("His FB is lucas.harlow.92 if you want", ("facebook:lucas.harlow.92",)),
        Example("my fb is down again, is yours ok"),
        Example("snap me at 9pm, kik at 10:30 or tiktok at 2nd break"),
        Example("instagram.com/p/Cx12abc is a post, not a profile"),
    ],
    triggers=[
        (
            r"(?i)(instagram\.com|instagr\.am|snapchat\.com|facebook\.com|fb\.com|m\.me|tiktok\.com|t\.me|"
            r"telegram\.me|wa\.me|twitter\.com|x\.com|kik\.me|discord\.gg|discord\.com)/",
            30,
            80,
        ),
        (
            r"(?i)snap|insta|skype|telegram|kik|discord|tik\s?tok|twitter|facebook|\big\b|\bsc\b|\btg\b|\bfb\b",
            3,
            90,
        ),
    ],
)
def find(scan: Scan) -> Iterator[Hit]:
    text = scan.text
    spans = scan.windows("handle")
    if "/" in text:
        for m in (m for ws, we in spans for m in _LINK.finditer(text, ws, we)):
            platform = _LINK_PLATFORM[m.group(1).lower()]
            name = m.group(2).rstrip(".-")
            if name.lower() in _RESERVED or not name:
                continue
            end = m.start(2) + len(name)
            if platform == "whatsapp":
                try:
                    num = phonenumbers.parse("+" + name.lstrip("+"), None)
                except phonenumbers.NumberParseException:
                    continue
                if not phonenumbers.is_valid_number(num):
                    continue
                name = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            yield handle_hit(platform, name, m.start(), end, text[m.start() : end], 0.95, "link")
    stop = stopwords()
    for m in (m for ws, we in spans for m in _PROSE.finditer(scan, ws, we)):
        word = re.sub(r"\s", "", m.group(1).lower())
        platform = _WORD_PLATFORM[word]
        name = text[m.start(2) : m.end(2)]
        between = text[m.end(1) : m.start(2)]
        marked = "@" in between or ":" in between or "=" in between or "(" in between or "[" in between
        if name.lower() in stop or name.lower() in _WORD_PLATFORM or (name.isdigit() and platform != "kik"):
            continue
        if _NOT_USERNAME.fullmatch(name):
            continue
        named = re.search(r"\b(?:is|id|name|handle)\b", between, re.I)
        if word in _SHORT and not marked and not (named and re.search(r"[\d_.]", name)):
            continue  # "FB is lucas.harlow.92" counts; "see you in sc tomorrow" does not
        if (
            not marked
            and not re.search(r"[\d_.]", name)
            and not re.search(r"\b(?:is|id|name|handle)\b", between, re.I)
        ):
            continue
        if platform == "skype" and name.lower().startswith("live:"):
            name = "live:" + name[5:]
        yield handle_hit(platform, name, m.start(), m.end(), text[m.start() : m.end()], 0.8, "prose")
