"""Loads the guide's knowledge (``data/*.toml``) into typed, checked objects, once per process.

The TOML files are the single place where advice, services, platforms, payment methods and questions
live; this module only reads and checks them (unknown fields, duplicate ids, bad service references
are errors at load time, so a typo in the data cannot silently drop advice).

Other languages are data too: ``data/locale/<code>/<file>.toml`` holds, for each id, the words of that
record in that language (``[step.not-your-fault] title = "..."``), and nothing else. Every loader takes
``lang``; a record (or a field) with no translation keeps its English words, and the tests fail on it
(``missing_translations``). Adding a language is adding that folder.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from haven.guide.models import Service


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepDef(_Strict):
    """A step as written in steps.toml, with the conditions that decide whether it applies."""

    id: str
    title: str = ""
    detail: str = ""
    why: str = ""
    sources: list[str] = Field(default_factory=list)
    when: dict[str, list[str]] = Field(default_factory=dict)
    unless: dict[str, list[str]] = Field(default_factory=dict)
    contacts: list[str] = Field(default_factory=list)
    expand: Literal["platforms", "payment-methods"] | None = None
    layer: Literal["now", "next", "when-ready"] = "next"
    priority: int = 50
    reconciles: str = ""

    @model_validator(mode="after")
    def _complete(self) -> StepDef:
        if self.expand is None and not (self.title and self.detail and self.why and self.sources):
            raise ValueError(f"step {self.id!r} needs title, detail, why and sources")
        return self


class PlatformDef(_Strict):
    id: str
    name: str
    title: str
    detail: str
    why: str = ""
    sources: list[str]
    aliases: list[str] = Field(default_factory=list)


class PaymentDef(_Strict):
    id: str
    name: str
    title: str
    detail: str
    why: str
    sources: list[str]


class Choice(_Strict):
    value: str
    label: str


class Question(_Strict):
    """One guide question. ``multi`` is True when several choices may be picked."""

    id: str
    kind: Literal["number", "single", "multi", "yesno"]
    prompt: str
    help: str
    choices: list[Choice] = Field(default_factory=list)
    choices_from: Literal["platforms"] | None = None
    ask_if: dict[str, list[str]] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def multi(self) -> bool:
        """True when several choices may be picked (kept in ``model_dump()`` for the web app)."""
        return self.kind == "multi"

    def should_ask(self, answers: dict[str, Any]) -> bool:
        """True unless ``ask_if`` names an earlier answer that does not match."""
        for key, wanted in self.ask_if.items():
            given = answers.get(key)
            values = given if isinstance(given, list) else [given]
            if not any(v in wanted for v in values):
                return False
        return True


SOURCE_LANG = "en"
TRANSLATED = {
    "step": ("title", "detail", "why"),
    "service": ("name", "description", "contact.hours", "contact.phone", "contact.text"),
    "platform": ("name", "title", "detail", "why"),
    "payment": ("name", "title", "detail", "why"),
    "question": ("prompt", "help", "choices"),
    "words": (),
}
"""The fields of each kind of record that are words (and so have a translation in each language)."""


def _load(name: str) -> dict[str, Any]:
    text = resources.files("haven.guide").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def languages() -> tuple[str, ...]:
    """English, then every language with a ``data/locale/<code>/`` folder."""
    root = resources.files("haven.guide").joinpath("data", "locale")
    found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return (SOURCE_LANG, *[c for c in found if c != SOURCE_LANG])


@cache
def translation(lang: str, name: str) -> dict[str, Any]:
    """``data/locale/<lang>/<name>`` (empty for English or a missing file)."""
    if lang == SOURCE_LANG:
        return {}
    f = resources.files("haven.guide").joinpath("data", "locale", lang, name)
    return tomllib.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}


def localise(kind: str, record: dict[str, Any], lang: str, name: str) -> dict[str, Any]:
    """``record`` with its word fields in ``lang`` where a translation exists."""
    words = translation(lang, name).get(kind, {}).get(record.get("id", ""), {})
    if not words:
        return record
    out = dict(record)
    for key, value in words.items():
        if key == "contact":
            out["contact"] = {**record.get("contact", {}), **value}
        elif key == "choices":
            labels = dict(value)
            out["choices"] = [{**c, "label": labels.get(c["value"], c["label"])} for c in record["choices"]]
        elif key in record:
            out[key] = value
        else:
            raise ValueError(f"{lang}/{name}: {kind} {record.get('id')!r} has an unknown field {key!r}")
    return out


def word(key: str, lang: str = SOURCE_LANG) -> str:
    """A small piece of the guide's own wording (``data/words.toml``) in ``lang``."""
    english = _load("words.toml")["words"]
    return translation(lang, "words.toml").get("words", {}).get(key, english[key])


