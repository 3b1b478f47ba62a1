"""Reliability group C: committing the role plan into real git repositories, each fault caused for real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import ConfigLevel

from planner_tui.cli.main import main
from planner_tui.core.engine import Planner
from planner_tui.demo import make_demo

EPIC = "009_photo-annotations"
PLAN = f".task-master/epics/{EPIC}/roles/03-backend.md"
REPLY = f"The Backend role path is {PLAN}"
MESSAGE = f"Backend plan documented for Photo Annotations\n\nPath: {PLAN}\n"
NAME, EMAIL = "Ada Planner", "ada@example.test"
NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc).timestamp()
_SCRUB = (
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE", "EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_PARAMETERS",
    "GNUPGHOME", "PLANNER_TUI_DEBUG",
)


@pytest.fixture(autouse=True)
def _git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME whose ~/.gitconfig holds the identity, read by git and by libgit2 alike."""
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    nosystem = tmp_path / "nosystem"
    nosystem.mkdir()
    cfg = home / ".gitconfig"
    cfg.write_text(
        f"[user]\n\tname = {NAME}\n\temail = {EMAIL}\n[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n[protocol \"file\"]\n\tallow = always\n",
        encoding="utf-8",
    )
    for key in _SCRUB:
        monkeypatch.delenv(key, raising=False)
    for key, value in {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1",
                       "XDG_CONFIG_HOME": str(home / ".config")}.items():
        monkeypatch.setenv(key, value)
    # libgit2 read its config search path once at import: point it at this HOME too.
    paths = pygit2.settings.search_path
    levels = (ConfigLevel.SYSTEM, ConfigLevel.GLOBAL, ConfigLevel.XDG)
    saved = {lvl: paths[lvl] for lvl in levels}
    paths[ConfigLevel.SYSTEM], paths[ConfigLevel.GLOBAL] = str(nosystem), str(home)
    paths[ConfigLevel.XDG] = str(home / ".config" / "git")
    yield home
    for lvl, value in saved.items():
        paths[lvl] = value


