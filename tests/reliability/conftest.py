"""Shared fixtures of the reliability suite: isolated git identity, the demo project, real mounts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import ConfigLevel
from workbench_kit import decide_every_topic

REPO = Path(__file__).resolve().parents[2]
"""The repository root, put on PYTHONPATH for child processes."""

EPIC = "009_photo-annotations"
"""The demo's working epic; every reliability test plans its backend role."""

NAME, EMAIL = "Rel Tester", "rel@example.test"
DEMO_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc).timestamp()

_GIT_ENV = (
    "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
    "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CEILING_DIRECTORIES",
)


@pytest.fixture(autouse=True)
def git_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh HOME with `~/.gitconfig` (identity, branch `main`) for git, libgit2 and children.

    libgit2 ignores GIT_CONFIG_GLOBAL and read HOME when it was loaded, so its search paths
    are pointed at this HOME too (and restored afterwards).
    """
    home = tmp_path_factory.mktemp("relhome")
    (home / ".config" / "git").mkdir(parents=True)
    nosystem = tmp_path_factory.mktemp("nosystem")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        f"[user]\n\tname = {NAME}\n\temail = {EMAIL}\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
    )
    for key in _GIT_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": NAME,
        "GIT_AUTHOR_EMAIL": EMAIL,
        "GIT_COMMITTER_NAME": NAME,
        "GIT_COMMITTER_EMAIL": EMAIL,
    }.items():
        monkeypatch.setenv(key, value)
    paths = pygit2.settings.search_path
    levels = (ConfigLevel.SYSTEM, ConfigLevel.GLOBAL, ConfigLevel.XDG)
    saved = {lvl: paths[lvl] for lvl in levels}
    paths[ConfigLevel.SYSTEM] = str(nosystem)
    paths[ConfigLevel.GLOBAL] = str(home)
    paths[ConfigLevel.XDG] = str(home / ".config" / "git")
    try:
        yield home
    finally:
        for lvl, value in saved.items():
            paths[lvl] = value


@pytest.fixture
def demo_project(tmp_path: Path, git_home: Path) -> Path:
    """A fresh git copy of the bundled demo project at `tmp_path / "proj"`."""
    from planner_tui.demo import make_demo

    return make_demo(tmp_path / "proj", now=DEMO_NOW)


@pytest.fixture
def planner(demo_project: Path):
    """A Planner on the demo project's working epic, backend role (no session file yet)."""
    from planner_tui.core.engine import Planner

    return Planner.open(demo_project, epic=EPIC)


@pytest.fixture
def child_env() -> dict[str, str]:
    """The environment for a child Python process that imports planner_tui from this checkout."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(REPO) + (os.pathsep + path if path else ""), "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def run_python(child_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -c code args…` in a child process; returns the completed process (text mode)."""

    def run(code: str, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args], env=child_env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def make_ready() -> Callable:
    """A function that makes a Planner's session ready to commit, the way a person would."""
    return decide_every_topic


@pytest.fixture
def strace_bin() -> str:
    """The strace executable; the test is skipped when this machine has none or ptrace is refused."""
    found = shutil.which("strace")
    if found is None:
        pytest.skip("strace is not installed, so syscalls cannot be traced or failed for real")
    probe = subprocess.run([found, "-e", "trace=none", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here (ptrace refused): {probe.stderr.strip()[:200]}")
    return found


class Mounts:
    """Real mounts for a test (root only), all undone at teardown."""

    def __init__(self) -> None:
        self.points: list[Path] = []

    def _mount(self, *args: str, point: Path) -> None:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting needs root and mount(8); this run has neither")
        proc = subprocess.run(["mount", *args], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount here ({' '.join(args[:3])}): {proc.stderr.strip()[:200]}")
        self.points.append(point)

    def tmpfs(self, point: Path, size: str = "64k") -> Path:
        """Mount a tiny tmpfs at `point` (created if needed): a real, small, fillable disk."""
        point.mkdir(parents=True, exist_ok=True)
        self._mount("-t", "tmpfs", "-o", f"size={size},nr_inodes=4096,mode=0755", "tmpfs", str(point), point=point)
        return point

    def read_only(self, point: Path) -> Path:
        """Bind-mount `point` over itself read-only: even root gets EROFS writing below it."""
        self._mount("--bind", str(point), str(point), point=point)
        proc = subprocess.run(["mount", "-o", "remount,ro,bind", str(point)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {proc.stderr.strip()[:200]}")
        return point

    def undo(self) -> None:
        for point in reversed(self.points):
            if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(point)], capture_output=True)
        self.points.clear()


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    """Mount a tmpfs or a read-only bind mount; skipped (with the reason) where mounting fails."""
    m = Mounts()
    try:
        yield m
    finally:
        m.undo()
