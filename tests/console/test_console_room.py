"""The console is its own room (docs/architecture.md): it imports report/ and core/ (and the few other
capabilities its row names), never web/ or cli/, and the page says so."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "src" / "haven" / "console"
ALLOWED = {"console", "core", "report", "flags", "bank"}


def _haven_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        found.update(n.split(".")[1] for n in names if n.startswith("haven.") and n.count(".") >= 1)
    return found


def test_console_imports_only_its_row():
    used: dict[str, set[str]] = {p.name: _haven_imports(p) for p in CONSOLE.glob("*.py")}
    everything = set().union(*used.values())
    assert {"core", "report"} <= everything
    wrong = {name: sorted(mods - ALLOWED) for name, mods in used.items() if mods - ALLOWED}
    assert not wrong, wrong


def test_architecture_page_shows_the_console_room():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| `console/` |"))
    assert "its own room" in row and row.rstrip().endswith("never web |")
    assert "core, report" in row.rsplit("|", 2)[-2]
    assert "packages ──► console" in page and "not web" in page
    for module in ("psi.py", "psi_peer.py", "psi_work.py", "audit.py", "links.py"):
        assert f"`{module}`" in row and (CONSOLE / module).exists()