def _child_env() -> dict[str, str]:
    """The environment for `python -m planner_tui`, importing this checkout."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def _git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()


def _changed(repo: Path, rev: str = "HEAD") -> list[str]:
    return _git(repo, "diff-tree", "--root", "--no-commit-id", "-r", "--name-only", rev).split()


def _fsck(repo: Path) -> None:
    proc = subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, capture_output=True, text=True, check=False)
    bad = [ln for ln in (proc.stdout + proc.stderr).splitlines() if not ln.startswith("dangling")]
    assert proc.returncode == 0 and not bad, proc.stdout + proc.stderr


def _cli(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--project", str(project), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _demo(dest: Path, *, git: bool = True) -> Path:
    return make_demo(dest, git=git, now=NOW)


def _ready(project: Path) -> Planner:
    """The product made ready to commit: a decision per topic, one risk, every topic confirmed."""
    planner = Planner.open(project, epic=EPIC)
    for topic in planner.role.topics:
        planner.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
    planner.add(1, "risk", "Large photos may slow the first sync.")
    for topic in planner.role.topics:
        planner.confirm(topic.number)
    assert [b for b in planner.blockers() if b.kind != "overwrite"] == []
    return planner


def _assert_kept(project: Path) -> None:
    """The plan file is on disk and the discussion is intact and still ready to commit."""
    planner = Planner.open(project, epic=EPIC)
    assert (project / PLAN).read_text(encoding="utf-8") == planner.render()
    assert sum(len(t.entries) for t in planner.session.topics) == len(planner.role.topics) + 1
    assert all(t.confirmed for t in planner.session.topics) and planner.blockers() == []


@pytest.fixture
def _proj(tmp_path: Path) -> Path:
    return _demo(tmp_path / "proj")


def _hook(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


# --------------------------------------------------------------------------- C1-C5


def test_C1_outside_git_the_plan_is_written_and_the_commit_refused(capsys, tmp_path):
    """Outside any git repository the plan is written and the user is told it was not committed, with no traceback."""
    plain = _demo(tmp_path / "plain", git=False)
    _ready(plain)
    code, out, err = _cli(capsys, plain, "commit")
    assert (code, out) == (1, "")
    assert err.startswith("planner-tui: Plan written to") and f"Not committed: {plain} is not inside a git repository" in err
    assert "Traceback" not in err and not (plain / ".git").exists()
    _assert_kept(plain)


@pytest.mark.parametrize("branch", ["trunk", "feature/x"])
def test_C2_unborn_head_gets_one_root_commit_on_the_configured_branch(capsys, tmp_path, branch):
    """On an unborn branch the first commit creates exactly that branch with only the plan, the exact message and the configured identity and time zone."""
    project = _demo(tmp_path / "proj", git=False)
    if branch == "trunk":
        _git(tmp_path, "config", "--global", "init.defaultBranch", "trunk")
        _git(project, "init", "-q")
    else:
        _git(project, "init", "-q")
        _git(project, "symbolic-ref", "HEAD", "refs/heads/feature/x")
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"  # the local zone git writes into the dates (+0530)
    time.tzset()
    try:
        _ready(project)
        code, out, err = _cli(capsys, project, "commit")
    finally:
        if old_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old_tz
        time.tzset()
    assert code == 0 and out == REPLY + "\n", err
    assert _git(project, "symbolic-ref", "--short", "HEAD").strip() == branch
    assert _git(project, "for-each-ref", "--format=%(refname)").split() == [f"refs/heads/{branch}"]
    assert _git(project, "ls-tree", "-r", "--name-only", "HEAD").split() == [PLAN]
    assert _git(project, "rev-list", "--count", "HEAD").strip() == "1"
    assert _git(project, "log", "-1", "--format=%B") == MESSAGE + "\n"
    ident = _git(project, "log", "-1", "--format=%an <%ae> %ai|%cn <%ce> %ci").strip().split("|")
    assert all(i.startswith(f"{NAME} <{EMAIL}> ") and i.endswith("+0530") for i in ident), ident
    assert "?? README.md" in _git(project, "status", "--porcelain")
    _fsck(project)


def test_C3_staged_unstaged_and_untracked_work_is_not_swept_in(capsys, _proj):
    """The commit changes only the plan path; the user's staged files keep their blob ids and unstaged and untracked work is untouched."""
    (_proj / "routes" / "web.php").write_text("<?php\n// staged edit\n", encoding="utf-8")
    (_proj / "secret.env").write_text("API_TOKEN=do-not-commit\n", encoding="utf-8")
    _git(_proj, "add", "routes/web.php", "secret.env")
    (_proj / "README.md").write_text("unstaged edit\n", encoding="utf-8")
    (_proj / "tmp.log").write_text("scratch\n", encoding="utf-8")
    staged, unstaged = _git(_proj, "diff", "--cached", "--raw"), _git(_proj, "diff", "--raw")
    parent = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert _changed(_proj) == [PLAN] and _git(_proj, "rev-parse", "HEAD^").strip() == parent
    assert _git(_proj, "diff", "--cached", "--raw") == staged and "secret.env" in staged
    assert _git(_proj, "diff", "--raw") == unstaged
    assert "?? tmp.log" in _git(_proj, "status", "--porcelain")
    _fsck(_proj)


def test_C4_previously_staged_plan_is_superseded_by_the_working_tree(capsys, _proj):
    """A plan the user staged earlier is replaced only with explicit approval; the working-tree plan is committed, the index entry equals HEAD and the user is told."""
    (_proj / PLAN).write_text("# My own draft\n", encoding="utf-8")
    _git(_proj, "add", PLAN)
    head = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 1 and "existing plan" in err and "--yes" in err
    assert _head(_proj) == head and (_proj / PLAN).read_text(encoding="utf-8") == "# My own draft\n"
    code, out, err = _cli(capsys, _proj, "commit", "--yes")
    assert code == 0 and out == REPLY + "\n", err
    assert f"a previously staged version of {PLAN} was superseded" in err
    committed = _git(_proj, "show", f"HEAD:{PLAN}")
    assert committed == (_proj / PLAN).read_text(encoding="utf-8") != "# My own draft\n"
    assert _git(_proj, "ls-files", "-s", PLAN).split()[1] == _git(_proj, "rev-parse", f"HEAD:{PLAN}").strip()
    assert _git(_proj, "status", "--porcelain", "--", PLAN) == ""


