"""Languages: gettext catalogues read through Babel, and the language of the current request.

English is the source language: the words in the templates and the code are English, marked with
``_()``. Each other language is one catalogue, ``locale/<code>/LC_MESSAGES/messages.po``, read straight
from the ``.po`` file when first needed (no compile step to forget). Adding a language is adding that
file (and the guide's ``guide/data/locale/<code>/`` files): the code does not list languages.

The language of a request comes from ``?lang=cy`` (which also sets a session cookie), else the
``haven_lang`` cookie, else English. ``LanguageMiddleware`` keeps it in a context variable, so
``gettext`` works in routes and templates alike.

To refresh the catalogues after changing words (maintainers only, not needed at run time)::

    pybabel extract -F src/haven/web/babel.cfg -o src/haven/web/locale/messages.pot src/haven/web
    pybabel update -i src/haven/web/locale/messages.pot -d src/haven/web/locale
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE = "en"
COOKIE = "haven_lang"

_current: ContextVar[str] = ContextVar("haven_lang", default=SOURCE)


def catalogue_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def languages() -> tuple[str, ...]:
    """English first, then every language that has a catalogue, in code order."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE, *[c for c in found if c != SOURCE])


def language_name(code: str) -> str:
    """The language's own name for itself: ``cy`` -> ``Cymraeg``."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def html_lang(code: str) -> str:
    """The value for ``<html lang>``: British English for the source, the code for the rest."""
    return "en-GB" if code == SOURCE else code


@cache
def catalogue(code: str) -> Any:
    """The Babel ``Catalog`` of ``code`` (for tests and tools)."""
    with catalogue_path(code).open("rb") as fh:
        return read_po(fh, locale=code, domain=DOMAIN)


@cache
def translations(code: str) -> NullTranslations:
    """gettext translations for ``code``, built in memory from its ``.po`` file."""
    if code == SOURCE or code not in languages():
        return NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, catalogue(code), use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def choose(query_value: str | None, cookie_value: str | None) -> str:
    """The request's language: the query's, else the cookie's, else English (unknown codes ignored)."""
    for value in (query_value, cookie_value):
        if value and value.strip().lower() in languages():
            return value.strip().lower()
    return SOURCE


def current() -> str:
    return _current.get()


def set_current(code: str) -> None:
    _current.set(code if code in languages() else SOURCE)


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language; ``%(name)s`` places filled from ``variables``."""
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def N_(message: str) -> str:
    """Marks a string for the catalogue without translating it yet (it is translated where shown)."""
    return message


class LanguageMiddleware:
    """Pure ASGI middleware: sets the request's language, and remembers ``?lang=`` in a cookie."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = (query.get("lang") or [None])[0]
        cookie_value = None
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    continue
                if COOKIE in jar:
                    cookie_value = jar[COOKIE].value
        code = choose(asked, cookie_value)
        token = _current.set(code)
        remember = asked is not None and asked.strip().lower() in languages()

        async def send_with_cookie(message: Any) -> None:
            if remember and message["type"] == "http.response.start":
                header = f"{COOKIE}={code}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", header)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            _current.reset(token)
