"""The web app's message catalogue: every string marked with ``_()`` in the templates and the code.

``extract()`` finds them (Babel's extractors, the same ones ``pybabel extract`` uses with ``babel.cfg``);
``missing(code)`` lists the ones a language has no translation for. The tests use both, so a new English
string without a Welsh one fails the build. ``python -m haven.web.catalogue update`` refreshes
``locale/messages.pot`` and adds new, empty entries to every language's ``.po`` file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from haven.web import i18n

WEB = Path(__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}
}
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    """Every marked message in ``haven/web`` (templates and Python), with where it is used."""
    cat = Catalog(project="Haven", domain=i18n.DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


def msgids(cat: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}


def missing(code: str) -> list[str]:
    """Source messages with no (or only a fuzzy) translation in ``code``."""
    have = {}
    for m in i18n.catalogue(code):
        if m.id and not m.fuzzy:
            key = m.id if isinstance(m.id, str) else m.id[0]
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if all(strings):
                have[key] = True
    return sorted(msg for msg in msgids(extract()) if msg not in have)


def update() -> None:
    """Write ``messages.pot`` and merge it into every language's catalogue (new entries left empty)."""
    template = extract()
    with (i18n.LOCALE_DIR / "messages.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True)
    for code in i18n.languages()[1:]:
        path = i18n.catalogue_path(code)
        with path.open("rb") as fh:
            cat = read_po(fh, locale=code)
        cat.update(template, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(fh, cat, sort_output=True, ignore_obsolete=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    else:
        for code in i18n.languages()[1:]:
            for msg in missing(code):
                print(f"{code}: {msg}")
