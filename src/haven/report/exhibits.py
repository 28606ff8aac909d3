"""Exhibit references in the usual police form: the producer's initials and a number (``SJ/1``).

Numbers follow the order the items entered the vault (the vault lists them so), so a later import only adds
numbers at the end and an exhibit keeps its number from one report to the next. The initials are set when
the case is made (``haven case create --initials SJ``) and can be changed until the first export; after it
they are fixed, because an officer may already have written them down.
"""

from __future__ import annotations

import re
from typing import Any

from haven.core.errors import HavenError
from haven.core.models import Case, Item

DEFAULT_INITIALS = "HV"
_INITIALS = re.compile(r"^[A-Z]{1,4}$")
UPLOAD_PREFIX = "upload:"
UPLOADED = "uploaded in the Haven app"


def initials_of(case: Case) -> str:
    """The producer's initials for this case (``HV`` when none were set)."""
    return case.initials or DEFAULT_INITIALS


def exhibit_refs(items: list[Item], initials: str) -> dict[str, str]:
    """Item id -> exhibit reference, numbered in the order given (the vault's acquisition order)."""
    return {item.id: f"{initials}/{n}" for n, item in enumerate(items, start=1)}


def normalise_initials(text: str) -> str:
    value = "".join(text.split()).replace(".", "").upper()
    if not _INITIALS.match(value):
        raise HavenError("Initials are one to four letters, like SJ (they start every exhibit number: SJ/1).")
    return value


def exported(vault: Any) -> bool:
    """True once a package of this case has been written (its exhibit numbers are then fixed)."""
    return any(e.action == "export-complete" for e in vault.ledger())


def set_initials(vault: Any, initials: str) -> Case:
    """Set the producer's initials, refused once the case has been exported."""
    value = normalise_initials(initials)
    if vault.case.initials == value:
        return vault.case
    if exported(vault):
        raise HavenError(
            f"This case has already been exported with the initials {initials_of(vault.case)}; its exhibit "
            "numbers are fixed now, because an officer may have written them down."
        )
    return vault.update_case(initials=value)


def is_upload(item: Item) -> bool:
    return item.source_path.startswith(UPLOAD_PREFIX) or "/browser-upload-" in item.source_path


def acquisition(item: Item) -> str:
    """How the item was acquired, in words (never a temporary folder that no longer exists)."""
    if is_upload(item):
        inner = item.source_path.partition("!")[2]
        return f"{UPLOADED}" + (f" (inside the uploaded file, as {inner})" if inner else "")
    if "!" in item.source_path:
        outer, _, inner = item.source_path.partition("!")
        return f"inside {outer} (as {inner}), read from this computer"
    if item.acquired_by.startswith("screenshot") or item.media_type.startswith("image/"):
        return f"picture read from this computer at {item.source_path}"
    return f"file read from this computer at {item.source_path}"