@pytest.mark.parametrize("case", ["no-name", "empty-name"])
def test_C5_missing_or_empty_identity_is_refused_and_nothing_lost(capsys, tmp_path, case):
    """Without a usable git identity the commit is refused with the git config command to run; the plan is written and HEAD unchanged."""
    (tmp_path / "home" / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    project = _demo(tmp_path / "proj")
    _git(project, "config", "--unset-all", "user.name")
    if case == "empty-name":
        _git(project, "config", "user.name", "")
    head = _head(project)
    _ready(project)
    code, out, err = _cli(capsys, project, "commit")
    assert (code, out) == (1, "")
    assert "Set your git identity: git config --global user.name" in err
    assert ("user.name is empty" if case == "empty-name" else "user.name is not set") in err
    assert _head(project) == head and "Traceback" not in err
    _assert_kept(project)


def test_C5_identity_from_git_author_variables_alone(capsys, tmp_path, monkeypatch):
    """With only GIT_AUTHOR_NAME/EMAIL set the commit uses them for author and committer, and says so."""
    (tmp_path / "home" / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    project = _demo(tmp_path / "proj")
    _git(project, "config", "--unset-all", "user.name")
    _git(project, "config", "--unset-all", "user.email")
    _ready(project)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Env Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "env@example.test")
    code, out, err = _cli(capsys, project, "commit")
    assert code == 0, err
    assert _git(project, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == "Env Author <env@example.test>|Env Author <env@example.test>"
    assert "committer identity taken from GIT_AUTHOR_*" in err


def test_C5_git_environment_identity_matches_what_git_itself_uses(capsys, _proj, monkeypatch):
    """GIT_AUTHOR_* and GIT_COMMITTER_* (names, emails and dates) win over the config exactly as `git var` reports them."""
    _ready(_proj)
    for key, value in {"GIT_AUTHOR_NAME": "Grace Hopper", "GIT_AUTHOR_EMAIL": "grace@example.test",
                       "GIT_AUTHOR_DATE": "@1700000000 +0200", "GIT_COMMITTER_NAME": "Build Bot",
                       "GIT_COMMITTER_EMAIL": "bot@example.test", "GIT_COMMITTER_DATE": "2024-02-29T12:00:00-05:00"}.items():
        monkeypatch.setenv(key, value)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 0, err
    raw = _git(_proj, "cat-file", "-p", "HEAD").splitlines()
    author = next(ln for ln in raw if ln.startswith("author "))
    committer = next(ln for ln in raw if ln.startswith("committer "))
    assert author == "author " + _git(_proj, "var", "GIT_AUTHOR_IDENT").strip()
    assert committer == "committer " + _git(_proj, "var", "GIT_COMMITTER_IDENT").strip()


# --------------------------------------------------------------------------- C6-C9


def test_C6_index_lock_held_by_a_running_git_refuses_then_retry_succeeds(capsys, _proj, tmp_path):
    """While another git process holds .git/index.lock the commit is refused before anything changes and the lock is left alone; after it finishes a retry commits."""
    marks = tmp_path / "marks"
    marks.mkdir()
    _hook(_proj / ".git" / "hooks" / "pre-commit",
          f'touch "{marks}/held"\ni=0\nwhile [ ! -f "{marks}/release" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n')
    (_proj / "routes" / "web.php").write_text("<?php\n// their change\n", encoding="utf-8")
    _git(_proj, "add", "routes/web.php")
    _ready(_proj)
    other = subprocess.Popen(["git", "commit", "-q", "-a", "-m", "Their work"], cwd=_proj,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(400):
            if (marks / "held").exists():
                break
            time.sleep(0.025)
        lock = _proj / ".git" / "index.lock"
        assert lock.exists(), f"git did not take the index lock: {other.poll()} {other.stdout.read() if other.poll() is not None else b''}"
        head, refs = _head(_proj), _git(_proj, "rev-list", "--all")
        code, out, err = _cli(capsys, _proj, "commit")
        assert (code, out) == (1, "")
        assert "Another git process is using this repository (.git/index.lock)" in err
        assert lock.exists() and _head(_proj) == head and _git(_proj, "rev-list", "--all") == refs
        _assert_kept(_proj)
    finally:
        (marks / "release").touch()
        assert other.wait(timeout=30) == 0, other.stdout.read() if other.stdout else ""
    theirs = _head(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert _git(_proj, "rev-parse", "HEAD^").strip() == theirs and _changed(_proj) == [PLAN]
    assert not (_proj / ".git" / "index.lock").exists()
    _fsck(_proj)


def test_C6_a_leftover_index_lock_file_is_never_deleted(capsys, _proj):
    """A stale .git/index.lock stops the commit with the same sentence and is never removed by the product."""
    lock = _proj / ".git" / "index.lock"
    lock.write_bytes(b"")
    head = _head(_proj)
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 1 and "Another git process is using this repository (.git/index.lock)" in err
    assert lock.exists() and _head(_proj) == head
    lock.unlink()
    assert _cli(capsys, _proj, "commit")[0] == 0 and _changed(_proj) == [PLAN]


def test_C7_branch_ref_lock_refuses_with_nothing_half_written(capsys, _proj):
    """An existing refs/heads/main.lock refuses the commit: HEAD, the index and the lock stay as they were."""
    ref_lock = _proj / ".git" / "refs" / "heads" / "main.lock"
    ref_lock.write_text("", encoding="utf-8")
    head, index = _head(_proj), (_proj / ".git" / "index").read_bytes()
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 1 and "cannot lock branch ref refs/heads/main (main.lock exists)" in err
    assert _head(_proj) == head and (_proj / ".git" / "index").read_bytes() == index
    assert ref_lock.exists() and not (_proj / ".git" / "index.lock").exists()
    _assert_kept(_proj)


def test_C7_another_process_commits_mid_commit_and_is_never_overwritten(capsys, _proj):
    """When another process moves the branch during the commit, the commit is rebuilt once on the new tip and the other commit is kept."""
    _hook(_proj / ".git" / "hooks" / "pre-commit",
          'unset GIT_INDEX_FILE\nnew=$(echo "Their race commit" | git commit-tree "$(git rev-parse HEAD^{tree})" -p HEAD)\n'
          'git update-ref refs/heads/main "$new" HEAD\n')
    start = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert "the branch moved during the commit; it was recomputed on the new tip" in err
    assert _git(_proj, "log", "-1", "--format=%s", "HEAD^").strip() == "Their race commit"
    assert _git(_proj, "rev-parse", "HEAD^^").strip() == start and _changed(_proj) == [PLAN]
    _fsck(_proj)


def test_C8_detached_head_is_refused_unless_allowed_and_the_commit_id_shown(capsys, _proj):
    """On a detached HEAD the command line refuses and says why; with --allow-detached it commits and shows the id to keep it with."""
    (_proj / "README.md").write_text("second\n", encoding="utf-8")
    _git(_proj, "commit", "-q", "-am", "Second")
    _git(_proj, "checkout", "-q", "--detach", "HEAD~1")
    main_tip, head = _git(_proj, "rev-parse", "main").strip(), _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "") and "HEAD is detached" in err and "would not be on any branch" in err
    assert _head(_proj) == head
    _assert_kept(_proj)
    code, out, err = _cli(capsys, _proj, "commit", "--allow-detached")
    assert code == 0 and out == REPLY + "\n", err
    new = _head(_proj)
    assert new != head and f"git branch <name> {new}" in err and f"Committed {new[:7]} on a detached HEAD" in err
    assert _git(_proj, "rev-parse", "main").strip() == main_tip and _changed(_proj) == [PLAN]


def _conflict(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "other")
    (repo / "README.md").write_text("theirs\n", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "Theirs")
    _git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("ours\n", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "Ours")


@pytest.mark.parametrize("state", ["merge", "rebase", "cherry-pick", "bisect"])
def test_C9_operation_in_progress_refuses_and_keeps_the_plan(capsys, _proj, state):
    """During a merge, rebase, cherry-pick or bisect the commit is refused with what to finish first; the plan and discussion are kept."""
    _ready(_proj)
    if state == "bisect":
        _git(_proj, "bisect", "start")
    else:
        _conflict(_proj)
        command = {"merge": ["merge", "other"], "rebase": ["rebase", "other"], "cherry-pick": ["cherry-pick", "other"]}[state]
        assert subprocess.run(["git", *command], cwd=_proj, capture_output=True).returncode != 0
    head, index = _head(_proj), (_proj / ".git" / "index").read_bytes()
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "")
    assert f"Not committed: {state} in progress: finish or abort it first." in err
    assert _head(_proj) == head and (_proj / ".git" / "index").read_bytes() == index
    _assert_kept(_proj)


# --------------------------------------------------------------------------- C10-C13


@pytest.mark.parametrize("hook, where", [("pre-commit", "hooks"), ("commit-msg", "hooks"), ("pre-commit", "core.hooksPath")])
def test_C10_failing_hook_stops_the_commit_and_no_verify_skips_it_visibly(capsys, _proj, hook, where):
    """A failing pre-commit or commit-msg hook (also under core.hooksPath) stops the commit and its output is shown; --no-verify commits and says the hooks were skipped."""
    if where == "core.hooksPath":
        _git(_proj, "config", "core.hooksPath", "ci/hooks")
        folder = _proj / "ci" / "hooks"
    else:
        folder = _proj / ".git" / "hooks"
    _hook(folder / hook, 'echo "BLOCKED: plans need review" >&2\nexit 1\n')
    head = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "")
    assert f"The {hook} hook failed with exit status 1; nothing was committed" in err and "BLOCKED: plans need review" in err
    assert _head(_proj) == head
    _assert_kept(_proj)
    code, out, err = _cli(capsys, _proj, "commit", "--no-verify")
    assert code == 0 and out == REPLY + "\n", err
    assert "pre-commit and commit-msg hooks skipped (--no-verify)" in err and _changed(_proj) == [PLAN]


def test_C10_hooks_see_only_the_plan_and_may_edit_the_message(capsys, _proj, tmp_path):
    """Hooks run as git runs them: pre-commit sees exactly the commit's tree in its index, and a commit-msg hook's edit is committed."""
    seen = tmp_path / "seen.txt"
    (_proj / "secret.env").write_text("API_TOKEN=x\n", encoding="utf-8")
    _git(_proj, "add", "secret.env")
    hooks = _proj / ".git" / "hooks"
    _hook(hooks / "pre-commit", f'git diff --cached --name-only > "{seen}"\n')
    _hook(hooks / "commit-msg", 'printf "\\nReviewed-by: Hook <hook@example.test>\\n" >> "$1"\n')
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 0, err
    assert seen.read_text(encoding="utf-8").split() == [PLAN]
    assert _git(_proj, "log", "-1", "--format=%B") == MESSAGE + "\nReviewed-by: Hook <hook@example.test>\n\n"
    assert "secret.env" in _git(_proj, "diff", "--cached", "--name-only")


def test_C11_signing_required_but_impossible_is_refused(capsys, _proj):
    """With commit.gpgsign set and no usable signing program the commit is refused with the reason and no unsigned commit is made."""
    _git(_proj, "config", "commit.gpgsign", "true")
    _git(_proj, "config", "gpg.program", "/nonexistent/gpg")
    head = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "")
    assert "This repository requires signed commits (commit.gpgsign) and signing failed" in err
    assert "'/nonexistent/gpg' was not found; nothing was committed." in err
    assert _head(_proj) == head and _git(_proj, "rev-list", "--count", "HEAD").strip() == "1"
    _assert_kept(_proj)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_C11_ssh_signing_makes_a_commit_git_verifies(capsys, _proj, tmp_path):
    """With gpg.format=ssh and a real key the commit is signed as git would sign it and `git verify-commit` accepts it."""
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", EMAIL, "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{EMAIL} {(tmp_path / 'id_ed25519.pub').read_text(encoding='utf-8')}", encoding="utf-8")
    for key_, value in (("commit.gpgsign", "true"), ("gpg.format", "ssh"), ("user.signingkey", str(key)),
                        ("gpg.ssh.allowedSignersFile", str(allowed))):
        _git(_proj, "config", key_, value)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    verify = subprocess.run(["git", "verify-commit", "HEAD"], cwd=_proj, capture_output=True, text=True)
    assert verify.returncode == 0 and f'Good "git" signature for {EMAIL}' in verify.stderr, verify.stderr
    assert _git(_proj, "log", "-1", "--format=%G?").strip() == "G" and _changed(_proj) == [PLAN]
    _fsck(_proj)


