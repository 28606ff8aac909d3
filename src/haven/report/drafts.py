"""Report drafts for each platform involved: the text to paste into that platform's report form.

A platform is involved when a chat came from it, when the offender gave a username or profile link on it,
or when the person said so in the guide. Each draft names the offender's profile link and username there,
says what happened in plain words, and gives the platform's own reporting route from the guide's data
(``guide/data/platforms.toml``, which names its sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haven.indicators.messages import platform_for
from haven.report.data import ReportData

_PROFILE_URL = {"instagram": "https://www.instagram.com/{}", "facebook": "https://www.facebook.com/{}",
                "telegram": "https://t.me/{}", "x": "https://x.com/{}", "tiktok": "https://www.tiktok.com/@{}",
                "snapchat": "https://www.snapchat.com/add/{}", "kik": "https://kik.me/{}"}
_HANDLE_PLATFORM = {"twitter": "x"}


@dataclass
class Draft:
    platform: str
    name: str
    route: str
    sources: list[str]
    usernames: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""


def _what_happened(data: ReportData) -> str:
    kinds = {f.flag for f in data.flags}
    parts = []
    if "recording-claim" in kinds:
        parts.append("they said they had recorded me")
    if "threat-to-share" in kinds:
        parts.append("they threatened to share intimate images of me with my friends and family")
    demands = [d["value"] for d in data.demands() if d["kind"] == "amount"][:3]
    if demands or "payment-demand" in kinds:
        parts.append("they demanded money" + (f" ({', '.join(demands)})" if demands else ""))
    if "deadline" in kinds:
        parts.append("they set a deadline")
    if not parts:
        parts.append("they contacted me and tried to pressure me for money or images")
    return "This account is being used for sextortion: " + "; ".join(parts) + "."


def platform_drafts(data: ReportData) -> list[Draft]:
    from haven.guide.knowledge import platform_id, platform_map

    known = platform_map()
    involved: dict[str, tuple[list[str], list[str]]] = {}
    for fmt in data.sources:
        pid = platform_id(platform_for(fmt) or fmt.split("-")[0]) if (platform_for(fmt) or fmt) else None
        if pid in known:
            involved.setdefault(pid, ([], []))
    for row in data.offender_details():
        if row["kind"] != "handle":
            continue
        plat, _, user = row["normalized"].partition(":")
        pid = platform_id(_HANDLE_PLATFORM.get(plat, plat))
        if pid in known:
            users, links = involved.setdefault(pid, ([], []))
            if user not in users:
                users.append(user)
                if pid in _PROFILE_URL and not user.startswith("+"):
                    links.append(_PROFILE_URL[pid].format(user))
    for name in data.case.police_account.get("platforms", []) or []:
        pid = platform_id(str(name))
        if pid in known:
            involved.setdefault(pid, ([], []))
    ref = data.case.reference
    drafts = []
    for pid, (users, links) in involved.items():
        p = known[pid]
        own = data.case.own_accounts.get(pid)
        lines = [_what_happened(data)]
        if users:
            lines.append("Their username: " + ", ".join(users) + ".")
        if links:
            lines.append("Their profile: " + ", ".join(links) + ".")
        if own:
            lines.append(f"My own account here is {own}.")
        if ref:
            lines.append(f"I have reported this to the police (crime reference {ref}).")
        lines.append("Please remove any images of me they post and stop this account contacting me. "
                     "I have kept the messages as evidence.")
        drafts.append(Draft(pid, p.name, p.detail, list(p.sources), users, links, " ".join(lines)))
    return drafts


def drafts_text(drafts: list[Draft]) -> str:
    out = []
    for d in drafts:
        out.append(f"== {d.name} ==\nHow to report: {d.route}\n\nText to paste:\n{d.text}\n\n"
                   f"(Reporting route from: {'; '.join(d.sources)})\n")
    return "\n".join(out) if out else "No platform was named in this case.\n"
