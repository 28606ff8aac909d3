"""Protect my images: on-device perceptual hashing (PDQ, vPDQ) and exact hashes (MD5, SHA-256).

Only hashes leave this package; images and videos are read, never copied, changed or sent anywhere.
"""

from haven.protect.hashing import HashResult, hash_path, hash_paths, iter_files
from haven.protect.signals import SIGNALS, SignalType, pdq_distance, validate_signal

__all__ = [
    "SIGNALS",
    "HashResult",
    "SignalType",
    "hash_path",
    "hash_paths",
    "iter_files",
    "pdq_distance",
    "validate_signal",
]
