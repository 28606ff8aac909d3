"""``haven`` starts lazily: ``haven --help`` imports none of the heavy libraries, the command tables in
``haven.cli.main`` agree with what the capability modules register, and a lazily loaded command runs
exactly like the eager one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.main import get_group
from typer.testing import CliRunner

from haven.cli import main as cli_main

HEAVY = (
    "numpy",
    "PIL",
    "vpdq",
    "pdqhash",
    "av",
    "phonenumbers",
    "rich",
    "pydantic",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "cryptography",
    "sqlcipher3",
    "haven.protect",
    "haven.vault",
)

PROBE = """
import json, sys
sys.argv = ["haven", *json.loads(sys.argv[1])]
from haven.cli.main import main
try:
    main()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted({m.split(".")[0] if not m.startswith("haven.") else ".".join(m.split(".")[:2])
                                 for m in sys.modules})))
"""


def _modules_after(args: list[str]) -> tuple[str, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, check=True
    )
    text, _, last = out.stdout.rstrip("\n").rpartition("\n")
    return text, set(json.loads(last))


@pytest.mark.parametrize("args", [["--help"], ["case", "--help"], ["--version"]])
def test_help_imports_no_heavy_module(args: list[str]):
    text, loaded = _modules_after(args)
    assert text.strip()
    # Typer coerces an unset --help flag of a parent group through pydantic: tolerated below the root.
    heavy = set(HEAVY) - ({"pydantic"} if args[0] == "case" else set())
    assert sorted(loaded & heavy) == []


def test_running_a_command_imports_only_its_module():
    text, loaded = _modules_after(["protect", "--help"])
    assert "hash" in text
    assert "haven.protect" in loaded  # the module that was asked for…
    assert "haven.vault" not in loaded and "haven.web" not in loaded  # …and not the others


def _tables_from_modules() -> tuple[dict[str, str], dict[str, str]]:
    """(root, case) command names → first help paragraph, from the full eager app."""
    group = get_group(cli_main.build_app())

    def first(cmd) -> str:
        return " ".join((cmd.short_help or cmd.help or "").split("\n\n")[0].split())

    root = {n: first(c) for n, c in group.commands.items() if n != "case"}
    case = {n: first(c) for n, c in group.commands["case"].commands.items()}
    return root, case


def test_command_tables_match_the_modules():
    root, case = _tables_from_modules()
    assert sorted(root) == sorted(cli_main.ROOT_COMMANDS), "update ROOT_COMMANDS in haven/cli/main.py"
    assert sorted(case) == sorted(cli_main.CASE_COMMANDS), "update CASE_COMMANDS in haven/cli/main.py"
    for table, real in ((cli_main.ROOT_COMMANDS, root), (cli_main.CASE_COMMANDS, case)):
        for name, (_module, text) in table.items():
            assert real[name].startswith(text.rstrip(".")), f"help of '{name}' differs from its module's"
    for module in {m for m, _ in [*cli_main.ROOT_COMMANDS.values(), *cli_main.CASE_COMMANDS.values()]}:
        assert module in cli_main.COMMAND_MODULES


def test_lazy_command_runs_like_the_eager_one(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text("{}", encoding="utf-8")
    args = ["guide", "--answers", str(answers), "--format", "json"]
    lazy = subprocess.run([sys.executable, "-m", "haven", *args], capture_output=True, text=True)
    eager = CliRunner().invoke(cli_main.app, args)
    assert lazy.returncode == eager.exit_code == 0
    assert json.loads(lazy.stdout) == json.loads(eager.stdout)
    bad = subprocess.run(
        [sys.executable, "-m", "haven", "case", "no-such-command"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "No such command" in bad.stderr
