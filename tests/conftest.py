"""Shared test isolation: our own HOME, config dir and git identity; the demo project; one size."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (it is on some machines): without
# it every worker and every child process (the command line, the MCP server, the benchmark smoke
# test) compiles planner-tui, Textual and the tests again. Measured on 2 cores: collection took
# 13.3 s per worker without the cache, 5.3 s with it.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# Every command a test runs in a child process runs in that process: a warm process shared by
# the workers would outlive the run and answer calls from other tests' environments. The tests of
# the warm process itself turn it on, each with its own folder (tests/unit/test_warm.py).
os.environ["PLANNER_TUI_WARM"] = "0"

from workbench_kit import DEMO_EPIC, FIXED_NOW, SIZE, decide_every_topic, past_preparation  # noqa: F401  (re-exported for fixtures)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` starts three workers per two cores: part of the suite's wall time is spent waiting
    (pseudo-terminals, file-watch debounces, child processes), and the extra worker fills it; more
    workers than that only add collection and contention (measured on 2 cores: 5:46 with 2 workers,
    5:16 with 3, 5:34 with 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + (cores + 1) // 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first: with parallel workers they start at once instead of ending the run alone.

    The sort is stable and the same on every worker (xdist requires one order everywhere).
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing of the person running the tests leaks in: HOME, XDG config, git config, our env vars."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".config"
    config.mkdir()
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Ada Planner\n\temail = ada@example.test\n[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    for key, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Planner",
        "GIT_AUTHOR_EMAIL": "ada@example.test",
        "GIT_COMMITTER_NAME": "Ada Planner",
        "GIT_COMMITTER_EMAIL": "ada@example.test",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("PLANNER_TUI_CONFIG", "PLANNER_TUI_AUTHOR", "PLANNER_TUI_DEBUG", "WATCHFILES_FORCE_POLLING"):
        monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A fresh git copy of the bundled demo project (epics 004 and 009), with fixed file times."""
    from planner_tui.demo import make_demo

    return make_demo(tmp_path / "proj", now=FIXED_NOW.timestamp())


@pytest.fixture
def size() -> tuple[int, int]:
    return SIZE




class Drive:
    """Builds the workbench on the demo project and drives it the way a person would."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def app(self, *, epic: str | None = DEMO_EPIC, watch: bool = False, **settings_fields):
        """The app through the one factory, with a fixed clock and no blinking cursor.

        A new session opens straight on the workbench unless `preparation=True` is passed: the
        preparation view has tests of its own, and skipping it saves a third of each test's start."""
        from planner_tui.factory import make_app
        from planner_tui.settings import Settings

        fields = {"cursor_blink": False, "preparation": False, **settings_fields}
        return make_app(self.project, epic=epic, settings=Settings(**fields), clock=lambda: FIXED_NOW, watch=watch)

    def planner(self, epic: str = DEMO_EPIC):
        """A second Planner on the same project, as an agent on the command line would have."""
        from planner_tui.core.engine import Planner

        return Planner.open(self.project, epic=epic, clock=lambda: FIXED_NOW, author="agent")

    @staticmethod
    async def until(pilot, predicate, timeout: float = 5.0, what: str = "condition") -> None:
        """Pause until predicate() is true; fail after timeout seconds."""
        loops = int(timeout / 0.02)
        for _ in range(loops):
            if predicate():
                return
            await pilot.pause(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    async def workbench(self, pilot):
        """Wait for the workbench, closing the preparation view a new session opens on."""
        from planner_tui.screens.workbench.screen import WorkbenchScreen

        screen = await past_preparation(pilot, self.until)
        assert isinstance(screen, WorkbenchScreen)
        await self.until(pilot, lambda: screen.artifact_pane.tree.artifacts, what="artifacts listed")
        await self.until(pilot, lambda: screen.artifact_pane.document.mode != "empty", what="first artifact shown")
        await self.settle(pilot)
        return screen

    async def settle(self, pilot) -> None:
        """Wait until every change is saved (in the change thread) and the plan pane shows the
        session as it is (the plan renders in a worker)."""
        screen = pilot.app.screen
        if hasattr(screen, "changes"):
            await self.until(pilot, lambda: screen.changes.idle, what="changes saved")
        if hasattr(screen, "plan_pending"):
            await self.until(pilot, lambda: not screen.plan_pending, what="plan rendered")
        await pilot.pause()

    async def write(self, pilot, text: str, *, kind_key: str | None = None) -> None:
        """Focus the composer, pick the kind (alt+q…), put the text in and press enter."""
        screen = pilot.app.screen
        screen.composer.focus()
        await pilot.pause()
        if kind_key:
            await pilot.press(kind_key)
        screen.composer.insert(text)
        await pilot.press("enter")
        await self.settle(pilot)

    def ready(self, epic: str = DEMO_EPIC) -> None:
        """The session written ready to commit before the app starts (test_full_plan_keys types a
        whole plan through the keys)."""
        from planner_tui.core.engine import Planner

        decide_every_topic(Planner.open(self.project, epic=epic, clock=lambda: FIXED_NOW))


@pytest.fixture
def drive(demo_project: Path) -> Drive:
    """The workbench driver on a fresh copy of the demo project."""
    return Drive(demo_project)
