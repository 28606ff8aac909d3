"""The guide's data types: the person's answers (validated), and the plan Haven gives back.

``Answers`` is the only way answers enter the guide: ``Answers.from_dict`` checks every key and value
and raises :class:`haven.core.errors.BadAnswers` naming the first bad key (and value), so a caller
never acts on half-valid input.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from haven.core.errors import BadAnswers


class Region(StrEnum):
    scotland = "scotland"
    england = "england"
    wales = "wales"
    northern_ireland = "northern-ireland"
    outside_uk = "outside-uk"


UK_REGIONS = frozenset({Region.scotland, Region.england, Region.wales, Region.northern_ireland})


class Contact(StrEnum):
    social_media = "social-media"
    dating_app = "dating-app"
    webcam = "webcam"
    email_scam = "email-scam"
    hacked_account = "hacked-account"
    gaming = "gaming"


class Images(StrEnum):
    sent_by_me = "sent-by-me"
    stolen_or_hacked = "stolen-or-hacked"
    faked_with_ai = "faked-with-ai"
    only_claimed = "only-claimed"
    unknown = "unknown"


class Paid(StrEnum):
    no = "no"
    yes_collected = "yes-collected"
    yes_not_collected = "yes-not-collected"
    yes_unknown = "yes-unknown"


class PaymentMethod(StrEnum):
    bank_transfer = "bank-transfer"
    gift_card = "gift-card"
    crypto = "crypto"
    western_union = "western-union"
    moneygram = "moneygram"
    other = "other"


class Demand(StrEnum):
    money = "money"
    more_images = "more-images"
    bank_account = "bank-account"
    other = "other"


class Feeling(StrEnum):
    ok = "ok"
    struggling = "struggling"
    thinking_of_self_harm = "thinking-of-self-harm"


ADULT_AGE = 18
MIN_AGE, MAX_AGE = 1, 120

_YES = {"yes", "true", "y", "1"}
_NO = {"no", "false", "n", "0"}


def _norm(value: Any) -> Any:
    """Friendly spelling: ``" Yes_Collected "`` -> ``"yes-collected"``. Anything else is left as is."""
    if isinstance(value, str):
        return value.strip().lower().replace("_", "-").replace(" ", "-")
    return value


def _as_list(value: Any) -> Any:
    """A multi-choice answer may be given as one string; None (skipped) becomes an empty list."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for v in map(_norm, value):
            if v not in out:
                out.append(v)
        return out
    return value


