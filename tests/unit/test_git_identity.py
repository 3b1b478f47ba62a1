"""Identity for commit_path: config and GIT_AUTHOR_*/GIT_COMMITTER_* like git, refusals when unknown (C5)."""

from __future__ import annotations

import os

import pytest
from git_support import (  # noqa: F401  (gitenv is a fixture)
    EMAIL,
    MESSAGE,
    NAME,
    PLAN,
    PLAN_TEXT,
    assert_fsck_clean,
    git,
    gitenv,
    head,
    index_bytes,
    make_repo,
    write_plan,
)

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.identity import IDENTITY_HINT, parse_git_date
from planner_tui.core.git.commits import commit_path


def _repo_without_identity(tmp_path):
    # The initial commit needs an identity; take it from the environment for that one call only.
    repo = make_repo(tmp_path / "app", identity=False, commit=False)
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "Initial commit", env={
        "GIT_AUTHOR_NAME": "Setup", "GIT_AUTHOR_EMAIL": "setup@example.com",
        "GIT_COMMITTER_NAME": "Setup", "GIT_COMMITTER_EMAIL": "setup@example.com",
    })
    write_plan(repo)
    return repo


@pytest.mark.parametrize("case", ["missing", "empty-name", "empty-email"])
def test_c5ab_missing_or_empty_identity_refuses_and_keeps_everything(gitenv, tmp_path, case):
    repo = _repo_without_identity(tmp_path)
    if case == "empty-name":
        git(repo, "config", "user.name", "")
        git(repo, "config", "user.email", EMAIL)
    elif case == "empty-email":
        git(repo, "config", "user.name", NAME)
        git(repo, "config", "user.email", "")
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE, env={"PATH": os.environ["PATH"]})
    assert str(err.value).startswith(IDENTITY_HINT)
    assert (head(repo), index_bytes(repo)) == before
    assert (repo / PLAN).read_text(encoding="utf-8") == PLAN_TEXT
    assert not (repo / ".git" / "index.lock").exists()


def test_c5c_author_environment_alone_is_used_like_git(gitenv, tmp_path):
    repo = _repo_without_identity(tmp_path)
    env = {"PATH": os.environ["PATH"], "GIT_AUTHOR_NAME": "Env Author", "GIT_AUTHOR_EMAIL": "env@example.com"}
    result = commit_path(repo, PLAN, MESSAGE, env=env)
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == (
        "Env Author <env@example.com>|Env Author <env@example.com>"
    )
    assert any("committer identity taken from GIT_AUTHOR_*" in n for n in result.notes)
    assert_fsck_clean(repo)


def test_environment_overrides_config_and_dates_are_honoured(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    env = {
        "PATH": os.environ["PATH"],
        "GIT_AUTHOR_NAME": "Grace Hopper",
        "GIT_AUTHOR_EMAIL": "grace@example.com",
        "GIT_AUTHOR_DATE": "@1700000000 +0130",
        "GIT_COMMITTER_DATE": "2024-01-02T03:04:05+02:00",
    }
    commit_path(repo, PLAN, MESSAGE, env=env)
    out = git(repo, "log", "-1", "--date=raw", "--format=%an <%ae> %ad|%cn <%ce> %cd").strip()
    assert out == f"Grace Hopper <grace@example.com> 1700000000 +0130|{NAME} <{EMAIL}> 1704157445 +0200"


def test_author_name_config_takes_precedence_over_user_name(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "author.name", "Config Author")
    write_plan(repo)
    commit_path(repo, PLAN, MESSAGE, env={"PATH": os.environ["PATH"]})
    assert git(repo, "log", "-1", "--format=%an|%cn").strip() == f"Config Author|{NAME}"


def test_unparseable_date_and_angle_brackets_are_refused(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    before = head(repo)
    with pytest.raises(GitRefusal, match="GIT_AUTHOR_DATE is not a date git understands"):
        commit_path(repo, PLAN, MESSAGE, env={"GIT_AUTHOR_DATE": "next tuesday"})
    with pytest.raises(GitRefusal, match="contains '<', '>' or a line break"):
        commit_path(repo, PLAN, MESSAGE, env={"GIT_AUTHOR_NAME": "Mallory <evil@example.com>"})
    assert head(repo) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@1700000000 +0130", (1700000000, 90)),
        ("1700000000 -0500", (1700000000, -300)),
        ("Thu, 07 Apr 2005 22:13:13 +0200", (1112904793, 120)),
        ("2005-04-07T22:13:13Z", (1112911993, 0)),
        ("2005-04-07 22:13:13+02:00", (1112904793, 120)),
    ],
)
def test_parse_git_date_formats(text, expected):
    assert parse_git_date(text) == expected


def test_parse_git_date_rejects_nonsense():
    with pytest.raises(ValueError):
        parse_git_date("yesterday-ish")
