"""Pilot tests of the commit dialog, the epic picker and the preparation view on the real demo project."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pygit2
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, OptionList, Static

from planner_tui.core.engine import CommitOutcome, Planner
from planner_tui.core.models import Epic
from planner_tui.demo import make_demo
from planner_tui.dialogs.commit import CommitDialog
from planner_tui.dialogs.epic_picker import EpicPicker
from planner_tui.screens.preparation import MCP_NOTE, PreparationScreen

FIXED_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
SIZE = (160, 48)


class Host(App[None]):
    """A bare app that pushes one screen on mount and records what it dismissed with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME and git identity of our own, so no user or system git config leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Planner")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.test")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada Planner")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.test")
    return home


@pytest.fixture
def demo(tmp_path: Path, isolated_git: Path) -> Path:
    return make_demo(tmp_path / "p", now=FIXED_NOW.timestamp())


def open_planner(root: Path, home: Path, epic: str | None = None) -> Planner:
    return Planner.open(root, epic=epic, home=home, clock=lambda: FIXED_NOW)


def make_ready(planner: Planner) -> None:
    """Decide and confirm every topic through the engine, as a person would in the workbench."""
    for topic in planner.role.topics:
        planner.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        planner.add(topic.id, "risk", f"{topic.title} may need a second look after the pilot.")
        planner.confirm(topic.id)
    assert planner.blockers(approve_overwrite=True) == []


def run(app: Host, scenario: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())


