"""The in-place index rewrite: same entries as git's own index, extensions kept valid, refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from git_support import MESSAGE, PLAN, git, gitenv, make_repo, write_plan  # noqa: F401 - fixture

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.indexfile import IndexFile
from planner_tui.core.git.commits import commit_path


def _populate(root: Path, count: int = 40) -> None:
    for n in range(count):
        folder = root / "app" / f"mod{n % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{n}.php").write_text(f"<?php // {n}\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "files")


def _entries(root: Path) -> list[str]:
    return git(root, "ls-files", "-s").splitlines()


def test_new_plan_lands_where_git_would_put_it_and_the_tree_cache_stays_valid(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    _populate(root)
    git(root, "write-tree")  # makes sure the index carries a cache tree (TREE)
    assert IndexFile.load(root / ".git") is not None
    (root / "app" / "mod1" / "file1.php").write_text("<?php // staged change\n", encoding="utf-8")
    git(root, "add", "app/mod1/file1.php")
    staged_before = git(root, "diff", "--cached", "--name-only")
    write_plan(root)
    result = commit_path(root, PLAN, MESSAGE)
    assert result.created
    listed = _entries(root)
    assert any(line.endswith(f"\t{PLAN}") for line in listed)
    assert [line.split("\t")[1] for line in listed] == sorted(line.split("\t")[1] for line in listed)
    # the staged change is still staged, the plan is committed, nothing else moved
    assert git(root, "diff", "--cached", "--name-only") == staged_before
    assert git(root, "status", "--porcelain") == "M  app/mod1/file1.php\n"
    # the cache tree was invalidated on the plan's way: write-tree sees the staged change too
    tree = git(root, "write-tree").strip()
    git(root, "reset", "-q", "--", "app/mod1/file1.php")
    assert git(root, "write-tree").strip() == git(root, "rev-parse", "HEAD^{tree}").strip() != tree
    git(root, "fsck", "--no-progress")


def test_replacing_a_tracked_plan_keeps_every_other_entry_byte_for_byte(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    _populate(root)
    write_plan(root)
    commit_path(root, PLAN, MESSAGE)
    before = [line for line in _entries(root) if not line.endswith(PLAN)]
    write_plan(root, "# Plan\n\n## Domain & Data\n- changed\n")
    commit_path(root, PLAN, MESSAGE)
    after = _entries(root)
    assert [line for line in after if not line.endswith(PLAN)] == before
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "show", f"HEAD:{PLAN}").endswith("- changed\n")


def test_untracked_cache_and_intent_to_add_entries_survive(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    _populate(root)
    git(root, "config", "core.untrackedCache", "true")
    (root / "notes.txt").write_text("later\n", encoding="utf-8")
    git(root, "add", "-N", "notes.txt")  # an extended (version 3) entry
    git(root, "status", "--porcelain")  # writes the untracked cache extension
    data = (root / ".git" / "index").read_bytes()
    assert b"UNTR" in data and int.from_bytes(data[4:8], "big") == 3
    write_plan(root)
    commit_path(root, PLAN, MESSAGE)
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    assert status == " A notes.txt\n"
    git(root, "fsck", "--no-progress")


def test_version_4_index_goes_through_libgit2_and_stays_consistent(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    _populate(root)
    git(root, "update-index", "--index-version", "4")
    assert IndexFile.load(root / ".git") is None
    write_plan(root)
    commit_path(root, PLAN, MESSAGE)
    assert git(root, "status", "--porcelain") == ""


def test_entries_newer_than_the_index_get_their_size_zeroed(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    _populate(root, 8)
    index = root / ".git" / "index"
    edited = root / "app" / "mod0" / "file0.php"
    stamp = os.stat(index).st_mtime
    os.utime(index, (stamp - 100, stamp - 100))  # the index is now older than every file
    os.utime(edited, (stamp, stamp))
    write_plan(root)
    commit_path(root, PLAN, MESSAGE)
    debug = git(root, "ls-files", "--debug", "app/mod0/file0.php")
    assert "size: 0\t" in debug
    edited.write_text("<?php // 0\n".replace("0", "9"), encoding="utf-8")  # same size, same second
    os.utime(edited, (stamp, stamp))
    assert git(root, "status", "--porcelain") == " M app/mod0/file0.php\n"


def test_unmerged_index_is_refused_before_anything_changes(gitenv, tmp_path):
    root = make_repo(tmp_path / "r")
    (root / "a.txt").write_text("base\n", encoding="utf-8")
    git(root, "add", "a.txt")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "other")
    (root / "a.txt").write_text("other\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "other")
    git(root, "checkout", "-q", "-")
    (root / "a.txt").write_text("mine\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "mine")
    git(root, "merge", "-q", "other", check=False)
    (root / ".git" / "MERGE_HEAD").unlink()  # only the conflict entries are left behind
    head = git(root, "rev-parse", "HEAD")
    before = (root / ".git" / "index").read_bytes()
    write_plan(root)
    with pytest.raises(GitRefusal, match="unmerged paths"):
        commit_path(root, PLAN, MESSAGE)
    assert git(root, "rev-parse", "HEAD") == head and (root / ".git" / "index").read_bytes() == before
