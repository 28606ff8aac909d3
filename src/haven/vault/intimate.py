"""Intimate images, and the under-18 rule (rule 3): a minor's intimate image is never kept as a copy.

Marking an item intimate in a minor's case turns it into a hash-and-location record (``stored=False``) and
drops the stored copy of every container it came in (the chat zip, the email), walking up through
``parent_id`` and every recorded location. Copies are removed only after the transaction commits
(``Vault._write``); a crash in between is repaired the next time the case is opened. The containers'
messages stay: only the bytes that hold the image go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from haven.core.models import Item

if TYPE_CHECKING:
    from haven.vault.vault import Vault

MINOR_DROP_WARNING = (
    "The stored copy was removed: it is or contains an intimate image of a person under 18, "
    "which Haven records by hash and location only."
)


def set_intimate(vault: Vault, item: Item, *, reason: str) -> Item:
    """Inside a transaction: mark intimate; in a minor's case drop its copy and its containers' copies."""
    drop = vault.is_minor and item.stored
    item = item.model_copy(
        update={
            "intimate": True,
            "stored": item.stored and not drop,
            "warnings": [*item.warnings, MINOR_DROP_WARNING] if drop else item.warnings,
        }
    )
    vault._save_item(item)
    vault._log_in_txn(
        "mark-intimate", {"item_id": item.id, "reason": reason, "removed_copy": drop}, item.sha256
    )
    if vault.is_minor:
        vault._schedule_blob_removal(item.sha256)
        if item.parent_id:
            drop_container_copies(vault, item.parent_id)
        for loc in vault.item_locations(item.id):
            if loc["parent_id"]:
                drop_container_copies(vault, loc["parent_id"])
    return item


def drop_container_copies(vault: Vault, item_id: str, _seen: set[str] | None = None) -> None:
    """Inside a transaction: a container (zip, email) of a minor's intimate image loses its copy too."""
    seen = _seen if _seen is not None else set()
    if item_id in seen:
        return
    seen.add(item_id)
    row = vault._conn.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        return
    item = Item.model_validate_json(row[0])
    if item.stored:
        item = item.model_copy(update={"stored": False, "warnings": [*item.warnings, MINOR_DROP_WARNING]})
        vault._save_item(item)
        vault._log_in_txn(
            "drop-copy",
            {"item_id": item.id, "reason": "contains an intimate image of a person under 18"},
            item.sha256,
        )
        vault._schedule_blob_removal(item.sha256)
    parents = {item.parent_id} | {loc["parent_id"] for loc in vault.item_locations(item.id)}
    for parent in parents - {None}:
        drop_container_copies(vault, parent, seen)  # type: ignore[arg-type]
