"""Lists of wallet addresses already seen in sextortion spam, loaded from any CSV the person supplies.

The column holding addresses is found by its header (``address``, ``wallet``, ``btc``...) or, without a
header, by its contents; a column of counts (``count``, ``emails``, ``n``, ``spam_count``...) is used when
present, for "appears in N known sextortion spam emails". Bitcoin legacy (base58) addresses are compared
exactly, bech32 and Ethereum addresses case-insensitively.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from haven.core.errors import HavenError

ADDRESS_HEADERS = (
    "address",
    "addresses",
    "wallet",
    "btc_address",
    "bitcoin_address",
    "btc",
    "bitcoin",
    "addr",
    "wallet_address",
    "crypto_address",
)
COUNT_HEADERS = (
    "count",
    "counts",
    "n",
    "emails",
    "email_count",
    "spam_count",
    "spams",
    "occurrences",
    "times",
    "n_emails",
    "num_emails",
    "frequency",
    "freq",
)
LOOKS_LIKE_ADDRESS = re.compile(
    r"^(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc|tb|ltc)1[02-9ac-hj-np-z]{6,87}|0x[0-9a-fA-F]{40}"
    r"|[48][1-9A-HJ-NP-Za-km-z]{94,105}|[LMD][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33})$",
    re.IGNORECASE,
)


def address_key(address: str) -> str:
    """Comparison key: bech32 and hex addresses are case-insensitive, base58 ones are not."""
    address = address.strip()
    low = address.lower()
    if low.startswith(("bc1", "tb1", "ltc1", "0x")):
        return low
    return address


@dataclass
class KnownHit:
    source: str
    count: int | None = None


@dataclass
class KnownAddresses:
    """Addresses from one or more CSV files, each with a count when the file gives one."""

    entries: dict[str, KnownHit] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, address: str) -> KnownHit | None:
        return self.entries.get(address_key(address))

    def add_csv(self, path: str | Path) -> int:
        """Load one CSV; returns how many addresses it added. Raises HavenError when none are found."""
        path = Path(path)
        try:
            text = path.read_text("utf-8-sig", errors="replace")
        except OSError as exc:
            raise HavenError(f"The address list {path} could not be read: {exc.strerror or exc}.") from exc
        added = self._add_text(text, path.name)
        if not added:
            raise HavenError(
                f"No wallet addresses were found in {path.name}. "
                "It should be a CSV with a column of addresses."
            )
        self.sources.append(path.name)
        return added

    def _add_text(self, text: str, source: str) -> int:
        sample = text[:4096]
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        rows = csv.reader(io.StringIO(text), dialect)
        first = next(rows, None)
        if first is None:
            return 0
        header = [cell.strip().lower() for cell in first]
        addr_col = next((i for i, h in enumerate(header) if h in ADDRESS_HEADERS), None)
        count_col = next((i for i, h in enumerate(header) if h in COUNT_HEADERS), None)
        pending: list[list[str]] = []
        if addr_col is None:
            pending.append(first)  # no header row: the first row is data
            addr_col = next(
                (i for i, cell in enumerate(first) if LOOKS_LIKE_ADDRESS.match(cell.strip())), None
            )
            if addr_col is None:
                return 0
            count_col = next(
                (i for i, cell in enumerate(first) if i != addr_col and cell.strip().isdigit()), None
            )
        added = 0
        for row in (*pending, *rows):
            if len(row) <= addr_col:
                continue
            value = row[addr_col].strip()
            if not value or not LOOKS_LIKE_ADDRESS.match(value):
                continue
            count = None
            if count_col is not None and len(row) > count_col:
                try:
                    count = int(float(row[count_col].strip()))
                except ValueError:
                    count = None
            key = address_key(value)
            previous = self.entries.get(key)
            if previous and previous.count is not None and count is not None:
                count += previous.count
            if previous is None:
                added += 1
            self.entries[key] = KnownHit(
                source, count if count is not None else (previous.count if previous else None)
            )
        return added


def load_known_addresses(paths: list[str | Path] | tuple[str | Path, ...] | str | Path) -> KnownAddresses:
    """Load every CSV in ``paths`` into one list."""
    known = KnownAddresses()
    for path in [paths] if isinstance(paths, str | Path) else paths:
        known.add_csv(path)
    return known
