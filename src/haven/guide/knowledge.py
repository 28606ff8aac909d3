"""Loads the guide's knowledge (``data/*.toml``) into typed, checked objects, once per process.

The TOML files are the single place where advice, services, platforms, payment methods and questions
live; this module only reads and checks them (unknown fields, duplicate ids, bad service references
are errors at load time, so a typo in the data cannot silently drop advice).
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


def _load(name: str) -> dict[str, Any]:
    text = resources.files("haven.guide").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{kind} id {i!r} appears twice in the guide data")
        seen.add(i)


@cache
def services() -> tuple[Service, ...]:
    out = tuple(Service.model_validate(s) for s in _load("services.toml")["service"])
    _unique("service", [s.id for s in out])
    return out


@cache
def service_map() -> dict[str, Service]:
    return {s.id: s for s in services()}


@cache
def steps() -> tuple[StepDef, ...]:
    out = tuple(StepDef.model_validate(s) for s in _load("steps.toml")["step"])
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
def platforms() -> tuple[PlatformDef, ...]:
    data = _platform_file()
    out = []
    for p in data["platform"]:
        p = {"why": data["default_why"], "sources": data["default_sources"], **p}
        out.append(PlatformDef.model_validate(p))
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
def platform_map() -> dict[str, PlatformDef]:
    return {p.id: p for p in platforms()}


@cache
def payments() -> dict[str, PaymentDef]:
    out = [PaymentDef.model_validate(p) for p in _load("payments.toml")["payment"]]
    _unique("payment", [p.id for p in out])
    return {p.id: p for p in out}


@cache
def questions() -> tuple[Question, ...]:
    out = []
    for q in _load("questions.toml")["question"]:
        if q.get("choices_from") == "platforms":
            q = {**q, "choices": [{"value": p.id, "label": p.name} for p in platforms()]}
        out.append(Question.model_validate(q))
    _unique("question", [q.id for q in out])
    return tuple(out)
