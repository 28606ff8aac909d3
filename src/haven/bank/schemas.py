"""Request and response bodies of the bank API (pydantic; they also make the OpenAPI document).

Signals are validated with ``haven.protect.validate_signal``: a bad hash is a 422 naming the problem, and
nothing is stored. Only hash strings are accepted; there is no field that could carry an image.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haven.bank.cases import Feedback
from haven.bank.index import MAX_RADIUS
from haven.bank.keys import Role
from haven.protect.signals import validate_signal

SignalTypeName = Literal["pdq", "vpdq", "md5", "sha256"]
MAX_BATCH = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignalIn(_Strict):
    signal_type: SignalTypeName
    signal: str = Field(max_length=400_000, description="The hash: hex for pdq/md5/sha256, JSON for vpdq.")

    @model_validator(mode="after")
    def _normalise(self) -> SignalIn:
        self.signal = validate_signal(self.signal_type, self.signal)
        return self


class CaseIn(_Strict):
    signals: list[SignalIn] = Field(min_length=1, max_length=1000)
    bank: str = Field("haven", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")


class CaseCreated(BaseModel):
    case_number: str
    pin: str
    status: Literal["Received", "Active"]


class PinIn(_Strict):
    pin: str = Field(min_length=1, max_length=100)


class SignalStatus(BaseModel):
    signal_type: SignalTypeName
    status: str
    feedback: dict[str, int]


class CaseOut(BaseModel):
    case_number: str
    status: str
    created_at: str
    updated_at: str
    signals: list[SignalStatus]


class WithdrawOut(BaseModel):
    case_number: str
    status: str
    withdrawn_signals: int


class MatchOut(BaseModel):
    bank: str
    signal_id: int
    signal_type: SignalTypeName
    distance: float
    query_match_percent: float | None = None


class MatchResponse(BaseModel):
    matches: list[MatchOut]


class BatchMatchIn(_Strict):
    signals: list[SignalIn] = Field(min_length=1, max_length=MAX_BATCH)
    max_distance: int = Field(MAX_RADIUS, ge=0, le=MAX_RADIUS)


class BatchResult(BaseModel):
    signal_type: SignalTypeName
    signal: str
    matches: list[MatchOut]


class BatchMatchResponse(BaseModel):
    results: list[BatchResult]


class FeedbackIn(_Strict):
    signal_id: int = Field(ge=1, le=2**62)
    feedback: Feedback
    tags: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags: list[str]) -> list[str]:
        if any(len(t) > 100 for t in tags):
            raise ValueError("each tag can be at most 100 characters")
        return tags


class FeedbackOut(BaseModel):
    signal_id: int
    feedback: str
    platform: str


class WebhookIn(_Strict):
    url: str = Field(min_length=8, max_length=2000)


class WebhookOut(BaseModel):
    id: int
    url: str
    secret: str
    events: list[str]


class KeyIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Role


class KeyOut(BaseModel):
    key: str
    name: str
    role: Role