@pytest.mark.skipif(shutil.which("gpg") is None or shutil.which("gpgconf") is None, reason="gpg is not installed")
def test_C11_gpg_signing_with_a_real_key_and_refusal_without_one(capsys, _proj, monkeypatch):
    """With commit.gpgsign and gpg the commit is refused while gpg has no secret key, and signed (verified by git) once it has one."""
    gnupg = Path(tempfile.mkdtemp(prefix="gpg", dir="/tmp"))  # short: gpg-agent's socket path is limited
    gnupg.chmod(0o700)
    monkeypatch.setenv("GNUPGHOME", str(gnupg))
    try:
        _git(_proj, "config", "commit.gpgsign", "true")
        head = _head(_proj)
        _ready(_proj)
        code, _, err = _cli(capsys, _proj, "commit")
        assert code == 1 and "requires signed commits (commit.gpgsign) and signing failed: gpg exited" in err
        assert _head(_proj) == head
        subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                        f"{NAME} <{EMAIL}>", "ed25519", "sign", "never"], check=True, capture_output=True, timeout=60)
        code, out, err = _cli(capsys, _proj, "commit")
        assert code == 0 and out == REPLY + "\n", err
        verify = subprocess.run(["git", "verify-commit", "HEAD"], cwd=_proj, capture_output=True, text=True)
        assert verify.returncode == 0 and "Good signature" in verify.stderr, verify.stderr
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True, check=False)
        shutil.rmtree(gnupg, ignore_errors=True)


