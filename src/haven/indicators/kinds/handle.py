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

from haven.indicators.base import Caseless, Example, Hit, Scan, hinted, register

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
    # the look-ahead names every first letter a link can have, so the engine skips the other positions
    r"(?=[dfhikmstwx])(?<![\w.-])(?:https?://)?(?:www\.|m\.|mobile\.)?"
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
# The filler words are English and those of the other languages offenders write in ("mein snap ist …",
# "mi insta es …", "mon snap c'est …", "meu insta é …", "sa fb ko …"); only the English "is/id/name/handle"
# make a plain word a username, the rest need a username-shaped one (a digit, "_" or "."), a ":" or an "@".
_PLATFORM_WORD = (
    r"snapchat|snap|sc|instagram|insta|ig|skype|telegram|tg|kik|discord|tiktok|tik\s?tok|twitter|facebook|"
    r"fb|messenger"
)
_FILLER = (
    r"id|username|user\s?name|user|name|handle|acc(?:oun)?t?|is|it's|it’s|its|=|:|-|–|->|=>|me|at|add|as|"
    r"na|ay|ko|mo|sa|ako|yung|ist|lautet|heißt|mich|auf|unter|benutzername|c'est|c’est|est|moi|sur|pseudo|"
    r"nom|es|soy|en|usuario|nombre|como|é|e|o|no|sou|usuário|nome|do|da|was|he's|she's|he’s|she’s|he|she|"
    r"goes\s+by|called|my|mine|'s|’s|instead|then|later|too|also|now|again|pls|please|plz|ok|okay|"
    r"rn|tho|though|here|there|thats|that's|that’s"
)
_PROSE = Caseless(
    r"(?<![\w@.])(" + _PLATFORM_WORD + r")(?![\w@./])"
    r"(?:\s*(?:(?:" + _FILLER + r")(?![\w'’])\.?|[?!,]+))*"
    r"\s*[:=\-–(\[]?\s*@?"
    r"((?:live:)?[A-Za-z0-9_.][A-Za-z0-9_.\-]{1,38}[A-Za-z0-9_](?:#\d{4})?)",
)
_BEFORE_QUICK = re.compile(r"\s(?:on|en|no|na|sur|auf|sa|in|op)\s+(?:" + _PLATFORM_WORD + r")(?![\w@])")
"""What every username-before-platform phrase holds; the full regex runs only in windows with one."""
# The username before the platform: "add jenny_k22 on snap", "I'm @ryan.b on insta", "ich bin lena.m04
# auf snap". Group 1 = name, 2 = platform word.
_BEFORE = Caseless(
    r"(?:(?<![\w@.])@|\b(?:add|follow|find|search|i'?m|i am|ich bin|je suis|soy|sou|c'est|ajoute(?:-moi)?|"
    r"agrégame|adiciona|adde|goes\s+by|go\s+by|known\s+as|message|msg|dm|text|ping|contact|hmu|"
    r"hit\s+up|talk\s+to|write\s+to|look\s+up)\s+@?)"
    r"([A-Za-z0-9_.][A-Za-z0-9_.\-]{1,38}[A-Za-z0-9_])\s+(?:on|en|no|na|sur|auf|sa|in|op)\s+"
    r"(" + _PLATFORM_WORD + r")(?![\w@])",
)
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
    "messenger": "facebook",
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
        # handles named in prose for every platform, in the languages offenders write in
        Example("mein snap ist lena.k2009, schreib mir", ("snapchat:lena.k2009",)),
        Example("mein snap ist kaputt, schreib auf insta"),
        Example("mi insta es sofi_ruiz.07 escríbeme", ("instagram:sofi_ruiz.07",)),
        Example("mon snap c'est julie_lpx93", ("snapchat:julie_lpx93",)),
        Example("meu insta é bruna.mor4es me segue", ("instagram:bruna.mor4es",)),
        Example("add mo ako sa fb ko jhay.dlcruz", ("facebook:jhay.dlcruz",)),
        Example("my telegram username na kingpin_77", ("telegram:kingpin_77",)),
        Example("message me on discord: shadowfox#4521", ("discord:shadowfox#4521",)),
        Example("my tiktok is @dancer.girl03", ("tiktok:dancer.girl03",)),
        Example("find me on twitter as @real_mike88", ("twitter:real_mike88",)),
        Example("his skype id is mark.reeves44", ("skype:mark.reeves44",)),
        Example("kik me: luv_angel2001", ("kik:luv_angel2001",)),
        Example("my messenger is tom.b.1990", ("facebook:tom.b.1990",)),
        Example("add jenny_k22 on snap she's cool", ("snapchat:jenny_k22",)),
        Example("ich bin lena.m04 auf insta", ("instagram:lena.m04",)),
        Example("I'm @ryan.b on tiktok", ("tiktok:ryan.b",)),
        Example("mi snap es muy aburrido hoy"),
        Example("meu insta é privado agora"),
        Example("mon snap est bloqué depuis hier"),
        Example("add me on insta later ok"),
        Example("see you on discord at 9pm"),
        Example("talk to me on snapchat, username jess_k22", ("snapchat:jess_k22",)),
        Example("he goes by lucas_h92 on facebook", ("facebook:lucas_h92",)),
        Example("on insta he's lucas.h_92 now", ("instagram:lucas.h_92",)),
        Example("the guy's instagram was mia.rose_01", ("instagram:mia.rose_01",)),
        Example("my snap, he said, was hacked"),
        # adverbs and fillers between the platform and the name; verbs before a name on a platform
        Example("no snap? ok add me on insta instead: @ryan_fitz.07", ("instagram:ryan_fitz.07",)),
        Example("add me on tiktok then: @mila.k_05", ("tiktok:mila.k_05",)),
        Example("add me on skype, my id is live:mike_r_88", ("skype:live:mike_r_88",)),
        Example("talk on snap later, mine is becca_x07", ("snapchat:becca_x07",)),
        Example("my snap's jordan.l_19", ("snapchat:jordan.l_19",)),
        Example("message dark.knight_7 on discord", ("discord:dark.knight_7",)),
        Example("im on kik as rosie_p3", ("kik:rosie_p3",)),
        Example("tg @lordx_999 for the payment details", ("telegram:lordx_999",)),
        Example("twitter handle: news.guy_1", ("twitter:news.guy_1",)),
        Example("add me on messenger tom.hill.94", ("facebook:tom.hill.94",)),
        Example("telegram is better than whatsapp"),
        Example("see you on insta later tonight"),
        Example("my snap is down, mine is fine though"),
        Example("dm me on insta, not here"),
        Example("hit me up on snap after work"),
        Example("his insta's private"),
    ],
    triggers=[
        (
            r"(?i)(instagram\.com|instagr\.am|snapchat\.com|facebook\.com|fb\.com|m\.me|tiktok\.com|t\.me|"
            r"telegram\.me|wa\.me|twitter\.com|x\.com|kik\.me|discord\.gg|discord\.com)/",
            30,
            80,
        ),
        (
            r"(?i)snap|insta|skype|telegram|kik|discord|tik\s?tok|twitter|facebook|messenger|\big\b|\bsc\b|"
            r"\btg\b|\bfb\b",
            75,  # "goes by lucas_h92 on facebook": the name can come before the platform
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
        filler = between.strip() != ""
        shaped = re.search(r"[\d_.]", name) is not None and re.search(r"[a-z]", name, re.I) is not None
        if word in _SHORT and not marked and not ((named or filler) and shaped):
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
    low = scan.lower
    for m in _before(scan, low, spans):
        name = text[m.start(1) : m.end(1)]
        at = text[m.start() : m.start(1)].endswith("@")
        if name.lower() in stop or _NOT_USERNAME.fullmatch(name) or name.isdigit():
            continue
        if not at and not re.search(r"[\d_.]", name):
            continue
        platform = _WORD_PLATFORM[re.sub(r"\s", "", m.group(2).lower())]
        yield handle_hit(
            platform, name, m.start(1) - at, m.end(), text[m.start(1) - at : m.end()], 0.8, "prose"
        )


_BEFORE_REACH = 120
"""How far before its "on <platform>" a name-before-platform phrase can start (verb, "@", a name of at
most 40 characters, the spaces between)."""


def _before(scan: Scan, low: str, spans: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """``_BEFORE`` matches, searched only just before each "on <platform>" (every match ends with one),
    not over whole windows: the regex is slow where it cannot match."""
    for ws, we in spans:
        last = ws
        for q in _BEFORE_QUICK.finditer(low, ws, we):
            if q.end() <= last:
                continue
            lo = q.start() - _BEFORE_REACH
            for m in _BEFORE.finditer(scan, lo if lo > last else last, q.end()):
                last = m.end()
                yield m


# Skip straight to the characters these regexes' matches start with (same matches; see ``lead_hint``).
_PROSE = hinted(_PROSE)
_BEFORE = hinted(_BEFORE)
