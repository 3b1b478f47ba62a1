"""commit_path commits exactly one path like `git commit --only`, in real repositories (catalogue group C)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from git_support import (  # noqa: F401  (gitenv is a fixture)
    EMAIL,
    MESSAGE,
    NAME,
    PLAN,
    PLAN_TEXT,
    assert_fsck_clean,
    changed_paths,
    git,
    gitenv,
    head,
    index_bytes,
    make_repo,
    write_plan,
)

from planner_tui.core.git import commits
from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.commits import commit_path
from planner_tui.core.git.repo import committed_text, path_status, repo_info


def test_c1_not_a_repository_refuses_and_keeps_the_file(gitenv, tmp_path):
    project = tmp_path / "plain"
    write_plan(project)
    assert repo_info(project) is None
    assert path_status(project, PLAN) == "not-git"
    assert committed_text(project, PLAN) is None
    with pytest.raises(GitRefusal) as err:
        commit_path(project, PLAN, MESSAGE)
    assert str(err.value) == f"Not committed: {project} is not inside a git repository"
    assert (project / PLAN).read_text(encoding="utf-8") == PLAN_TEXT


def test_c2_unborn_head_makes_a_root_commit_with_only_the_plan(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app", commit=False)  # README.md stays untracked
    info = repo_info(repo)
    assert info is not None and info.unborn and info.branch == "main" and info.head is None
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert result.created and result.branch == "main" and result.sha == head(repo)
    assert git(repo, "ls-tree", "-r", "--name-only", "HEAD").split() == [PLAN]
    assert git(repo, "log", "-1", "--format=%B") == MESSAGE + "\n\n"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(repo, "status", "--porcelain").splitlines() == ["?? README.md"]
    assert "commit (initial): Backend plan documented" in git(repo, "reflog", "-1")
    assert not (repo / ".git" / "index.lock").exists()
    assert_fsck_clean(repo)


@pytest.mark.parametrize("variant", ["trunk", "feature/x"])
def test_c2_unborn_branch_name_is_never_hard_coded(gitenv, tmp_path, variant):
    if variant == "trunk":
        gitenv.write_text("[init]\n\tdefaultBranch = trunk\n", encoding="utf-8")
        repo = make_repo(tmp_path / "app", commit=False)
    else:
        repo = make_repo(tmp_path / "app", commit=False)
        git(repo, "symbolic-ref", "HEAD", "refs/heads/feature/x")
    write_plan(repo)
    before = time.time()
    result = commit_path(repo, PLAN, MESSAGE)
    assert result.branch == variant
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads").split() == [f"refs/heads/{variant}"]
    who = git(repo, "log", "-1", "--format=%an|%ae|%cn|%ce|%ai").strip().split("|")
    assert who[:4] == [NAME, EMAIL, NAME, EMAIL]
    assert who[4].endswith(time.strftime("%z", time.localtime(before)))
    assert_fsck_clean(repo)


def test_c3_staged_unstaged_and_untracked_work_is_not_swept_in(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "other.py").write_text("print('v1')\n", encoding="utf-8")
    (repo / "notes.md").write_text("notes v1\n", encoding="utf-8")
    git(repo, "add", "other.py", "notes.md")
    git(repo, "commit", "-q", "-m", "Add files")
    (repo / "other.py").write_text("print('v2')\n", encoding="utf-8")
    (repo / "secret.env").write_text("API_KEY=hunter2\n", encoding="utf-8")
    git(repo, "add", "other.py", "secret.env")
    (repo / "notes.md").write_text("notes v2, not staged\n", encoding="utf-8")
    (repo / "tmp.log").write_text("scratch\n", encoding="utf-8")
    staged_before = git(repo, "ls-files", "-s", "other.py", "secret.env", "notes.md")
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert changed_paths(repo) == {PLAN}
    assert git(repo, "ls-files", "-s", "other.py", "secret.env", "notes.md") == staged_before
    assert git(repo, "diff", "--cached", "--name-status").splitlines() == ["M\tother.py", "A\tsecret.env"]
    assert git(repo, "diff", "--name-only").split() == ["notes.md"]
    assert (repo / "notes.md").read_text(encoding="utf-8") == "notes v2, not staged\n"
    assert "?? tmp.log" in git(repo, "status", "--porcelain").splitlines()
    assert git(repo, "status", "--porcelain", PLAN) == ""
    assert result.notes == []
    assert_fsck_clean(repo)


def test_c4_previously_staged_plan_is_superseded_by_the_work_tree(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo, "# old draft\n")
    git(repo, "add", PLAN)
    write_plan(repo, PLAN_TEXT)
    result = commit_path(repo, PLAN, MESSAGE)
    assert git(repo, "show", f"HEAD:{PLAN}") == PLAN_TEXT
    assert git(repo, "diff", "--cached", "--name-only") == ""
    assert git(repo, "status", "--porcelain") == ""
    assert any("previously staged version of roles/03-backend.md was superseded" in n for n in result.notes)


def test_c6_existing_index_lock_refuses_before_anything_changes(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    lock = repo / ".git" / "index.lock"
    lock.touch()
    before = (head(repo), index_bytes(repo), git(repo, "status", "--porcelain"))
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    assert str(err.value) == (
        "Another git process is using this repository (.git/index.lock); try again when it finishes."
    )
    assert lock.exists() and lock.read_bytes() == b""
    assert (head(repo), index_bytes(repo), git(repo, "status", "--porcelain")) == before
    lock.unlink()
    assert commit_path(repo, PLAN, MESSAGE).created  # the retry works once the lock is gone


def test_c7a_branch_ref_lock_refuses_with_nothing_half_written(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    ref_lock = repo / ".git" / "refs" / "heads" / "main.lock"
    ref_lock.write_text("", encoding="utf-8")
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="cannot lock branch ref refs/heads/main"):
        commit_path(repo, PLAN, MESSAGE)
    assert (head(repo), index_bytes(repo)) == before
    assert ref_lock.exists() and not (repo / ".git" / "index.lock").exists()


def _other_process_commits(repo: Path) -> str:
    """Commit behind our back without the index lock (commit-tree + update-ref), as a racing tool would."""
    sha = git(repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "Racing commit").strip()
    git(repo, "update-ref", "refs/heads/main", sha)
    return sha


def test_c7b_head_race_is_retried_once_on_the_new_tip(gitenv, tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    real, calls, racer = commits._advance, [], []

    def racing_advance(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            racer.append(_other_process_commits(repo))
        return real(*args, **kwargs)

    monkeypatch.setattr(commits, "_advance", racing_advance)
    result = commit_path(repo, PLAN, MESSAGE)
    assert len(calls) == 2 and result.created
    assert git(repo, "rev-parse", "HEAD~1").strip() == racer[0]
    assert changed_paths(repo) == {PLAN}
    assert any("moved during the commit" in n for n in result.notes)
    assert_fsck_clean(repo)


def test_c7b_persistent_race_never_forces_the_ref(gitenv, tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    before_index, real, racer = index_bytes(repo), commits._advance, []

    def racing_advance(*args, **kwargs):
        racer.append(_other_process_commits(repo))
        return real(*args, **kwargs)

    monkeypatch.setattr(commits, "_advance", racing_advance)
    with pytest.raises(GitRefusal, match="moved while committing"):
        commit_path(repo, PLAN, MESSAGE)
    assert len(racer) == 2 and head(repo) == racer[-1]
    assert index_bytes(repo) == before_index and not (repo / ".git" / "index.lock").exists()


def test_c8_detached_head_refuses_unless_confirmed(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "CHANGELOG.md").write_text("v2\n", encoding="utf-8")
    git(repo, "add", "CHANGELOG.md")
    git(repo, "commit", "-q", "-m", "Second")
    main_tip = head(repo)
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    detached_at = head(repo)
    info = repo_info(repo)
    assert info.detached and info.branch is None
    write_plan(repo)
    with pytest.raises(GitRefusal, match="HEAD is detached .*would not be on any branch"):
        commit_path(repo, PLAN, MESSAGE)
    assert head(repo) == detached_at
    result = commit_path(repo, PLAN, MESSAGE, allow_detached=True)
    assert result.created and result.branch is None and head(repo) == result.sha
    assert git(repo, "rev-parse", "main").strip() == main_tip
    assert any(result.sha in n for n in result.notes)
    assert_fsck_clean(repo)


def _conflict_setup(repo: Path) -> None:
    (repo / "config.php").write_text("base\n", encoding="utf-8")
    git(repo, "add", "config.php")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "config.php").write_text("theirs\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "main")
    (repo / "config.php").write_text("ours\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "ours")


@pytest.mark.parametrize(
    ("state", "command"),
    [("merge", ["merge", "other"]), ("cherry-pick", ["cherry-pick", "other"]),
     ("rebase", ["rebase", "other"]), ("bisect", ["bisect", "start"])],
)
def test_c9_operation_in_progress_refuses(gitenv, tmp_path, state, command):
    repo = make_repo(tmp_path / "app")
    _conflict_setup(repo)
    git(repo, *command, check=False)
    assert repo_info(repo).state == state
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match=f"{state} in progress: finish or abort it first"):
        commit_path(repo, PLAN, MESSAGE)
    assert (head(repo), index_bytes(repo)) == before
    assert (repo / PLAN).exists()


@pytest.mark.parametrize("pattern", ["roles/", "*.md"])
def test_c12_ignored_path_needs_explicit_consent(gitenv, tmp_path, pattern):
    repo = make_repo(tmp_path / "app")
    (repo / ".gitignore").write_text(pattern + "\n", encoding="utf-8")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore")
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="roles/03-backend.md is ignored by .gitignore"):
        commit_path(repo, PLAN, MESSAGE)
    assert (head(repo), index_bytes(repo)) == before
    result = commit_path(repo, PLAN, MESSAGE, allow_ignored=True)
    assert result.created and changed_paths(repo) == {PLAN}
    assert any("ignored" in n for n in result.notes)
    write_plan(repo, PLAN_TEXT + "- more\n")  # now tracked: git commits it without -f
    assert commit_path(repo, PLAN, "Update plan").created


@pytest.mark.parametrize("setup", ["autocrlf", "gitattributes"])
def test_c13_line_ending_filters_leave_a_clean_status(gitenv, tmp_path, setup):
    repo = make_repo(tmp_path / "app")
    if setup == "autocrlf":
        git(repo, "config", "core.autocrlf", "true")
    else:
        (repo / ".gitattributes").write_text("*.md text eol=crlf\n", encoding="utf-8")
        git(repo, "add", ".gitattributes")
        git(repo, "commit", "-q", "-m", "eol")
    write_plan(repo, PLAN_TEXT.replace("\n", "\r\n"))
    commit_path(repo, PLAN, MESSAGE)
    assert git(repo, "status", "--porcelain", PLAN) == ""
    assert git(repo, "diff", "HEAD", "--stat") == ""
    assert "\r" not in git(repo, "cat-file", "-p", f"HEAD:{PLAN}")
    assert path_status(repo, PLAN) == "unchanged"
    assert_fsck_clean(repo)


def test_c14a_linked_worktree_commits_on_its_own_branch(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    wt = tmp_path / "app-side"
    git(repo, "worktree", "add", "-q", "-b", "side", str(wt))
    main_tip, main_status = head(repo), git(repo, "status", "--porcelain")
    write_plan(wt)
    result = commit_path(wt, PLAN, MESSAGE)
    assert result.branch == "side" and git(wt, "rev-parse", "HEAD").strip() == result.sha
    assert head(repo) == main_tip and git(repo, "status", "--porcelain") == main_status
    assert git(wt, "status", "--porcelain") == ""
    assert_fsck_clean(repo)


def test_c14b_project_inside_a_submodule_commits_to_the_submodule(gitenv, tmp_path):
    lib = make_repo(tmp_path / "lib-src")
    outer = make_repo(tmp_path / "outer")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "modules/lib")
    git(outer, "commit", "-q", "-m", "Add submodule")
    sub = outer / "modules" / "lib"
    git(sub, "config", "user.name", NAME)
    git(sub, "config", "user.email", EMAIL)
    outer_tip = head(outer)
    write_plan(sub)
    result = commit_path(sub, PLAN, MESSAGE)
    assert result.workdir == sub.resolve() and head(sub) == result.sha
    assert head(outer) == outer_tip and changed_paths(sub) == {PLAN}


def test_c14c_project_in_a_subfolder_uses_workdir_relative_posix_paths(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    project = repo / "apps" / "planner"
    write_plan(project)
    result = commit_path(project, PLAN, MESSAGE)
    assert result.path == "apps/planner/" + PLAN
    assert changed_paths(repo) == {"apps/planner/" + PLAN}
    assert committed_text(project, PLAN) == PLAN_TEXT
    assert path_status(project, PLAN) == "unchanged"


def test_c14d_bare_repository_is_refused(gitenv, tmp_path):
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    info = repo_info(bare)
    assert info is not None and info.bare
    write_plan(bare)
    with pytest.raises(GitRefusal, match="bare repository not supported"):
        commit_path(bare, PLAN, MESSAGE)


def test_c14e_sparse_index_is_refused_with_a_clear_message(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("guide\n", encoding="utf-8")
    write_plan(repo, "# first\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "docs and plan")
    git(repo, "sparse-checkout", "init", "--cone", "--sparse-index")
    git(repo, "sparse-checkout", "set", "roles")
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="sparse index"):
        commit_path(repo, PLAN, MESSAGE)
    assert (head(repo), index_bytes(repo)) == before
    assert not (repo / ".git" / "index.lock").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_c14f_foreign_owner_error_is_shown_with_a_safe_directory_hint(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 4242, 4242)
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    assert "not owned by current user" in str(err.value)
    assert f"git config --global --add safe.directory {repo}" in str(err.value)


def test_c15_message_is_byte_exact_and_a_second_commit_is_a_no_op(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    message = "Backend plan documented for Équipe 🚀 فريق Signed-off-by: x\n\nPath: roles/03-backend.md"
    first = commit_path(repo, PLAN, message)
    assert git(repo, "log", "-1", "--format=%B") == message + "\n\n"
    count = git(repo, "rev-list", "--count", "HEAD")
    again = commit_path(repo, PLAN, message)
    assert not again.created and again.sha == first.sha
    assert again.message == f"already committed ({first.sha[:7]})"
    assert git(repo, "rev-list", "--count", "HEAD") == count and head(repo) == first.sha
    assert_fsck_clean(repo)


def test_message_gets_gits_whitespace_cleanup(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    write_plan(repo)
    result = commit_path(repo, PLAN, "\nSubject  \n\n\n\nPath: roles/03-backend.md\t\n\n")
    assert result.commit_message == "Subject\n\nPath: roles/03-backend.md\n"
    assert git(repo, "log", "-1", "--format=%B") == result.commit_message + "\n"
    write_plan(repo, "changed\n")
    with pytest.raises(GitRefusal, match="message is empty"):
        commit_path(repo, PLAN, " \n\t\n")


def test_path_status_and_committed_text_follow_the_file(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    assert committed_text(repo, PLAN) is None
    write_plan(repo)
    assert path_status(repo, PLAN) == "untracked"
    git(repo, "add", PLAN)
    assert path_status(repo, PLAN) == "new"
    commit_path(repo, PLAN, MESSAGE)
    assert path_status(repo, PLAN) == "unchanged"
    assert committed_text(repo, PLAN) == PLAN_TEXT
    write_plan(repo, PLAN_TEXT + "- more\n")
    assert path_status(repo, PLAN) == "modified"
    assert committed_text(repo, PLAN) == PLAN_TEXT


def test_racily_clean_entries_stay_detectable_after_the_index_rewrite(gitenv, tmp_path):
    """A same-size edit made in the same second as the old index must not turn invisible."""
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "core.trustctime", "false")
    git(repo, "config", "core.checkStat", "minimal")
    notes, stamp = repo / "notes.md", 1_600_000_000
    notes.write_text("aaaa\n", encoding="utf-8")
    os.utime(notes, (stamp, stamp))
    git(repo, "add", "notes.md")
    os.utime(repo / ".git" / "index", (stamp, stamp))  # the entry is now racily clean
    notes.write_text("bbbb\n", encoding="utf-8")
    os.utime(notes, (stamp, stamp))
    staged = git(repo, "ls-files", "-s", "notes.md")
    write_plan(repo)
    commit_path(repo, PLAN, MESSAGE)
    assert git(repo, "ls-files", "-s", "notes.md") == staged
    assert git(repo, "status", "--porcelain", "notes.md") == "AM notes.md\n"


def test_index_version_4_keeps_other_entries(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "src").mkdir()
    for name in ("alpha.php", "beta.php"):
        (repo / "src" / name).write_text(f"<?php // {name}\n", encoding="utf-8")
    git(repo, "add", "src")
    git(repo, "update-index", "--index-version", "4")
    staged = git(repo, "ls-files", "-s")
    write_plan(repo)
    commit_path(repo, PLAN, MESSAGE)
    assert set(git(repo, "ls-files", "-s").splitlines()) - set(staged.splitlines()) == {
        git(repo, "ls-files", "-s", PLAN).strip()
    }
    assert git(repo, "diff", "--cached", "--name-only").split() == ["src/alpha.php", "src/beta.php"]
    assert git(repo, "status", "--porcelain", PLAN) == ""
    assert_fsck_clean(repo)
