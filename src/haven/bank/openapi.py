"""The bank's OpenAPI document says exactly what the service answers (checked by schemathesis in the tests).

Every route gets, without declaring anything itself, the errors the shared machinery can give: 401 and 403
where a key is needed (``WWW-Authenticate`` on 401), 400/411/413/415 where a JSON body is read (see
``BodyGuard``), and 422 where parameters or a body are validated. Every error has one schema, ``Error``:
``{"detail": "plain words"}`` or, for request validation, ``{"detail": [ {loc, msg, type}, … ]}``. A route
declares only its own extra errors, with :func:`errors` (``responses=errors(404, 429)``). Wrong methods get
405 from the router (``BodyGuard`` lets them through). The interactive ``/docs`` page is off: it would
load its script from a CDN, and the bank makes no outside requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

BODY_METHODS = frozenset({"post", "put", "patch"})
DESCRIPTIONS = {
    400: "The body is not valid JSON, or a parameter is sent where it must not be.",
    401: "No API key, or not a valid one.",
    403: "The key's role cannot use this route.",
    404: "Nothing has this number or id (or the PIN is wrong).",
    409: "It conflicts with what is stored.",
    411: "A Content-Length header is required.",
    413: "The body is larger than the bank accepts.",
    415: "Only JSON bodies are accepted.",
    422: "A parameter or the body is not valid: the detail says which and why.",
    429: "Too many attempts: wait for the time in Retry-After.",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    429: {"Retry-After": {"required": True, "schema": {"type": "string"}}},
}


class ValidationIssue(BaseModel):
    model_config = ConfigDict(extra="allow")
    loc: list[str | int]
    msg: str
    type: str


class Error(BaseModel):
    """Every error the bank answers: plain words, or the list of validation problems."""

    detail: str | list[ValidationIssue] = Field(description="What went wrong, in plain words.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's own extra errors, all with the ``Error`` schema."""
    return {s: {"model": Error, "description": DESCRIPTIONS.get(s, "Error.")} for s in statuses}


def _error_response(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Error."),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in HEADERS:
        out["headers"] = HEADERS[status]
    return out


def conform(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error responses to every operation of ``schema`` (in place) and return it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["Error"] = error_schema
    components.pop("HTTPValidationError", None)
    for methods in schema.get("paths", {}).values():
        for method, op in methods.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            statuses: set[int] = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            if op.get("security"):
                statuses |= {401, 403, 422}
            if method in BODY_METHODS:
                statuses |= {400, 411, 413, 415, 422}
            if op.get("parameters") or op.get("requestBody"):
                statuses.add(422)
            for status in sorted(statuses):
                declared = responses.get(str(status), {})
                responses[str(status)] = {
                    **_error_response(status),
                    **{
                        k: v for k, v in declared.items() if k == "description" and status not in DESCRIPTIONS
                    },
                }
    return schema


def allowed_methods(app: FastAPI, scope: Mapping[str, Any]) -> list[str]:
    """Every method some route takes at this path (``GET`` and ``POST /v1/match`` are two routes)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**scope, "method": "\x00"})
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Serve the conforming document at ``/openapi.json`` (built once, on first request), and answer a
    wrong method with 405 and an ``Allow`` header naming every method the path takes."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(app, request.scope))
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": allow})
        return await http_exception_handler(request, exc)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = conform(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