class Answers(BaseModel):
    """What the person told the guide. Every field is optional: a skipped question is None / empty.

    ``platforms`` are ids from ``platforms.toml`` (aliases such as ``twitter`` become ``x``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: int | None = Field(default=None, ge=MIN_AGE, le=MAX_AGE)
    region: Region | None = None
    contact: list[Contact] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    images: list[Images] = Field(default_factory=list)
    paid: Paid | None = None
    payment_method: list[PaymentMethod] = Field(default_factory=list)
    demands: list[Demand] = Field(default_factory=list)
    reported: bool | None = None
    feeling: Feeling | None = None

    @field_validator("region", "paid", "feeling", mode="before")
    @classmethod
    def _single(cls, v: Any) -> Any:
        v = _norm(v)
        return None if v == "" else v

    @field_validator("contact", "images", "payment_method", "demands", mode="before")
    @classmethod
    def _multi(cls, v: Any) -> Any:
        return _as_list(v)

    @field_validator("platforms", mode="before")
    @classmethod
    def _platforms(cls, v: Any) -> Any:
        from haven.guide.knowledge import platform_id  # data loading stays out of model import time

        v = _as_list(v)
        if not isinstance(v, list):
            return v
        ids: list[str] = []
        for name in v:
            if not isinstance(name, str):
                raise ValueError(f"{name!r} is not a platform name")
            pid = platform_id(name)
            if pid is None:
                raise ValueError(f"unknown platform {name!r}")
            if pid not in ids:
                ids.append(pid)
        return ids

    @field_validator("age", mode="before")
    @classmethod
    def _age(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("age must be a whole number of years")
        if isinstance(v, str):
            v = v.strip()
            if v == "":
                return None
            if not v.isdigit():
                raise ValueError(f"age must be a whole number of years, not {v!r}")
            return int(v)
        if isinstance(v, float) and not v.is_integer():
            raise ValueError("age must be a whole number of years")
        return v

    @field_validator("reported", mode="before")
    @classmethod
    def _reported(cls, v: Any) -> Any:
        if v is None or isinstance(v, bool):
            return v
        n = _norm(v)
        if n in _YES:
            return True
        if n in _NO:
            return False
        if n == "":
            return None
        raise ValueError(f"reported must be yes or no, not {v!r}")

    @classmethod
    def from_dict(cls, data: Any) -> Answers:
        """Validate a decoded answers JSON object. Raises BadAnswers naming the first bad key."""
        if not isinstance(data, dict):
            raise BadAnswers('The answers must be a JSON object, like {"age": 16}.')
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = str(err["loc"][0]) if err["loc"] else None
            if err["type"] == "extra_forbidden":
                allowed = ", ".join(cls.model_fields)
                raise BadAnswers(f"Unknown answer key {key!r}. Known keys: {allowed}.", key=key) from None
            value = data.get(key) if key else None
            if len(err["loc"]) > 1 and isinstance(value, list):
                value = value[int(err["loc"][1])] if isinstance(err["loc"][1], int) else value
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise BadAnswers(f"Bad value {value!r} for answer {key!r}: {msg}.", key=key) from None

    @classmethod
    def from_case(cls, case: Any) -> Answers:
        """The answers a vault ``Case`` already knows (age, region), e.g. for its letter.

        A case marked ``minor`` without an age keeps age unknown, which shows both age groups' routes.
        """
        return cls.from_dict({"age": case.age, "region": case.region})

    def to_dict(self) -> dict[str, Any]:
        """The answers as JSON-ready data, skipped questions left out (round-trips through from_dict)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    @property
    def under_18(self) -> bool | None:
        return None if self.age is None else self.age < ADULT_AGE


class Step(BaseModel):
    """One thing to do, in plain words, and where the advice comes from."""

    id: str
    title: str
    detail: str
    why: str
    sources: list[str]
    layer: str = "next"
    """``now`` (do this now: at most three), ``next``, or ``when-ready`` (when you are ready)."""


class Service(BaseModel):
    """A service that can help. Ages are inclusive; None means no limit."""

    id: str
    name: str
    description: str
    contact: dict[str, str] = Field(default_factory=dict)
    min_age: int | None = None
    max_age: int | None = None
    regions: list[Region]
    sources: list[str]
    tags: list[str] = Field(default_factory=list, exclude=True)

    def open_to(self, age: int | None) -> bool:
        if age is None:
            return True
        if self.min_age is not None and age < self.min_age:
            return False
        return not (self.max_age is not None and age > self.max_age)

    def short_contact(self, lang: str = "en") -> str:
        """The quickest way to reach the service, for a one-line mention inside a step."""
        from haven.guide.knowledge import word  # data loading stays out of model import time

        c = self.contact
        parts = []
        if "phone" in c:
            parts.append(f"{word('call', lang)} {c['phone']}")
        if "text" in c:
            parts.append(f"{word('text', lang)} {c['text']}")
        if not parts and "url" in c:
            parts.append(c["url"].removeprefix("https://").removeprefix("http://").rstrip("/"))
        return f" {word('or', lang)} ".join(parts)


class Plan(BaseModel):
    """The guide's answer: crisis flag, ordered steps, and the services open to this person."""

    crisis: bool
    steps: list[Step]
    services: list[Service]
    lang: str = "en"

    @property
    def now(self) -> list[Step]:
        """Do this now: at most three steps, crisis first when the person is at risk."""
        return [s for s in self.steps if s.layer == "now"]

    @property
    def next(self) -> list[Step]:
        return [s for s in self.steps if s.layer == "next"]

    @property
    def when_ready(self) -> list[Step]:
        return [s for s in self.steps if s.layer == "when-ready"]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    def service_ids(self) -> list[str]:
        return [s.id for s in self.services]
