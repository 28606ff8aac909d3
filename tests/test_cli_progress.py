"""The CLI's report bar: it follows the report's real stages, only goes up, and never shows 100% itself."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from haven.cli import progress as cli_progress
from haven.report.package import PACKAGE_STAGES
from haven.report.pdf import PDF_STAGES


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[Progress]:
    """Every bar made, drawn on a terminal-like console (a test's stderr is not a terminal)."""
    made: list[Progress] = []
    real = cli_progress._bar
    terminal = Console(file=io.StringIO(), force_terminal=True, width=120)
    monkeypatch.setattr(cli_progress, "err_console", terminal)

    def recorded(quiet: bool) -> Progress:
        made.append(real(quiet))
        return made[-1]

    monkeypatch.setattr(cli_progress, "_bar", recorded)
    return made


@pytest.mark.parametrize("stages", [PDF_STAGES, PACKAGE_STAGES])
def test_report_bar_follows_stages_below_done(bars: list[Progress], stages: tuple[str, ...]) -> None:
    seen: list[float] = []
    descriptions: list[str] = []
    with cli_progress.report_bar("Report", len(stages)) as bar:
        for stage in stages:
            for done in (0, 5, 10):
                bar(stage, done, 10)
                task = bars[0].tasks[0]
                seen.append(task.completed)
                descriptions.append(str(task.description))
    assert seen == sorted(seen), "the bar went backwards"
    assert max(seen) < 1000, "the bar said 100% before the command had finished"
    assert seen[-1] > seen[0]
    assert descriptions[0] == f"Report: {stages[0]}"
    assert descriptions[-1] == f"Report: {stages[-1]}"
    assert bars[0].tasks[0].fields["counts"] == "10/10"


def test_quiet_report_bar_draws_nothing(bars: list[Progress]) -> None:
    with cli_progress.report_bar("Report", len(PDF_STAGES), quiet=True) as bar:
        bar(PDF_STAGES[0], 1, 2)
    assert bars[0].disable
    assert cli_progress.err_console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_visible_report_bar_draws_stage(bars: list[Progress]) -> None:
    with cli_progress.report_bar("Report", len(PDF_STAGES)) as bar:
        bar(PDF_STAGES[0], 1, 2)
        bars[0].refresh()
    assert not bars[0].disable
    assert PDF_STAGES[0] in cli_progress.err_console.file.getvalue()  # type: ignore[attr-defined]