async def settle(pilot: Pilot[None]) -> None:
    """Let the screen's workers finish and their messages arrive."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen: Screen[Any], selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


def head(root: Path) -> str:
    return str(pygit2.Repository(str(root)).head.target)


# --------------------------------------------------------------------------- commit dialog


def test_commit_dialog_commits_for_real_and_returns_the_reply(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    make_ready(planner)
    before = head(demo)
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, CommitDialog)
        assert text_of(screen, "#path") == planner.plan_path
        assert text_of(screen, "#message") == planner.commit_message()
        assert text_of(screen, "#summary").startswith("New file")
        assert "+## API Surface" in text_of(screen, "#diff-text")
        assert screen.query_one("#approve-overwrite").display is False
        await pilot.press("ctrl+s")
        await settle(pilot)

    run(app, scenario)
    assert len(app.results) == 1
    outcome = app.results[0]
    assert isinstance(outcome, CommitOutcome)
    assert outcome.reply == planner.reply() == f"The Backend role path is {planner.plan_path}"
    repo = pygit2.Repository(str(demo))
    commit = repo[repo.head.target]
    assert str(commit.parents[0].id) == before
    assert commit.message.rstrip("\n") == planner.commit_message()
    assert str(commit.id) == outcome.sha
    assert (commit.tree / planner.plan_path).data.decode() == planner.render()


def test_git_refusal_is_shown_inside_the_dialog_and_retry_works(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    make_ready(planner)
    before = head(demo)
    lock = demo / ".git" / "index.lock"
    lock.write_text("")
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen  # still open: nothing lost
        error = screen.query_one("#error", Static)
        assert error.display is True
        assert "index.lock" in text_of(screen, "#error")
        assert text_of(screen, "#error").startswith("Not committed.")
        assert head(demo) == before
        assert pilot.app.results == []

        lock.unlink()  # the other git process finished
        await pilot.click("#commit")
        await settle(pilot)

    run(app, scenario)
    assert len(app.results) == 1 and isinstance(app.results[0], CommitOutcome)
    assert head(demo) != before


def test_cancel_returns_none_and_commits_nothing(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    before = head(demo)
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("escape")
        await pilot.pause()

    run(app, scenario)
    assert app.results == [None]
    assert head(demo) == before
    assert not (demo / planner.plan_path).exists()


def test_not_ready_shows_the_blockers_and_keeps_the_dialog(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)  # nothing discussed yet
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert "is not confirmed" in text_of(screen, "#blockers")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Not ready to commit" in text_of(screen, "#error")

    run(app, scenario)
    assert app.results == []


def test_overwrite_needs_the_approval_checkbox(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git, epic="004_offline-sync")  # imports the committed plan
    make_ready(planner)
    # A colleague commits a change to the plan after it was imported: replacing it needs approval.
    plan_file = demo / planner.plan_path
    plan_file.write_text(plan_file.read_text() + "\nA colleague's late addition.\n")
    subprocess.run(["git", "commit", "-qam", "Colleague edits the plan"], cwd=demo, check=True)
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        approve = screen.query_one("#approve-overwrite", Checkbox)
        assert approve.display is True
        assert "would be overwritten" in text_of(screen, "#overwrite-reason")
        assert text_of(screen, "#summary").startswith("Against the committed version:")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Said once (the reason above the box); the refusal says what to do.
        assert "overwritten" not in text_of(screen, "#error") and "Approve overwriting" in text_of(screen, "#error")
        assert text_of(screen, "#overwrite-reason").count("overwritten") == 1 and "approve" not in text_of(screen, "#overwrite-reason")
        assert pilot.app.results == []
        assert "[ ]" in str(approve.render())  # unchecked reads without colour (NO_COLOR)
        approve.value = True
        await pilot.pause()
        assert approve.has_class("-on") and "[X]" in str(approve.render())
        await pilot.press("ctrl+s")
        await settle(pilot)

    run(app, scenario)
    assert len(app.results) == 1 and isinstance(app.results[0], CommitOutcome)
    repo = pygit2.Repository(str(demo))
    assert (repo[repo.head.target].tree / planner.plan_path).data.decode() == planner.render()


def test_failing_hook_is_shown_and_no_verify_skips_it(demo: Path, isolated_git: Path) -> None:
    hook = demo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'BLOCKED [/] by policy' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    planner = open_planner(demo, isolated_git)
    make_ready(planner)
    before = head(demo)
    app = Host(lambda: CommitDialog(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "BLOCKED [/] by policy" in text_of(screen, "#error")  # literal, never markup
        assert head(demo) == before
        skip = screen.query_one("#no-verify", Checkbox)
        assert screen.query_one("#hooks-warning").display is False
        skip.value = True
        await pilot.pause()
        assert skip.has_class("-on")
        assert screen.query_one("#hooks-warning").display is True
        await pilot.press("ctrl+s")
        await settle(pilot)

    run(app, scenario)
    assert len(app.results) == 1
    outcome = app.results[0]
    assert isinstance(outcome, CommitOutcome)
    assert any("skipped" in note for note in outcome.notes)
    assert head(demo) != before


# --------------------------------------------------------------------------- epic picker


def test_epic_picker_returns_the_chosen_epic(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    epics = planner.project.epics
    app = Host(lambda: EpicPicker(list(epics)))

    async def scenario(pilot: Pilot[None]) -> None:
        options = pilot.app.screen.query_one(OptionList)
        assert options.option_count == 2
        first = options.get_option_at_index(0).prompt.plain  # newest first: the working epic
        assert "009_photo-annotations" in first and "Photo Annotations" in first
        assert "devops, architect" in first
        await pilot.press("down", "enter")
        await pilot.pause()

    run(app, scenario)
    assert len(app.results) == 1
    assert isinstance(app.results[0], Epic) and app.results[0].folder == "004_offline-sync"


def test_epic_picker_escape_returns_none_and_highlights_current(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    app = Host(lambda: EpicPicker(list(planner.project.epics), current="004_offline-sync"))

    async def scenario(pilot: Pilot[None]) -> None:
        assert pilot.app.screen.query_one(OptionList).highlighted == 1
        await pilot.press("escape")
        await pilot.pause()

    run(app, scenario)
    assert app.results == [None]


def test_epic_picker_shows_markup_like_titles_literally() -> None:
    hostile = "[bold red]Sync[/] list[str] [@click=app.quit]x[/] \x1b]0;PWNED\x07"
    epics = [
        Epic(folder="012_[WIP]", path=".task-master/epics/012_[WIP]", id=12, slug="wip", title=hostile, roles=["01-devops"], mtime=2.0),
        Epic(folder="013_plain", path=".task-master/epics/013_plain", id=13, slug="plain", title="Plain", mtime=1.0),
    ]
    app = Host(lambda: EpicPicker(epics))

    async def scenario(pilot: Pilot[None]) -> None:
        prompt = pilot.app.screen.query_one(OptionList).get_option_at_index(0).prompt.plain
        assert "[bold red]Sync[/] list[str] [@click=app.quit]x[/]" in prompt
        assert "012_[WIP]" in prompt
        assert "\x1b" not in prompt and "␛]0;PWNED␇" in prompt
        await pilot.press("enter")
        await pilot.pause()

    run(app, scenario)
    assert app.return_code in (None, 0)
    assert [e.folder for e in app.results] == ["012_[WIP]"]


# --------------------------------------------------------------------------- preparation


def test_preparation_shows_rules_mcp_pipeline_and_artifacts(demo: Path, isolated_git: Path) -> None:
    planner = open_planner(demo, isolated_git)
    app = Host(lambda: PreparationScreen(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, PreparationScreen) and screen.loaded
        rules = text_of(screen, "#rules")
        assert "1. Scope and Time" in rules
        assert "❌ Never state time estimates" in rules  # markdown markers dropped, text kept
        assert "✅" in rules
        mcp = text_of(screen, "#mcp")
        assert MCP_NOTE in mcp
        # The demo is a Cursor pipeline: Cursor's file configures, with what 02-mcp.md uses each for.
        assert "✓ context7" in mcp and "configured in .cursor/mcp.json" in mcp and "uses: " in mcp
        # planner-tui itself is not in the demo's client files: the view says so and how to add it.
        assert "planner-tui itself (planner-tui mcp)" in mcp and "--print-config" in mcp
        pipeline = text_of(screen, "#pipeline")
        assert "23-backend.md is step 3 of 6" in pipeline
        assert "✓ 21-devops.md" in pipeline and "✓ 22-architect.md" in pipeline
        assert "of 14 present" in text_of(screen, "#artifacts") or "present." in text_of(screen, "#artifacts")
        assert "Nothing to note." in text_of(screen, "#notes")
        await pilot.press("escape")
        await pilot.pause()

    run(app, scenario)
    assert app.results == [None]


def test_preparation_reports_missing_and_placeholder_servers_and_no_git(tmp_path: Path, isolated_git: Path) -> None:
    root = make_demo(tmp_path / "nogit", git=False, now=FIXED_NOW.timestamp())
    for extra in (".mcp.json", ".vscode/mcp.json"):
        (root / extra).unlink(missing_ok=True)
    config = {"mcpServers": {"context7": {"url": "https://mcp.context7.com/mcp"},
                             "task-master-ai": {"command": "npx", "env": {"ANTHROPIC_API_KEY": "YOUR_ANTHROPIC_API_KEY_HERE"}}}}
    (root / ".cursor/mcp.json").write_text(json.dumps(config))  # the demo is a Cursor pipeline
    (root / ".task-master/epics/009_photo-annotations/04-prd.md").unlink()
    planner = open_planner(root, isolated_git)
    app = Host(lambda: PreparationScreen(planner))

    async def scenario(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        mcp = text_of(screen, "#mcp")
        assert "✓ context7" in mcp
        assert "⚠ task-master-ai" in mcp and "placeholder secret" in mcp
        assert "✗ github" in mcp and "missing" in mcp
        assert "04-prd.md" in text_of(screen, "#artifacts")
        assert "not inside a git repository" in text_of(screen, "#notes")
        await pilot.press("enter")
        await pilot.pause()

    run(app, scenario)
    assert app.results == [None]
