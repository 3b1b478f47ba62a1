"""Shared test isolation: our own HOME, config dir and git identity; the demo project; one size."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

SIZE = (160, 48)
"""The terminal size of every Pilot and snapshot test of the workbench."""

FIXED_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
"""The clock of the workbench in tests: entries and sessions carry this time."""


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