@pytest.mark.parametrize("pattern", ["roles/", "*.md"])
def test_C12_ignored_plan_path_needs_the_allow_ignored_flag(capsys, _proj, pattern):
    """A plan path matched by .gitignore is not committed unless --allow-ignored says yes, and then the user is told."""
    with (_proj / ".gitignore").open("a", encoding="utf-8") as fh:
        fh.write(f"{pattern}\n")
    head = _head(_proj)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "") and f"Not committed: {PLAN} is ignored by .gitignore" in err
    assert _head(_proj) == head and _git(_proj, "ls-files", PLAN) == ""
    assert subprocess.run(["git", "check-ignore", "-q", PLAN], cwd=_proj).returncode == 0
    _assert_kept(_proj)
    code, out, err = _cli(capsys, _proj, "commit", "--allow-ignored")
    assert code == 0 and out == REPLY + "\n", err
    assert f"{PLAN} is ignored by .gitignore and was committed anyway" in err
    assert _git(_proj, "ls-files", PLAN).strip() == PLAN and _changed(_proj) == [PLAN]


@pytest.mark.parametrize("setup", ["autocrlf", "eol=crlf"])
def test_C13_line_ending_settings_leave_a_clean_status(capsys, _proj, setup):
    """With core.autocrlf or `eol=crlf` attributes the committed plan goes through git's filters, so git sees no change afterwards."""
    if setup == "autocrlf":
        _git(_proj, "config", "core.autocrlf", "true")
    else:
        (_proj / ".gitattributes").write_text("*.md text eol=crlf\n", encoding="utf-8")
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 0, err
    assert _git(_proj, "status", "--porcelain", "--", PLAN) == ""
    assert _git(_proj, "diff", "HEAD", "--stat", "--", PLAN) == ""
    assert b"\r" not in subprocess.run(["git", "cat-file", "-p", f"HEAD:{PLAN}"], cwd=_proj, capture_output=True).stdout


