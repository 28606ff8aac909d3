"""The plan engine: turns validated ``Answers`` into an ordered ``Plan`` and routes support services.

The advice itself is data (``data/*.toml``); this module only works out a few plain "facts" about the
person's situation and keeps the steps whose ``when`` / ``unless`` conditions match them.

Unknown age or region (a skipped question) is handled the safest way we could find:

* **Unknown age** shows the routes for BOTH age groups (under-18 and adult), because every service
  and step names the age it is for ("For under-18s", "18 or over"). Hiding the under-18 routes could
  leave a child without CEOP or Report Remove; hiding the adult ones could leave an adult without
  StopNCII. Letting the person pick the labelled route is safer than guessing.
* **Unknown region** shows the UK-wide routes and the routes for people outside the UK, but never a
  service offered in only one UK nation (such as Breathing Space or NHS 24, Scotland only): those
  phone numbers do not work, or do not help, elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from haven.guide import knowledge
from haven.guide.knowledge import StepDef
from haven.guide.models import (
    ADULT_AGE,
    UK_REGIONS,
    Answers,
    Contact,
    Feeling,
    Images,
    Plan,
    Region,
    Service,
    Step,
)

Facts = dict[str, frozenset[str]]

UNKNOWN = "unknown"
_ONLINE_CONTACT = {
    Contact.social_media,
    Contact.dating_app,
    Contact.webcam,
    Contact.gaming,
    Contact.hacked_account,
}


def _many(values: Iterable[str]) -> frozenset[str]:
    vals = frozenset(str(v) for v in values)
    return vals or frozenset({UNKNOWN})


def _one(value: object) -> frozenset[str]:
    return frozenset({UNKNOWN if value is None else str(value)})


def situation_facts(answers: Answers) -> Facts:
    """The plain facts the step conditions in steps.toml test. A skipped question gives "unknown"."""
    age = UNKNOWN if answers.age is None else ("under-18" if answers.age < ADULT_AGE else "adult")
    uk = UNKNOWN if answers.region is None else "yes" if answers.region in UK_REGIONS else "no"
    paid = answers.paid
    if paid is None and answers.payment_method:
        paid_value = "yes-unknown"  # they named how they paid, so they paid; collection unknown
    else:
        paid_value = UNKNOWN if paid is None else str(paid)
    paid_any = UNKNOWN if paid_value == UNKNOWN else ("no" if paid_value == "no" else "yes")
    reported = UNKNOWN if answers.reported is None else ("yes" if answers.reported else "no")
    hacked = Contact.hacked_account in answers.contact or Images.stolen_or_hacked in answers.images
    online_platforms = [p for p in answers.platforms if p != "email"]
    online = bool(online_platforms) or (
        not answers.platforms and (not answers.contact or any(c in _ONLINE_CONTACT for c in answers.contact))
    )
    return {
        "age": frozenset({age}),
        "region": _one(answers.region),
        "uk": frozenset({uk}),
        "feeling": _one(answers.feeling),
        "contact": _many(answers.contact),
        "images": _many(answers.images),
        "paid": frozenset({paid_value}),
        "paid_any": frozenset({paid_any}),
        "demands": _many(answers.demands),
        "reported": frozenset({reported}),
        "hacked": frozenset({"yes" if hacked else "no"}),
        "online": frozenset({"yes" if online else "no"}),
        "platforms_named": frozenset({"yes" if answers.platforms else "no"}),
        "method": _many(answers.payment_method),
    }


def _matches(step: StepDef, facts: Facts) -> bool:
    for key, wanted in step.when.items():
        if key not in facts:
            raise ValueError(f"step {step.id!r}: unknown condition {key!r}")
        if not facts[key] & set(wanted):
            return False
    for key, unwanted in step.unless.items():
        if key not in facts:
            raise ValueError(f"step {step.id!r}: unknown condition {key!r}")
        if facts[key] & set(unwanted):
            return False
    return True


def services_for(age: int | None, region: Region | str | None, lang: str = "en") -> list[Service]:
    """Services open to someone of this age in this region, in the data file's order.

    18+-only services are never given to under-18s, under-18-only services never to adults, and a
    service offered in only one UK nation only to people there. See the module docstring for
    what an unknown age or region gives.
    """
    reg = Region(region) if region is not None else None
    out = []
    for s in knowledge.services(lang):
        if not s.open_to(age):
            continue
        if reg is None:
            if len(s.regions) == 1 and s.regions[0] in UK_REGIONS:
                continue
        elif reg not in s.regions:
            continue
        out.append(s)
    return out


MAX_NOW = 3
"""At most this many steps in "Do this now"; the rest of the "now" steps lead "Next"."""
MAX_CONTACTS = 3
"""At most this many services named inside one step (the rest are one tap away, on the support page)."""


def _with_contacts(detail: str, ids: list[str], allowed: dict[str, Service], lang: str) -> str:
    """The step's words, then up to three of its services open to this person: the first one made
    for this person's own place (a nation, or outside the UK), then the rest in the data file's order."""
    open_ids = [sid for sid in ids if sid in allowed]
    local = [sid for sid in open_ids if len(allowed[sid].regions) == 1][:1]
    chosen = local + [sid for sid in open_ids if sid not in local]
    mentions = []
    for sid in chosen[:MAX_CONTACTS]:
        s = allowed[sid]
        how = s.short_contact(lang)
        mentions.append(f"{s.name}: {how}." if how else f"{s.name}.")
    return " ".join([detail, *mentions]) if mentions else detail


def _expand(kind: str, answers: Answers, lang: str) -> list[Step]:
    if kind == "platforms":
        pmap = knowledge.platform_map(lang)
        defs = [pmap[p] for p in answers.platforms]
        return [
            Step(id=f"platform-{d.id}", title=d.title, detail=d.detail, why=d.why, sources=d.sources)
            for d in defs
        ]
    pays = knowledge.payments(lang)
    return [
        Step(id=f"paid-{m}", title=d.title, detail=d.detail, why=d.why, sources=d.sources)
        for m in answers.payment_method
        for d in [pays[str(m)]]
    ]


def build_plan(answers: Answers, lang: str = "en") -> Plan:
    """The plan for this person in three layers: "Do this now" (at most three steps, by priority, so
    crisis help comes first when they may be at risk and the calming facts first for a bluff), "Next"
    and "When you are ready" (each in the data file's order). ``Plan.steps`` is all three, in order."""
    facts = situation_facts(answers)
    crisis = answers.feeling == Feeling.thinking_of_self_harm
    services = services_for(answers.age, answers.region, lang)
    allowed = {s.id: s for s in services}
    picked: list[tuple[StepDef, Step]] = []
    for d in knowledge.steps(lang):
        if not _matches(d, facts):
            continue
        if d.expand:
            picked.extend((d, s) for s in _expand(d.expand, answers, lang))
            continue
        step = Step(
            id=d.id,
            title=d.title,
            detail=_with_contacts(d.detail, d.contacts, allowed, lang),
            why=d.why,
            sources=list(d.sources),
        )
        picked.append((d, step))
    now = sorted((p for p in picked if p[0].layer == "now"), key=lambda p: p[0].priority)
    later = [s for d, s in now[MAX_NOW:]] + [s for d, s in picked if d.layer == "next"]
    steps = [s.model_copy(update={"layer": "now"}) for _, s in now[:MAX_NOW]]
    steps += [s.model_copy(update={"layer": "next"}) for s in later]
    steps += [s.model_copy(update={"layer": "when-ready"}) for d, s in picked if d.layer == "when-ready"]
    if crisis:
        # Crisis lines first; otherwise keep the data file's order (police first).
        services = sorted(services, key=lambda s: "crisis" not in s.tags)
    return Plan(crisis=crisis, steps=steps, services=services, lang=lang)
