"""Is the quoted password in a known data leak? Pwned Passwords' k-anonymity range model.

The password is hashed with SHA-1 on this computer. Only the first 5 hex characters of that hash are ever
looked up; the match against the other 35 happens here. Offline by default: against range files the person
downloaded (a folder of files named by 5-hex prefix holding ``SUFFIX:COUNT`` lines, as the HIBP range API
and its downloader write them, or one file sorted by hash with ``HASH:COUNT`` lines). Online only when
asked: one HTTPS GET of ``{api_base}/range/{prefix}`` with padding on.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from haven.core.errors import HavenError

DEFAULT_API = "https://api.pwnedpasswords.com"


@dataclass
class PwnedResult:
    breached: bool | None
    """True / False when checked, None when it could not be checked."""
    count: int | None = None
    checked: str = "no"
    """``offline``, ``online`` or ``no``."""
    sent: str | None = None
    """What left this computer (the 5-character prefix), when online."""
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8")).hexdigest().upper()


def parse_range(text: str, suffix: str) -> int:
    """The count for ``suffix`` in a range response (``SUFFIX:COUNT`` lines); 0 when absent or padding."""
    suffix = suffix.upper()
    for line in text.splitlines():
        head, _, count = line.strip().partition(":")
        if head.upper() == suffix:
            try:
                return int(count.strip() or 0)
            except ValueError:
                return 0
    return 0


class PwnedPasswords:
    """Checks passwords against local range files and, only when ``online`` is True, the online API."""

    def __init__(
        self,
        range_path: str | Path | None = None,
        *,
        online: bool = False,
        api_base: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.range_path = Path(range_path) if range_path else None
        if self.range_path is not None and not self.range_path.exists():
            raise HavenError(f"The Pwned Passwords range folder or file {self.range_path} does not exist.")
        self.online = online
        self.api_base = (api_base or os.environ.get("HAVEN_PWNED_API") or DEFAULT_API).rstrip("/")
        self.timeout = timeout

    @property
    def can_check(self) -> bool:
        return self.range_path is not None or self.online

    def check(self, password: str) -> PwnedResult:
        digest = sha1_hex(password)
        prefix, suffix = digest[:5], digest[5:]
        if self.range_path is not None:
            count = self._offline(prefix, suffix)
            if count is not None:
                return PwnedResult(
                    count > 0, count, "offline", None, "checked against the range files on this computer"
                )
            if not self.online:
                return PwnedResult(
                    None, None, "no", None, f"the range files do not cover hash prefix {prefix}"
                )
        if self.online:
            return self._online(prefix, suffix)
        return PwnedResult(
            None, None, "no", None, "not checked: give a Pwned Passwords range folder, or allow --online"
        )

    def _offline(self, prefix: str, suffix: str) -> int | None:
        path = self.range_path
        assert path is not None
        if path.is_dir():
            for name in (prefix, f"{prefix}.txt", prefix.lower(), f"{prefix.lower()}.txt"):
                candidate = path / name
                if candidate.is_file():
                    return parse_range(candidate.read_text("utf-8", errors="replace"), suffix)
            return None
        if path.name.upper().removesuffix(".TXT") == prefix:
            return parse_range(path.read_text("utf-8", errors="replace"), suffix)
        return _search_sorted(path, prefix + suffix)

    def _online(self, prefix: str, suffix: str) -> PwnedResult:
        import httpx

        url = f"{self.api_base}/range/{prefix}"
        try:
            response = httpx.get(
                url, headers={"Add-Padding": "true", "User-Agent": "haven-mail-check"}, timeout=self.timeout
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            return PwnedResult(
                None, None, "no", prefix, f"the online check failed ({exc.__class__.__name__})"
            )
        count = parse_range(response.text, suffix)
        return PwnedResult(
            count > 0,
            count,
            "online",
            prefix,
            f"sent only the first 5 characters of the password's SHA-1 hash ({prefix})",
        )


def _search_sorted(path: Path, full_hash: str) -> int | None:
    """Binary search in one big file of ``HASH:COUNT`` lines sorted by hash (HIBP's ordered-by-hash file).
    Returns None when the file does not hold full 40-character SHA-1 hashes."""
    with path.open("rb") as handle:
        first = handle.readline().split(b":", 1)[0].strip()
        if len(first) != 40:
            return None
        handle.seek(0, os.SEEK_END)
        lo, hi = 0, handle.tell()
        target = full_hash.encode()
        while lo < hi:
            mid = (lo + hi) // 2
            handle.seek(mid)
            if mid:
                handle.readline()
            line = handle.readline()
            key = line.split(b":", 1)[0].strip().upper()
            if not line or key >= target:
                hi = mid
            else:
                lo = mid + 1
        handle.seek(lo)
        if lo:
            handle.readline()
        for _ in range(3):
            line = handle.readline()
            key, _, count = line.strip().partition(b":")
            if key.upper() == target:
                return int(count or 0)
            if not line or key.upper() > target:
                break
        return 0
