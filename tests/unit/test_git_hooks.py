"""commit_path runs the repository's commit hooks like git and refuses when they fail (C10)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from git_support import (  # noqa: F401  (gitenv is a fixture)
    MESSAGE,
    PLAN,
    assert_fsck_clean,
    git,
    gitenv,
    head,
    index_bytes,
    make_repo,
    write_plan,
)

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.commits import commit_path


def _hook(folder: Path, name: str, body: str, executable: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


BLOCKING = "#!/bin/sh\necho 'lint: 3 problems'\necho BLOCKED >&2\nexit 1\n"


@pytest.mark.parametrize("where", ["git-dir", "core.hooksPath"])
def test_c10_failing_pre_commit_blocks_and_quotes_its_output(gitenv, tmp_path, where):
    repo = make_repo(tmp_path / "app")
    if where == "git-dir":
        _hook(repo / ".git" / "hooks", "pre-commit", BLOCKING)
    else:
        git(repo, "config", "core.hooksPath", "ci-hooks")
        _hook(repo / "ci-hooks", "pre-commit", BLOCKING)
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    text = str(err.value)
    assert "pre-commit hook failed with exit status 1" in text and "BLOCKED" in text and "lint: 3 problems" in text
    assert (head(repo), index_bytes(repo)) == before
    assert not (repo / ".git" / "index.lock").exists()


def test_c10_no_verify_skips_the_hook_and_says_so(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "pre-commit", BLOCKING)
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE, no_verify=True)
    assert result.created and head(repo) == result.sha
    assert any("hooks skipped (--no-verify)" in n for n in result.notes)


def test_c10_hook_sees_exactly_the_tree_being_committed(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "secret.env").write_text("API_KEY=hunter2\n", encoding="utf-8")
    git(repo, "add", "secret.env")
    seen = tmp_path / "seen.txt"
    _hook(repo / ".git" / "hooks", "pre-commit",
          f'#!/bin/sh\n{{ pwd; git diff --cached --name-only; echo "$GIT_INDEX_FILE"; }} > "{seen}"\n')
    write_plan(repo)
    commit_path(repo, PLAN, MESSAGE)
    cwd, listed, index_file = seen.read_text(encoding="utf-8").splitlines()
    assert Path(cwd) == repo.resolve() and listed == PLAN
    assert Path(index_file).name != "index" and not Path(index_file).exists()
    assert git(repo, "diff", "--cached", "--name-only").split() == ["secret.env"]


def test_c10_commit_msg_hook_can_edit_the_message(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "commit-msg", '#!/bin/sh\nprintf "\\nReviewed-by: hook\\n" >> "$1"\n')
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert git(repo, "log", "-1", "--format=%B") == MESSAGE + "\n\nReviewed-by: hook\n\n"
    assert result.commit_message == MESSAGE + "\n\nReviewed-by: hook\n"
    assert not list((repo / ".git").glob("PLANNER_EDITMSG*"))


def test_c10_failing_commit_msg_hook_blocks(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "commit-msg", "#!/bin/sh\necho 'subject must reference a ticket'\nexit 3\n")
    write_plan(repo)
    before = head(repo)
    with pytest.raises(GitRefusal, match="(?s)commit-msg hook failed with exit status 3.*ticket"):
        commit_path(repo, PLAN, MESSAGE)
    assert head(repo) == before


def test_only_the_tail_of_long_hook_output_is_quoted(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "pre-commit",
          '#!/bin/sh\nfor i in $(seq -w 1 50); do echo "line $i"; done\nexit 1\n')
    write_plan(repo)
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    assert "line 50" in str(err.value) and "line 31" in str(err.value) and "line 30" not in str(err.value)


def test_non_executable_hook_is_ignored_and_noted(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "pre-commit", BLOCKING, executable=False)
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert result.created
    assert any("pre-commit hook was ignored because it is not executable" in n for n in result.notes)


def test_hook_without_shebang_runs_through_the_shell(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "pre-commit", "echo no shebang here\nexit 1\n")
    write_plan(repo)
    with pytest.raises(GitRefusal, match="no shebang here"):
        commit_path(repo, PLAN, MESSAGE)


def test_post_commit_runs_after_the_commit_and_cannot_undo_it(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    marker = tmp_path / "post.txt"
    _hook(repo / ".git" / "hooks", "post-commit", f'#!/bin/sh\ngit rev-parse HEAD > "{marker}"\nexit 7\n')
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert marker.read_text(encoding="utf-8").strip() == result.sha == head(repo)
    assert any("post-commit hook exited with status 7" in n for n in result.notes)


def test_hook_that_restages_is_refused(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    (repo / "secret.env").write_text("API_KEY=hunter2\n", encoding="utf-8")
    _hook(repo / ".git" / "hooks", "pre-commit", "#!/bin/sh\ngit add secret.env\n")
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="a hook changed what is staged"):
        commit_path(repo, PLAN, MESSAGE)
    assert (head(repo), index_bytes(repo)) == before
    assert_fsck_clean(repo)


def test_prepare_commit_msg_runs_even_with_no_verify(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "prepare-commit-msg", '#!/bin/sh\n[ "$2" = message ] && echo "[$2]" >> "$1"\n')
    _hook(repo / ".git" / "hooks", "commit-msg", "#!/bin/sh\nexit 1\n")
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE, no_verify=True)
    assert result.commit_message == MESSAGE + "\n[message]\n"


def test_hook_output_loses_terminal_escapes(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    _hook(repo / ".git" / "hooks", "pre-commit", "#!/bin/sh\nprintf '\\033[31mFAILED\\033[0m \\033]0;title\\007x\\n'\nexit 1\n")
    write_plan(repo)
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    text = str(err.value)
    assert "FAILED" in text and "title" not in text and "\x1b" not in text and "\x07" not in text
