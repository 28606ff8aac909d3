"""The shared core: data model, errors, registries and hashing helpers every capability uses."""

from haven.core.errors import (
    BadAnswers,
    HavenError,
    ImportFileError,
    NotAVault,
    UnsafeInput,
    WrongPassphrase,
)
from haven.core.models import (
    Attachment,
    Case,
    Flag,
    Indicator,
    Item,
    LedgerEntry,
    Message,
    MessageKind,
    Provenance,
)
from haven.core.registry import Registry

__all__ = [
    "Attachment",
    "BadAnswers",
    "Case",
    "Flag",
    "HavenError",
    "ImportFileError",
    "Indicator",
    "Item",
    "LedgerEntry",
    "Message",
    "MessageKind",
    "NotAVault",
    "Provenance",
    "Registry",
    "UnsafeInput",
    "WrongPassphrase",
]
