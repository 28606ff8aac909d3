"""The evidence vault: an encrypted (SQLCipher 4 + AES-GCM blobs), tamper-evident (hash-chained ledger)
store for one case, and the pipeline that imports files into it through ``haven.importers``.

Public API: ``Vault`` (``create`` / ``open``), ``ImportSummary`` / ``FileSummary``, ``KdfParams``.
"""

from haven.vault.errors import ItemNotFound, VaultBusy, VaultExists
from haven.vault.keys import KdfParams
from haven.vault.sink import FileSummary, ImportSummary, VaultSink
from haven.vault.vault import Vault

__all__ = [
    "FileSummary",
    "ImportSummary",
    "ItemNotFound",
    "KdfParams",
    "Vault",
    "VaultBusy",
    "VaultExists",
    "VaultSink",
]
