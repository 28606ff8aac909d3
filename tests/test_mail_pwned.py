"""Tests for haven.mail.pwned: the Pwned Passwords k-anonymity check, offline range files and a real local
HTTP server standing in for the online API."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from haven.core.errors import HavenError
from haven.mail.pwned import PwnedPasswords, parse_range, sha1_hex

PASSWORD = "hunter2016"
DIGEST = hashlib.sha1(PASSWORD.encode()).hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]


def test_sha1_split() -> None:
    assert sha1_hex("password") == "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
    assert (
        parse_range(
            "1E4C9B93F3F0682250B6CF8331B7EE68FD8:9659365\r\nAAAA:1\n", "1e4c9b93f3f0682250b6cf8331b7ee68fd8"
        )
        == 9659365
    )
    assert parse_range("AAAA:1\n", "BBBB") == 0


def test_offline_range_directory(tmp_path: Path) -> None:
    (tmp_path / f"{PREFIX}.txt").write_text(f"0018A45C4D1DEF81644B54AB7F969B88D65:3\r\n{SUFFIX}:42\r\n")
    result = PwnedPasswords(tmp_path).check(PASSWORD)
    assert (result.breached, result.count, result.checked, result.sent) == (True, 42, "offline", None)
    other = PwnedPasswords(tmp_path).check("a different password")
    assert other.breached is None and "do not cover" in other.note  # its prefix file is not there
    (tmp_path / f"{PREFIX}.txt").write_text("0018A45C4D1DEF81644B54AB7F969B88D65:3\n")
    assert PwnedPasswords(tmp_path).check(PASSWORD).breached is False


def test_offline_single_prefix_file(tmp_path: Path) -> None:
    path = tmp_path / PREFIX
    path.write_text(f"{SUFFIX}:7\n")
    assert PwnedPasswords(path).check(PASSWORD).count == 7


def test_offline_sorted_full_hash_file(tmp_path: Path) -> None:
    hashes = sorted({hashlib.sha1(f"pw{i}".encode()).hexdigest().upper() for i in range(3000)} | {DIGEST})
    path = tmp_path / "pwned-passwords-sha1-ordered-by-hash.txt"
    path.write_text("".join(f"{h}:{i + 1}\r\n" for i, h in enumerate(hashes)))
    checker = PwnedPasswords(path)
    assert checker.check(PASSWORD).count == hashes.index(DIGEST) + 1
    for i in range(0, 3000, 37):  # every line is found, with its own count
        assert checker.check(f"pw{i}").count == hashes.index(sha1_hex(f"pw{i}")) + 1
    first, last = hashes[0], hashes[-1]
    for i in range(3000):  # first and last lines of the file are found too
        if sha1_hex(f"pw{i}") in (first, last):
            assert checker.check(f"pw{i}").breached is True
    assert checker.check("certainly-not-in-the-file").breached is False


def test_missing_range_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HavenError, match="does not exist"):
        PwnedPasswords(tmp_path / "nope")


class _StubApi(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_GET(self) -> None:
        type(self).requests.append((self.path, dict(self.headers)))
        if not self.path.startswith("/range/") or len(self.path) != len("/range/") + 5:
            self.send_response(400)
            self.end_headers()
            return
        padding = "FFFFF0000000000000000000000000000000:0"
        body = f"0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n{SUFFIX}:1234\r\n{padding}"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def stub_api() -> Iterator[str]:
    _StubApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_online_sends_only_the_prefix(stub_api: str) -> None:
    result = PwnedPasswords(online=True, api_base=stub_api).check(PASSWORD)
    assert (result.breached, result.count, result.checked, result.sent) == (True, 1234, "online", PREFIX)
    [(path, headers)] = _StubApi.requests
    assert path == f"/range/{PREFIX}"
    assert SUFFIX not in path and PASSWORD not in path
    assert headers.get("Add-Padding") == "true"
    assert "5 characters" in result.note


def test_online_padding_entries_do_not_count(stub_api: str) -> None:
    result = PwnedPasswords(online=True, api_base=stub_api).check("password-not-in-stub")
    assert result.breached is False and result.count == 0


def test_offline_never_touches_the_server(stub_api: str, tmp_path: Path) -> None:
    assert PwnedPasswords(None, online=False, api_base=stub_api).check(PASSWORD).checked == "no"
    (tmp_path / PREFIX).write_text(f"{SUFFIX}:5\n")
    assert PwnedPasswords(tmp_path, online=False, api_base=stub_api).check(PASSWORD).count == 5
    assert _StubApi.requests == []


def test_online_failure_is_not_a_guess() -> None:
    result = PwnedPasswords(online=True, api_base="http://127.0.0.1:9", timeout=2).check(PASSWORD)
    assert result.breached is None and result.checked == "no" and "failed" in result.note
