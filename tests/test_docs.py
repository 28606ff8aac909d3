"""The docs are checked against the code (Datasette's habit): every command the README and the usage docs
show exists, the README's two set-up commands are the Makefile's, CI runs the README's test command, and
docs/architecture.md names only packages that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command

from haven.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs" / "usage").glob("*.md"))]


def _command_lines(text: str) -> list[str]:
    """Lines of indented or fenced code that start with ``haven``."""
    return [m.group(1) for m in re.finditer(r"^(?:    |\t)\s*(haven [^\n#]*)", text, re.M)] + [
        m.group(1) for m in re.finditer(r"^\s*(haven [^\n#`]*)", "\n".join(re.findall(r"```\w*\n(.*?)```",
                                                                                        text, re.S)), re.M)
    ]


def _resolve(words: list[str]) -> list[str]:
    """The longest prefix of ``words`` that names a command or group, as a path of names."""
    cmd = get_command(app)
    path: list[str] = []
    for w in words:
        sub = getattr(cmd, "commands", {}).get(w)
        if sub is None:
            break
        path.append(w)
        cmd = sub
    return path


def _documented() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for line in _command_lines(doc.read_text(encoding="utf-8")):
            out.append((doc.name, line.strip()))
    return out


@pytest.mark.parametrize(("doc", "line"), _documented())
def test_documented_command_exists(doc: str, line: str):
    cleaned = line.rstrip("\\ ").replace("|", " ").replace("[", " ").replace("]", " ")
    words = shlex.split(cleaned, posix=True)[1:]
    words = [w for w in words if not w.startswith("-")]
    path = _resolve(words)
    assert path, f"{doc}: '{line}' names no haven command"
    cmd = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    rest = words[len(path) :]
    assert not hasattr(cmd, "commands") or not rest, f"{doc}: '{line}': {rest[:1]} is not a command"


def test_there_are_documented_commands():
    assert len(_documented()) >= 20


def test_readme_setup_commands_are_make_targets_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "    make run\n" in readme and "    make test\n" in readme
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_architecture_names_real_packages():
    text = (ROOT / "docs" / "architecture.md").read_text()
    names = re.findall(r"^\| `(\w+)/` \|", text, re.M)
    assert len(names) >= 10
    for name in names:
        assert (ROOT / "src" / "haven" / name / "__init__.py").exists(), name
    real = {p.name for p in (ROOT / "src" / "haven").iterdir() if (p / "__init__.py").exists()}
    assert real <= set(names), f"packages missing from docs/architecture.md: {sorted(real - set(names))}"
