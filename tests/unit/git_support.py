"""Real throw-away git repositories for the git tests, isolated from the user's git config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import ConfigLevel

PLAN = "roles/03-backend.md"
MESSAGE = "Backend plan documented for Team invitations\n\nPath: roles/03-backend.md"
NAME, EMAIL = "Ada Lovelace", "ada@example.com"
PLAN_TEXT = "# Team invitations — Backend Plan\n\n## Domain & Data\n- invitations table\n"

_SCRUB = (
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "EMAIL", "GIT_DIR", "GIT_WORK_TREE",
    "GIT_INDEX_FILE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CEILING_DIRECTORIES",
)


@pytest.fixture
def gitenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty HOME for git and libgit2 alike; yields the global config path."""
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    nosystem = tmp_path / "nosystem"
    nosystem.mkdir()
    glob = home / ".gitconfig"
    glob.write_text("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n", encoding="utf-8")
    for key in _SCRUB:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(glob))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    # libgit2 reads neither GIT_CONFIG_GLOBAL nor GIT_CONFIG_NOSYSTEM: point its search paths too.
    paths = pygit2.settings.search_path
    saved = {lvl: paths[lvl] for lvl in (ConfigLevel.SYSTEM, ConfigLevel.GLOBAL, ConfigLevel.XDG)}
    paths[ConfigLevel.SYSTEM] = str(nosystem)
    paths[ConfigLevel.GLOBAL] = str(home)
    paths[ConfigLevel.XDG] = str(home / ".config" / "git")
    try:
        yield glob
    finally:
        for lvl, value in saved.items():
            paths[lvl] = value


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run git in `cwd` and return stdout (raises with stderr on failure when `check`)."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def make_repo(path: Path, *, identity: bool = True, commit: bool = True, branch: str | None = None) -> Path:
    """`git init` at `path`, with the test identity and one initial commit of README.md."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", *(["-b", branch] if branch else []))
    if identity:
        git(path, "config", "user.name", NAME)
        git(path, "config", "user.email", EMAIL)
    (path / "README.md").write_text("# Demo app\n", encoding="utf-8")
    if commit:
        git(path, "add", "README.md")
        git(path, "commit", "-q", "-m", "Initial commit")
    return path


def write_plan(root: Path, text: str = PLAN_TEXT, rel: str = PLAN) -> Path:
    """Write the role plan the way the caller of commit_path would."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="")
    return target


def head(repo: Path) -> str:
    """HEAD's sha, or '' when unborn."""
    return git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()


def index_bytes(repo: Path) -> bytes:
    """The raw index file (empty when there is none), to prove a refusal did not touch it."""
    index = repo / ".git" / "index"
    return index.read_bytes() if index.exists() else b""


def changed_paths(repo: Path, rev: str = "HEAD") -> set[str]:
    """The paths a commit changed against its parent (all paths for a root commit)."""
    out = git(repo, "diff-tree", "--root", "--no-commit-id", "-r", "--name-only", rev)
    return set(out.split())


def assert_fsck_clean(repo: Path) -> None:
    """`git fsck` exits 0 and reports nothing broken (dangling objects are fine)."""
    proc = subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, capture_output=True, text=True, check=False)
    bad = [ln for ln in (proc.stdout + proc.stderr).splitlines() if not ln.startswith("dangling")]
    assert proc.returncode == 0 and not bad, proc.stdout + proc.stderr
