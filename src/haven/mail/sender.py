"""Signs that the sender is forged: From equal to To (the "sent from your own account" trick), a Reply-To
that differs from From, and failed SPF / DKIM / DMARC checks recorded by the receiving server in
``Authentication-Results`` (RFC 8601) or ``Received-SPF``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from haven.importers.emailparse import ParsedEmail

METHOD_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
FAILED = {"fail", "softfail", "permerror", "temperror"}


@dataclass
class SenderCheck:
    from_address: str = ""
    to: list[str] = field(default_factory=list)
    reply_to: str = ""
    return_path: str = ""
    from_equals_to: bool = False
    reply_to_differs: bool = False
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    signs: list[str] = field(default_factory=list)
    """Short names of the signs found: from-equals-to, reply-to-differs, spf-fail, dkim-fail, dmarc-fail."""

    @property
    def failed_checks(self) -> list[str]:
        return [name.upper() for name in ("spf", "dkim", "dmarc") if getattr(self, name) in FAILED]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["failed_checks"] = self.failed_checks
        return data


def check_sender(parsed: ParsedEmail) -> SenderCheck:
    result = SenderCheck(
        from_address=parsed.from_address,
        to=parsed.to_addresses,
        reply_to=parsed.reply_to_address,
        return_path=parsed.return_path_address,
    )
    list_id = parsed.header("List-Id")
    via_list = bool(list_id) and result.from_address.split("@")[0] in list_id.lower()
    if result.from_address and result.from_address in result.to and not via_list:
        # a mailing list that rewrites From to its own address is not a forgery
        result.from_equals_to = True
        result.signs.append("from-equals-to")
    if result.reply_to and result.from_address and result.reply_to != result.from_address:
        result.reply_to_differs = True
        result.signs.append("reply-to-differs")
    # the top Authentication-Results header is the one the person's own provider added
    for header in parsed.authentication_results[:1]:
        for method, outcome in METHOD_RESULT.findall(header):
            method = method.lower()
            if getattr(result, method) is None:
                setattr(result, method, outcome.lower())
    if result.spf is None:
        received_spf = parsed.header("Received-SPF").strip().split()
        if received_spf:
            result.spf = received_spf[0].lower()
    for name in ("spf", "dkim", "dmarc"):
        if getattr(result, name) in FAILED:
            result.signs.append(f"{name}-fail")
    return result
