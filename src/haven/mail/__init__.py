"""Is this email a sextortion scam? The checker behind ``haven check-email``.

Public API: ``check_email(data, filename="", *, known_addresses=None, pwned=None) -> EmailVerdict``
(``.to_dict()`` is the JSON the CLI prints), ``check_parsed``, ``load_known_addresses`` and
``PwnedPasswords`` (k-anonymity check, offline by default).
"""

from haven.mail.check import check_email, check_parsed, iter_inputs, load_email
from haven.mail.known import KnownAddresses, load_known_addresses
from haven.mail.pwned import PwnedPasswords, PwnedResult
from haven.mail.verdict import NOT, SCAM, TARGETED, VERDICTS, EmailVerdict

__all__ = [
    "NOT",
    "SCAM",
    "TARGETED",
    "VERDICTS",
    "EmailVerdict",
    "KnownAddresses",
    "PwnedPasswords",
    "PwnedResult",
    "check_email",
    "check_parsed",
    "iter_inputs",
    "load_email",
    "load_known_addresses",
]
