"""Snapshot tests of the epic picker, the preparation view and the commit dialog on the demo project."""

from __future__ import annotations

import itertools
import subprocess

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from planner_tui.core.engine import Planner
from planner_tui.demo import make_demo
from planner_tui.dialogs.commit import CommitDialog
from planner_tui.dialogs.epic_picker import EpicPicker
from planner_tui.screens.preparation import PreparationScreen

FIXED_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
TERMINAL = (160, 48)


class Host(App[None]):
    """A bare app that shows one screen, so the snapshot holds nothing else."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


@pytest.fixture
def planner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Planner:
    """The demo project in a real git repo, with our own HOME and git identity and a fixed clock."""
    home = tmp_path / "home"
    home.mkdir()
    for key, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Planner",
        "GIT_AUTHOR_EMAIL": "ada@example.test",
        "GIT_COMMITTER_NAME": "Ada Planner",
        "GIT_COMMITTER_EMAIL": "ada@example.test",
    }.items():
        monkeypatch.setenv(key, value)
    root = make_demo(tmp_path / "p", now=FIXED_NOW.timestamp())
    return Planner.open(root, home=home, clock=lambda: FIXED_NOW)


async def loaded(pilot: Pilot[None]) -> None:
    """Wait for the screen's reading workers, so the snapshot shows the loaded state."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_epic_picker(planner: Planner, snap_compare: Callable[..., bool]) -> None:
    """Both demo epics, newest first (009 highlighted), with id, folder, title and role plans."""
    app = Host(lambda: EpicPicker(list(planner.project.epics)))
    assert snap_compare(app, terminal_size=TERMINAL, run_before=loaded)


def test_preparation_view(planner: Planner, snap_compare: Callable[..., bool]) -> None:
    """The overview line (7 rule categories, 6 MCP servers configured, step 3 of 6, 18/18
    artifacts), the role prompt's preparation steps, then the rules with ❌/✅ marks."""
    app = Host(lambda: PreparationScreen(planner))
    assert snap_compare(app, terminal_size=TERMINAL, run_before=loaded)


def test_commit_dialog_new_file(planner: Planner, snap_compare: Callable[..., bool]) -> None:
    """A ready session of epic 009: the path, the commit message, "New file" with the plan's
    lines in green, the hooks checkbox unchecked, no overwrite approval, Commit focused."""
    for topic in planner.role.topics:
        planner.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        planner.add(topic.id, "risk", f"{topic.title} may need a second look after the pilot.")
        planner.confirm(topic.id)
    assert planner.blockers() == []
    app = Host(lambda: CommitDialog(planner))
    assert snap_compare(app, terminal_size=TERMINAL, run_before=loaded)


def test_commit_dialog_overwrite_with_hooks_skipped(planner: Planner, snap_compare: Callable[..., bool]) -> None:
    """Epic 004's committed backend plan, imported and then changed by a colleague: a section diff (red/green lines), the one
    blocker left ("Section Risks is empty"), the overwrite approval shown with its reason, and
    "Skip git hooks" checked with its warning line."""
    # A clock that moves on, as a real one does: imported and new decisions then have a stable
    # order (with one frozen time they would tie, and ties fall back to random entry ids).
    ticks = itertools.count()
    other = Planner(
        planner.project,
        planner.project.choose_epic("004_offline-sync"),
        clock=lambda: FIXED_NOW + timedelta(seconds=next(ticks)),
    )
    for topic in other.role.topics:
        other.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        other.confirm(topic.id)
    # A colleague changed the committed plan after it was imported: replacing it needs approval.
    root = planner.project.root
    plan_file = root / other.plan_path
    plan_file.write_text(plan_file.read_text() + "\nA colleague's late addition.\n")
    subprocess.run(["git", "commit", "-qam", "Colleague edits the plan"], cwd=root, check=True)
    app = Host(lambda: CommitDialog(other))

    async def run_before(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.click("#no-verify")
        await pilot.pause()

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
