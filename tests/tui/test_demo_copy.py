"""The demo's copy: named inside the app, removed on exit unless kept (--keep, --dest, or a commit)."""

from __future__ import annotations

import argparse
import asyncio
import shutil
from pathlib import Path

import pytest

from planner_tui.cli.commands import workbench


def _args(**over) -> argparse.Namespace:
    base = dict(dest=None, no_open=False, keep=False, prompts=None, epic=None, role="backend", project=None)
    base.update(over)
    return argparse.Namespace(**base)


@pytest.fixture
def opened(monkeypatch):
    """The workbench replaced by a recorder (the terminal is not needed to test what happens around it)."""
    seen: dict = {}

    def fake_run(*, project, prompts, epic, role, note, replies):
        seen.update(project=Path(project), note=note)
        assert (Path(project) / ".git").is_dir()  # a real copy, a real repository
        if seen.get("commit"):
            replies.append("The Backend role path is …")
        return 0

    monkeypatch.setattr(workbench, "_refuse_without_terminal", lambda: None)
    monkeypatch.setattr("planner_tui.factory.run_workbench", fake_run)
    return seen


def test_the_copy_is_named_in_the_app_and_removed_on_exit(opened, capsys):
    assert workbench.demo(_args()) == 0
    assert opened["note"] == f"demo copy: {opened['project']}"
    assert not opened["project"].exists()
    assert "The demo copy was removed (planner-tui demo --keep keeps it)." in capsys.readouterr().err


def test_keep_or_a_commit_keeps_the_copy_and_says_where(opened, capsys):
    assert workbench.demo(_args(keep=True)) == 0
    assert opened["project"].is_dir()
    assert f"The demo project is at {opened['project']}" in capsys.readouterr().err
    shutil.rmtree(opened["project"])
    opened["commit"] = True
    assert workbench.demo(_args()) == 0
    assert opened["project"].is_dir()
    shutil.rmtree(opened["project"])


def test_the_top_bar_shows_the_note(drive):
    async def scenario():
        app = drive.app()
        app.project_note = "demo copy: /tmp/planner-tui-demo-x"
        async with app.run_test(size=(200, 50)) as pilot:
            screen = await drive.workbench(pilot)
            assert "demo copy: /tmp/planner-tui-demo-x" in str(screen.query_one("#top-bar").content)

    asyncio.run(scenario())