def test_C13_a_clean_filter_libgit2_cannot_run_is_refused(capsys, _proj):
    """A plan path with a configured clean filter (which libgit2 cannot run) is refused by name instead of committing unfiltered bytes."""
    _git(_proj, "config", "filter.upper.clean", "tr a-z A-Z")
    (_proj / ".gitattributes").write_text("*.md filter=upper\n", encoding="utf-8")
    head = _head(_proj)
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 1 and f"Not committed: {PLAN} uses the 'upper' git filter, which libgit2 cannot run." in err
    assert _head(_proj) == head
    _assert_kept(_proj)


# --------------------------------------------------------------------------- C14-C15


def test_C14_linked_worktree_commits_on_its_own_branch(capsys, _proj, tmp_path):
    """In a linked worktree the plan is committed on the worktree's branch and the main checkout is unchanged."""
    wt = tmp_path / "proj-side"
    _git(_proj, "worktree", "add", "-q", "-b", "side", str(wt))
    main_tip, main_status = _head(_proj), _git(_proj, "status", "--porcelain")
    _ready(wt)
    code, out, err = _cli(capsys, wt, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert _git(wt, "symbolic-ref", "--short", "HEAD").strip() == "side" and _changed(wt) == [PLAN]
    assert _head(_proj) == main_tip and _git(_proj, "status", "--porcelain") == main_status
    assert not (_proj / PLAN).exists()
    _fsck(_proj)


def test_C14_project_inside_a_submodule_commits_to_the_submodule_and_names_it(capsys, tmp_path):
    """A project that is a submodule is committed in the submodule's repository, which the output names; the superproject's HEAD is untouched."""
    source = _demo(tmp_path / "planning-src")
    outer = tmp_path / "outer"
    outer.mkdir()
    _git(outer, "init", "-q")
    _git(outer, "submodule", "add", "-q", str(source), "modules/planning")
    _git(outer, "commit", "-q", "-m", "Add the planning submodule")
    sub = outer / "modules" / "planning"
    outer_tip = _head(outer)
    _ready(sub)
    code, out, err = _cli(capsys, sub, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert f"Committed {_head(sub)[:7]} on main in {sub}" in err
    assert _changed(sub) == [PLAN] and _head(outer) == outer_tip
    # The superproject still records the old submodule commit; it only sees new commits in it.
    assert _git(outer, "rev-parse", "HEAD:modules/planning").strip() == _git(sub, "rev-parse", "HEAD^").strip()
    assert _git(outer, "status", "--porcelain") == " M modules/planning\n"


def test_C14_project_in_a_subfolder_of_a_repository(capsys, tmp_path):
    """A project in a subfolder of a bigger repository is found there and its plan committed at the work-tree-relative path with `/`."""
    outer = tmp_path / "mono"
    outer.mkdir()
    _git(outer, "init", "-q")
    project = _demo(outer / "apps" / "planning", git=False)
    _git(outer, "add", ".")
    _git(outer, "commit", "-q", "-m", "Monorepo")
    _ready(project)
    code, out, err = _cli(capsys, project, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert _changed(outer) == [f"apps/planning/{PLAN}"]
    assert _git(outer, "status", "--porcelain", "--", f"apps/planning/{PLAN}") == ""
    assert Planner.open(project, epic=EPIC).committed_plan() == (project / PLAN).read_text(encoding="utf-8")


def test_C14_bare_repositories_are_refused_clearly(capsys, _proj, tmp_path):
    """A bare repository is refused by name; a checkout with core.bare set keeps its discussion and plan but is not committed."""
    bare = tmp_path / "bare.git"
    _git(tmp_path, "init", "-q", "--bare", str(bare))
    code, _, err = _cli(capsys, bare, "status")
    assert code == 1 and "is a bare git repository; run planner-tui inside a work tree." in err
    _git(_proj, "config", "core.bare", "true")
    head = _git(_proj / ".git", "rev-parse", "HEAD").strip()
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "") and "Not committed: bare repository not supported" in err
    assert _git(_proj / ".git", "rev-parse", "HEAD").strip() == head
    _assert_kept(_proj)


def test_C14_sparse_index_is_refused_and_the_plan_kept(capsys, _proj):
    """In a sparse-index checkout (which libgit2 cannot read) the commit is refused with that reason; the plan, the index and HEAD are kept."""
    _git(_proj, "sparse-checkout", "init", "--cone", "--sparse-index")
    _git(_proj, "sparse-checkout", "set", ".task-master", ".taskmaster", ".cursor")
    assert not (_proj / "routes").exists(), "the checkout is not sparse"
    head, index = _head(_proj), (_proj / ".git" / "index").read_bytes()
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "")
    assert "this repository uses a sparse index, which libgit2 cannot read" in err and "git command line" in err
    assert _head(_proj) == head and (_proj / ".git" / "index").read_bytes() == index
    assert not (_proj / ".git" / "index.lock").exists()
    _assert_kept(_proj)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a repository's owner needs root")
def test_C14_repository_owned_by_another_user_shows_the_error_and_the_hint(capsys, _proj):
    """A repository owned by another user is refused with libgit2's own words and the safe.directory command; after trusting it the commit succeeds."""
    _ready(_proj)
    session = sorted((_proj / ".planner-tui").rglob("*.json"))
    saved = [p.read_bytes() for p in session]
    subprocess.run(["chown", "-R", "nobody", str(_proj)], check=True)
    code, out, err = _cli(capsys, _proj, "commit")
    assert (code, out) == (1, "")
    assert "is not owned by current user" in err
    assert f"git config --global --add safe.directory {_proj}" in err
    assert [p.read_bytes() for p in session] == saved and not (_proj / PLAN).exists()
    _git(_proj, "config", "--global", "--add", "safe.directory", str(_proj))
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    assert _changed(_proj) == [PLAN]


TITLE = "Photo\nAnnotations\r\x1b[31mRED\x1b[0m \u202eevil\u202c 🚀 مرحبا\tSigned-off-by: x"
SUBJECT = "Backend plan documented for Photo Annotations RED evil 🚀 مرحبا Signed-off-by: x"


def _retitle(project: Path, title: str) -> None:
    tasks = project / ".taskmaster" / "tasks" / "tasks.json"
    data = json.loads(tasks.read_text(encoding="utf-8"))
    for tag in data.values():
        for task in tag["tasks"]:
            if task["id"] == 9:
                task["title"] = "EPIC: " + title
    tasks.write_text(json.dumps(data), encoding="utf-8")


def test_C15_hostile_epic_title_gives_one_clean_subject_and_no_second_commit(capsys, _proj):
    """An epic title with line breaks, escapes, bidi controls and a trailer becomes one clean subject line over `Path: …`; a second commit makes nothing and says so."""
    _retitle(_proj, TITLE)
    _ready(_proj)
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n", err
    message = _git(_proj, "log", "-1", "--format=%B")
    assert message == f"{SUBJECT}\n\nPath: {PLAN}\n\n"
    trailers = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True)
    assert trailers.stdout.strip() == f"Path: {PLAN}"  # the body's own line, nothing forged from the title
    sha, count = _head(_proj), _git(_proj, "rev-list", "--count", "HEAD")
    code, out, err = _cli(capsys, _proj, "commit")
    assert code == 0 and out == REPLY + "\n"
    assert f"already committed ({sha[:7]})" in err
    assert _head(_proj) == sha and _git(_proj, "rev-list", "--count", "HEAD") == count
    _fsck(_proj)


def test_C15_a_500_character_title_is_capped_in_the_subject(capsys, _proj):
    """A 500-character epic title is cut to a bounded single subject line ending in an ellipsis; the body is still exactly `Path: …`."""
    _retitle(_proj, "Annotate " + "x" * 491)
    _ready(_proj)
    code, _, err = _cli(capsys, _proj, "commit")
    assert code == 0, err
    subject, blank, body, *rest = _git(_proj, "log", "-1", "--format=%B").split("\n")
    assert subject.startswith("Backend plan documented for Annotate xxx") and subject.endswith("…")
    assert len(subject) <= len("Backend plan documented for ") + 200
    assert (blank, body, rest) == ("", f"Path: {PLAN}", ["", ""])


def test_C3_commit_from_a_child_process_touches_only_the_plan(_proj):
    """`python -m planner_tui commit` in a child process prints exactly the reply line and commits only the plan."""
    _ready(_proj)
    proc = subprocess.run([sys.executable, "-m", "planner_tui", "--project", str(_proj), "commit"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, env=_child_env())
    assert proc.returncode == 0 and proc.stdout == REPLY + "\n", proc.stderr
    assert _changed(_proj) == [PLAN] and _git(_proj, "log", "-1", "--format=%B") == MESSAGE + "\n"
