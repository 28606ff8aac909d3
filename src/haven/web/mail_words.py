# ruff: noqa: E501  (the checker's own sentences, kept whole so they match its data files)
"""The email check's reasons and advice in the page's language and in plain words ("Bitcoin", not
``BTC``). The checker (``haven.mail``) words its reasons from ``data/reasons.toml`` with ``{name}`` places;
here each template is a catalogue entry, so a Welsh page shows the Welsh template filled with the same
values. A test fails when the checker has a reason or advice this module does not list."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from haven.web import i18n
from haven.web.i18n import N_

REASONS: dict[str, str] = {
    "claims_without_proof": N_("It says it filmed you. But it shows nothing: no photo and no video."),
    "mass_template": N_("It reads like a mass email sent to many people. It has nothing that only you would know."),
    "forged_own_address": N_("The sender forged your own address, so it looks like you sent it. That does not mean they got into your account."),
    "reply_to_differs": N_("Replies would go to a different address ({reply_to}) from the sender's."),
    "auth_failed": N_("Your email provider's checks ({checks}) say the sender is not who they claim to be."),
    "quoted_password": N_("It shows a password. Scammers get these from old data leaks. It does not mean they saw you."),
    "password_breached": N_("This password is in known data leaks (seen {count} times). Change it wherever you use it."),
    "password_not_breached": N_("This password was not found in the leak list that was checked."),
    "known_address": N_("The {kind} address {address} is on a list of addresses from known sextortion spam ({source})."),
    "known_address_count": N_("The {kind} address {address} appears in {count} known sextortion spam emails ({source})."),
    "crypto_demand": N_("It asks for payment in {kinds}, which is hard to trace."),
    "deadline_pressure": N_("It gives you a short deadline ({deadline}) to rush you."),
    "tracking_claim": N_("It says it knows when you read the email. That is a trick to scare you."),
    "no_police": N_("It tells you not to go to the police. You can, and reporting it is a good idea."),
    "obfuscated": N_("It uses tricks to get past spam filters ({tricks})."),
    "address_in_image": N_("The payment address was hidden in a picture so spam filters could not read it."),
    "real_picture": N_("A picture or video is attached. Treat this as a real threat."),
    "platform_conversation": N_("It talks about a real chat or contact on an app."),
    "sent_material": N_("It talks about real photos, a video or a call you had."),
    "knows_you": N_("It shows the sender knows things about you or has talked with you ({signs}). Treat this as a real threat."),
    "names_contacts": N_("It names people who may be close to you ({names})."),
    "advisory": N_("It warns about scam emails rather than making a threat."),
    "no_threat": N_("It does not threaten to share pictures or videos of you."),
    "not_checked_language": N_("It is written in a language Haven's word lists do not cover ({language}), so the check is less sure."),
}

ADVICE: dict[str, str] = {
    "keep-a-copy": N_("Keep a copy of this email first. Haven can add it to your case vault, so nothing is lost when you delete it."),
    "dont-pay": N_("Do not pay. People who pay often get asked for more."),
    "bluff": N_("This is a mass email sent to many people. They do not have a video of you. It is not your fault."),
    "change-password": N_("Change the password shown in the email, on every account where you use it. Make a new one from three random words. You can check for old leaks at haveibeenpwned.com."),
    "report-sers": N_("Send the email on to report@phishing.gov.uk. This is the NCSC's scam email service. Then you can delete it."),
    "block": N_("Block the sender and do not reply."),
    "targeted-real": N_("This email has real details about you, so treat it as a real threat. It is not your fault, and help is there. Open Haven's guide for a step-by-step plan."),
    "report-police": N_("Tell the police. They will take it seriously and will not judge you. In the UK call 101, or 999 if you are in danger."),
    "talk": N_("If you feel upset, talk to someone you trust. You are not alone."),
    "not-sextortion": N_("Haven found no sextortion threat in this email. If it still worries you, do not click its links, and forward it to report@phishing.gov.uk."),
}

COINS = {
    "BTC": N_("Bitcoin"),
    "ETH": N_("Ethereum"),
    "LTC": N_("Litecoin"),
    "XMR": N_("Monero"),
    "DOGE": N_("Dogecoin"),
    "TRX": N_("Tron"),
    "BCH": N_("Bitcoin Cash"),
}
OR = N_("or")
MONEY = N_("money")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    out = []
    for i, part in enumerate(parts):
        out.append(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)")
    return re.compile("^" + "".join(out) + "$", re.DOTALL)


def _coin(kind: str) -> str:
    return i18n.gettext(COINS[kind]) if kind in COINS else kind


def _plain(params: dict[str, str]) -> dict[str, str]:
    """Coin codes as their names ("BTC or ETH" -> "Bitcoin or Ethereum"), "money" in the page's words."""
    out = dict(params)
    if "kind" in out:
        out["kind"] = _coin(out["kind"])
    if "kinds" in out:
        kinds = out["kinds"]
        out["kinds"] = (
            i18n.gettext(MONEY)
            if kinds == "money"
            else f" {i18n.gettext(OR)} ".join(_coin(k) for k in kinds.split(" or "))
        )
    return out


def reason(rid: str, text: str) -> str:
    """One reason in the page's language and plain words; the checker's own words when it is unknown."""
    template = REASONS.get(rid)
    if template is None:
        return text
    m = _pattern(template).match(text)
    if m is None:
        return text
    return i18n.gettext(template).format(**_plain(m.groupdict()))


def reasons(result: dict[str, Any]) -> list[str]:
    """The result's reasons, each through ``reason`` (by its id)."""
    texts = result.get("reasons") or []
    ids = result.get("reason_ids") or [""] * len(texts)
    return [reason(rid, text) for rid, text in zip(ids, texts, strict=False)]


def advice(item: dict[str, Any]) -> str:
    template = ADVICE.get(str(item.get("id")))
    return i18n.gettext(template) if template and template == item.get("text") else str(item.get("text", ""))