def missing_translations(lang: str) -> list[str]:
    """Every word field of every record that ``lang`` does not translate (``kind id field``)."""
    out = []
    for name, kind in (
        ("steps.toml", "step"),
        ("services.toml", "service"),
        ("platforms.toml", "platform"),
        ("payments.toml", "payment"),
        ("questions.toml", "question"),
    ):
        have = translation(lang, name).get(kind, {})
        for record in _load(name)[kind]:
            given = have.get(record["id"], {})
            for field in TRANSLATED[kind]:
                top, _, sub = field.partition(".")
                if top not in record or (sub and sub not in record[top]):
                    continue
                value = given.get(top, {}).get(sub) if sub else given.get(top)
                if not value:
                    out.append(f"{kind} {record['id']} {field}")
                elif top == "choices":
                    labels = dict(value)
                    gaps = [c["value"] for c in record["choices"] if c["value"] not in labels]
                    out += [f"{kind} {record['id']} choice {v}" for v in gaps]
    english_words = _load("words.toml")["words"]
    have_words = translation(lang, "words.toml").get("words", {})
    out += [f"words {k}" for k in english_words if k not in have_words]
    if "default_why" not in translation(lang, "platforms.toml"):
        out.append("platform default_why")
    return out


def _unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{kind} id {i!r} appears twice in the guide data")
        seen.add(i)


@cache
def services(lang: str = SOURCE_LANG) -> tuple[Service, ...]:
    out = tuple(
        Service.model_validate(localise("service", s, lang, "services.toml"))
        for s in _load("services.toml")["service"]
    )
    _unique("service", [s.id for s in out])
    return out


@cache
def service_map(lang: str = SOURCE_LANG) -> dict[str, Service]:
    return {s.id: s for s in services(lang)}


@cache
def steps(lang: str = SOURCE_LANG) -> tuple[StepDef, ...]:
    out = tuple(
        StepDef.model_validate(localise("step", s, lang, "steps.toml")) for s in _load("steps.toml")["step"]
    )
    _unique("step", [s.id for s in out])
    known = service_map()
    for s in out:
        for c in s.contacts:
            if c not in known:
                raise ValueError(f"step {s.id!r} names unknown service {c!r}")
    return out


@cache
def _platform_file() -> dict[str, Any]:
    return _load("platforms.toml")


@cache
def platforms(lang: str = SOURCE_LANG) -> tuple[PlatformDef, ...]:
    data = _platform_file()
    default_why = translation(lang, "platforms.toml").get("default_why", data["default_why"])
    out = []
    for p in data["platform"]:
        p = {"why": default_why, "sources": data["default_sources"], **p}
        out.append(PlatformDef.model_validate(localise("platform", p, lang, "platforms.toml")))
    _unique("platform", [p.id for p in out])
    return tuple(out)


@cache
def _platform_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for p in platforms():
        for n in (p.id, *p.aliases):
            if n in names:
                raise ValueError(f"platform name {n!r} is used twice")
            names[n] = p.id
    return names


def platform_id(name: str) -> str | None:
    """The platform id for a name or alias (``"Twitter"`` -> ``"x"``), or None if unknown."""
    return _platform_names().get(name.strip().lower().replace(" ", "-").replace("_", "-"))


@cache
def platform_map(lang: str = SOURCE_LANG) -> dict[str, PlatformDef]:
    return {p.id: p for p in platforms(lang)}


@cache
def payments(lang: str = SOURCE_LANG) -> dict[str, PaymentDef]:
    out = [
        PaymentDef.model_validate(localise("payment", p, lang, "payments.toml"))
        for p in _load("payments.toml")["payment"]
    ]
    _unique("payment", [p.id for p in out])
    return {p.id: p for p in out}


@cache
def questions(lang: str = SOURCE_LANG) -> tuple[Question, ...]:
    out = []
    for q in _load("questions.toml")["question"]:
        if q.get("choices_from") == "platforms":
            q = {**q, "choices": [{"value": p.id, "label": p.name} for p in platforms(lang)]}
        out.append(Question.model_validate(localise("question", q, lang, "questions.toml")))
    _unique("question", [q.id for q in out])
    return tuple(out)
