"""Run the repository's commit hooks (pre-commit, prepare-commit-msg, commit-msg, post-commit) like git."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pygit2
from typing import NamedTuple

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.identity import config_str

__all__ = [
    "HookRun",
    "HOOK_TAIL_LINES",
    "HOOK_TIMEOUT",
    "common_dir",
    "hooks_dir",
    "find_hook",
    "hook_env",
    "run_hook",
    "run_message_hooks",
    "run_post_commit",
    "printable",
]

HOOK_TAIL_LINES = 20
"""How many trailing lines of a failing hook's output the refusal quotes."""


class HookRun(NamedTuple):
    """What one hook did: its exit status and combined stdout/stderr."""

    name: str
    returncode: int
    output: str
    timed_out: bool = False
    """Still running after HOOK_TIMEOUT seconds, so stopped (returncode 124)."""

    def tail(self, lines: int = HOOK_TAIL_LINES) -> str:
        """The last `lines` lines of the output, without terminal control sequences."""
        return "\n".join(printable(self.output).rstrip().splitlines()[-lines:])


_CONTROL = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with ANSI escapes and control characters removed (tools colour their output).

    The refusal is shown in a terminal; a hook's escape sequences must not reach it.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def common_dir(repo: pygit2.Repository) -> Path:
    """The repository's common git dir (the main `.git` even from a linked worktree)."""
    git_dir = Path(repo.path)
    pointer = git_dir / "commondir"
    if pointer.is_file():
        target = Path(pointer.read_text(encoding="utf-8").strip())
        return (git_dir / target).resolve() if not target.is_absolute() else target
    return git_dir


def hooks_dir(repo: pygit2.Repository) -> Path:
    """`core.hooksPath` (relative to the work tree top, `~` expanded) or `<common dir>/hooks`."""
    configured = config_str(repo.config, "core.hooksPath")
    if configured:
        path = Path(os.path.expanduser(configured))
        if not path.is_absolute():
            # git runs hooks from the top of the work tree, so relative paths start there.
            base = Path(repo.workdir) if repo.workdir else Path(repo.path)
            path = base / path
        return path
    return common_dir(repo) / "hooks"


def find_hook(repo: pygit2.Repository, name: str, notes: list[str] | None = None) -> Path | None:
    """The hook file `name` if it exists and is executable; a present but non-executable hook is noted."""
    path = hooks_dir(repo) / name
    if not path.is_file():
        return None
    if not os.access(path, os.X_OK):
        if notes is not None:
            notes.append(f"the {name} hook was ignored because it is not executable ({path})")
        return None
    return path


HOOK_TIMEOUT = 600.0
"""Seconds a hook may run before it is stopped: generous, since a test suite may run in one."""


def _start(argv: list[str], cwd: Path, env: Mapping[str, str], out: object) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)


def run_hook(path: Path, args: list[str], *, cwd: Path, env: Mapping[str, str]) -> HookRun:
    """Run one hook with stdin closed and stdout+stderr captured together; wait for the hook itself.

    The output goes to a temporary file, not a pipe: a hook that leaves a background job behind
    (a notification sent with `&`) hands that job its output, and waiting for a pipe's end would
    wait for the job too. The hook's own exit is what counts, within HOOK_TIMEOUT seconds; a hook
    still running then is stopped and reported with status 124, as `timeout` does.
    """
    argv = [str(path), *args]
    with tempfile.TemporaryFile() as out:
        try:
            proc = _start(argv, cwd, env, out)
        except OSError as exc:
            if exc.errno != errno.ENOEXEC:
                return HookRun(path.name, 126, f"cannot run {path}: {exc.strerror}")
            # A script without a #! line: git's run_command falls back to the shell too.
            proc = _start(["/bin/sh", *argv], cwd, env, out)
        timed_out = False
        try:
            code = proc.wait(timeout=HOOK_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code, timed_out = 124, True
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return HookRun(path.name, code, text, timed_out)


def hook_env(base: Mapping[str, str], repo: pygit2.Repository, index_file: Path | None) -> dict[str, str]:
    """The environment git gives commit hooks: GIT_DIR, GIT_INDEX_FILE and a no-op editor."""
    env = dict(base)
    env["GIT_DIR"] = str(Path(repo.path).resolve())
    env.pop("GIT_WORK_TREE", None)  # cwd is the work tree top, which GIT_DIR alone implies
    env["GIT_EDITOR"] = ":"
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    else:
        env.pop("GIT_INDEX_FILE", None)
    return env


def _refuse(run: HookRun) -> GitRefusal:
    tail = run.tail()
    detail = f":\n{tail}" if tail else " (no output)."
    if run.timed_out:
        return GitRefusal(
            f"The {run.name} hook was still running after {HOOK_TIMEOUT:g} s and was stopped; nothing was committed{detail}"
        )
    return GitRefusal(f"The {run.name} hook failed with exit status {run.returncode}; nothing was committed{detail}")


def run_message_hooks(
    repo: pygit2.Repository,
    message: str,
    *,
    index_file: Path,
    env: Mapping[str, str],
    notes: list[str],
    verify: bool = True,
) -> str:
    """Run pre-commit, prepare-commit-msg and commit-msg in git's order; return the (maybe edited) message.

    The hooks see `index_file`, which holds exactly the tree about to be committed. A non-zero
    exit raises GitRefusal quoting the tail of the hook's output. `verify=False` is git's
    `--no-verify`: pre-commit and commit-msg are skipped, prepare-commit-msg still runs.
    """
    workdir = Path(repo.workdir)
    henv = hook_env(env, repo, index_file)
    pre = find_hook(repo, "pre-commit", notes) if verify else None
    if pre is not None:
        run = run_hook(pre, [], cwd=workdir, env=henv)
        if run.returncode != 0:
            raise _refuse(run)
    prepare = find_hook(repo, "prepare-commit-msg", notes)
    commit_msg = find_hook(repo, "commit-msg", notes) if verify else None
    if prepare is None and commit_msg is None:
        return message
    fd, name = tempfile.mkstemp(prefix="PLANNER_EDITMSG.", dir=repo.path)
    msg_file = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(message.encode("utf-8"))
        for hook, args in ((prepare, [str(msg_file), "message"]), (commit_msg, [str(msg_file)])):
            if hook is None:
                continue
            run = run_hook(hook, args, cwd=workdir, env=henv)
            if run.returncode != 0:
                raise _refuse(run)
        return msg_file.read_bytes().decode("utf-8", errors="replace")
    finally:
        msg_file.unlink(missing_ok=True)


def run_post_commit(repo: pygit2.Repository, env: Mapping[str, str], notes: list[str]) -> None:
    """Run post-commit after the commit is done; its status cannot undo anything, so it is only noted."""
    hook = find_hook(repo, "post-commit", notes)
    if hook is None:
        return
    run = run_hook(hook, [], cwd=Path(repo.workdir), env=hook_env(env, repo, None))
    if run.timed_out:
        notes.append(f"the post-commit hook was still running after {HOOK_TIMEOUT:g} s and was stopped")
    elif run.returncode != 0:
        notes.append(f"the post-commit hook exited with status {run.returncode}")
