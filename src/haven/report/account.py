"""The person's own account for the police: the guide answers that matter to an investigation, saved into
the case only when the person agrees, plus what the guide does not ask (how much, when) and their own
account names on each platform (police need those for data requests to the platforms).

Nothing here is read from the messages: it is what the person says, and the report shows it as theirs.
"""

from __future__ import annotations

from typing import Any

from haven.core.errors import HavenError
from haven.core.models import Case

POLICE_FIELDS = ("paid", "payment_method", "platforms", "demands", "contact", "reported")
"""The guide answers (``haven.guide.models.Answers``) that matter to police. Feelings and age stay out."""
_PAID_WORDS = {"no": "no", "yes-collected": "yes, and it was collected", "yes-not-collected":
               "yes, but it was not collected", "yes-unknown": "yes (not sure whether it was collected)"}


def police_answers(answers: Any) -> dict[str, Any]:
    """The police-relevant part of a guide ``Answers`` (or its dict), in plain values."""
    data = answers.model_dump(mode="json") if hasattr(answers, "model_dump") else dict(answers or {})
    out: dict[str, Any] = {}
    for key in POLICE_FIELDS:
        value = data.get(key)
        if value in (None, "", []):
            continue
        if key == "paid":
            value = _PAID_WORDS.get(str(value), str(value))
        out[key] = value
    return out


def share_with_police(vault: Any, answers: Any = None, *, agreed: bool, amount: str | None = None,
                      when: str | None = None, own_accounts: dict[str, str] | None = None) -> Case:
    """Save the person's account into the case (logged as a case change). Refused without agreement."""
    if not agreed:
        raise HavenError("Your answers are only added to the report when you say yes to sharing them.")
    account = {**vault.case.police_account, **police_answers(answers)}
    for key, value in (("amount", amount), ("when", when)):
        if value and value.strip():
            account[key] = value.strip()
    changes: dict[str, Any] = {"police_account": account}
    if own_accounts:
        given = {k.strip().lower(): v.strip() for k, v in own_accounts.items() if v.strip()}
        changes["own_accounts"] = {**vault.case.own_accounts, **given}
    return vault.update_case(**changes)
