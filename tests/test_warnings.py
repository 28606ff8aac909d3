"""Warnings are typed values (code, parameters, plain message) that the CLI and the web word their own way;
very large single files get a warning with a setting."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from haven.cli.notices import HINTS as CLI_HINTS
from haven.cli.notices import cli_text
from haven.core.warnings import CATALOGUE, Notice, size_text
from haven.importers import REGISTRY, MemorySink
from haven.importers.sizes import DEFAULT_LARGE_FILE_BYTES, large_file_bytes
from haven.web.notices import HINTS as WEB_HINTS
from haven.web.notices import web_text


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_kind_renders_its_example(code: str):
    notice = Notice(code, **CATALOGUE[code].example)
    assert isinstance(notice, str) and notice.code == code and str(notice)
    assert "{" not in notice and "--" not in notice  # filled in, and no face's options in the plain words
    assert pickle.loads(pickle.dumps(notice)).to_dict() == notice.to_dict()
    assert "--" not in web_text(notice)


def test_hints_name_known_codes_and_unknown_codes_are_refused():
    assert set(CLI_HINTS) <= set(CATALOGUE) and set(WEB_HINTS) <= set(CATALOGUE)
    with pytest.raises(KeyError):
        Notice("no-such-warning")
    assert cli_text("an untyped warning") == "an untyped warning"


def test_zone_warning_from_an_import_is_typed_and_worded_per_face():
    example = next(p for p in REGISTRY.get("whatsapp").examples if p.suffix == ".txt")
    sink = MemorySink()
    REGISTRY.get("whatsapp").run(example, sink)
    zone = [w for w in sink.warnings if getattr(w, "code", None) == "zone-assumed"]
    assert zone, sink.warnings
    assert zone[0].params["file"] == example.name and "no time zone" in zone[0]
    assert cli_text(zone[0]).endswith("Give --tz to choose another.")
    assert "--tz" not in web_text(zone[0])


def test_large_single_file_is_stored_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    big = tmp_path / "recording.bin"
    with open(big, "wb") as fh:  # sparse: 3 MiB on paper, nothing on disk
        fh.truncate(3 * 1024 * 1024)
    monkeypatch.setenv("HAVEN_LARGE_FILE_MB", "2")
    sink = MemorySink(keep_bytes=False)
    REGISTRY.get("generic").run(big, sink)
    assert len(sink.items) == 1  # stored all the same
    large = [w for w in sink.warnings if getattr(w, "code", None) == "large-file"]
    assert large and large[0].params["size"] == "3.0 MiB", sink.warnings
    assert "HAVEN_LARGE_FILE_MB" in cli_text(large[0])
    small = MemorySink(keep_bytes=False, options={"large_file_bytes": 10 * 1024 * 1024})
    REGISTRY.get("generic").run(big, small)  # the import option wins over the setting
    assert not [w for w in small.warnings if getattr(w, "code", None) == "large-file"]
    monkeypatch.delenv("HAVEN_LARGE_FILE_MB")
    assert large_file_bytes(MemorySink()) == DEFAULT_LARGE_FILE_BYTES
    assert size_text(2 * 1024**3) == "2.0 GiB" and size_text(512) == "512 bytes"
