"""One case number for the victim: routes that let ``haven protect`` register its own case at the bank.

``PUT /v1/cases/{number}`` stores the case under the number the person's device made (``HVN-7K2M-Q9TD``)
with a PIN *verifier* the device derived from the PIN (the bank never sees the PIN itself); the verifier
then stands in for the PIN on the usual routes (``GET /v1/cases/{number}`` with ``X-Case-Pin``,
``POST /v1/cases/{number}/withdraw``). A number already used by another case is refused with 409.
``GET /v1/cases/{number}/hashes`` answers the case with each hash value, so the device can show the
platforms' feedback beside the picture each hash came from. Client side: ``haven.protect.bank_link``.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from haven.bank import cases as case_ops
from haven.bank.keys import Principal
from haven.bank.openapi import errors
from haven.bank.schemas import SignalIn


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin_verifier: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")
    signals: list[SignalIn] = Field(min_length=1, max_length=case_ops.MAX_SIGNALS_PER_CASE)
    bank: str = Field("haven", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")


class Registered(BaseModel):
    case_number: str
    status: str
    signals: int
    created: bool


def _http(exc: case_ops.CaseError) -> HTTPException:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return HTTPException(exc.status, exc.message, headers=headers)


def make_router(engine: Any, matcher: Any, allowed: Callable[[str], Any]) -> APIRouter:
    r = APIRouter()
    Caller = Annotated[Principal, Depends(allowed("cases"))]

    @r.put(
        "/v1/cases/{number}",
        response_model=Registered,
        status_code=201,
        tags=["cases"],
        responses=errors(409, 422, 429),
    )
    def register(number: str, body: RegisterIn, who: Caller) -> Any:
        """Register a case under the person's own case number (from ``haven protect``). 201 when stored,
        200 when the same number and verifier came before (a retry), 409 when the number is used."""
        try:
            new, created = case_ops.register_case(
                engine,
                number[:40],
                body.pin_verifier,
                [(s.signal_type, s.signal) for s in body.signals],
                who.name,
                body.bank,
            )
        except case_ops.CaseError as exc:
            raise _http(exc) from None
        matcher.sync()  # live before we answer
        out = Registered(
            case_number=new.case_number, status=new.status, signals=len(new.signal_ids), created=created
        )
        return JSONResponse(out.model_dump(), status_code=201 if created else 200)

    @r.get("/v1/cases/{number}/hashes", tags=["cases"], responses=errors(400, 404, 429))
    def hashes(
        number: str,
        who: Caller,
        request: Request,
        x_case_pin: Annotated[str | None, Header(max_length=100)] = None,
    ) -> dict[str, Any]:
        """The case with each hash, its status and the platforms' feedback (PIN in X-Case-Pin)."""
        if "pin" in request.query_params:
            raise HTTPException(400, "Send the case PIN in the X-Case-Pin header, never in the URL.")
        if not x_case_pin:
            raise HTTPException(422, "The case PIN is required (X-Case-Pin header).")
        try:
            return case_ops.get_case(engine, number[:40], x_case_pin)
        except case_ops.CaseError as exc:
            raise _http(exc) from None

    return r
