"""The vault with the real importers on the shared chat corpora: everything imports, verifies, stays
encrypted on disk, and a second import adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from haven.vault import Vault
from test_vault_support import FAST_KDF, raw_bytes_of, snapshot

SAMPLES = (
    "chat-analytics",
    "whatstk",
    "whatsapp-chat-parser-website",
    "chat-miner",
    "whatsapp-chat-parser",
    "sextortion-emails-mailing-lists",
)


@pytest.mark.slow
def test_corpora_import_verify_reimport(corpora: Path, tmp_path: Path):
    pytest.importorskip("haven.importers")
    paths = [corpora / name for name in SAMPLES if (corpora / name).is_dir()]
    assert paths, f"no chat samples under {corpora}"
    before = {str(p): snapshot(p) for p in paths}
    with Vault.create(tmp_path / "case", "corpora", kdf=FAST_KDF) as vault:
        summary = vault.import_paths(paths, options={"tz": "Europe/London"})
        assert summary.ok, summary.errors
        assert summary.new_messages > 1000
        assert {f.format for f in summary.files} >= {"whatsapp", "telegram", "discord", "generic"}
        assert vault.verify() == []
        times = [m.timestamp_utc for m in vault.messages() if m.timestamp_utc is not None]
        assert times == sorted(times)
        items, messages = len(vault.items()), vault.message_count()
        assert messages == summary.new_messages
        # message text never reaches the disk in the clear
        longest = max((m.text for m in vault.messages()), key=len)
        assert len(longest) > 40
        assert longest.encode() not in raw_bytes_of(vault.root)

        again = vault.import_paths(paths, options={"tz": "Europe/London"})
        assert again.ok and again.new_messages == 0
        assert (len(vault.items()), vault.message_count()) == (items, messages)
        assert vault.verify() == []
    assert {str(p): snapshot(p) for p in paths} == before
