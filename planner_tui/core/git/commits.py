"""Commit exactly one path with pygit2, the way `git commit --only -- <path>` would, or refuse."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pygit2
from pygit2.enums import FileMode, ReferenceType
from typing import NamedTuple

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.repo import (
    Head,
    head_tree,
    index_path,
    open_repo,
    read_head,
    repo_state,
    short_branch,
    target_path,
    tree_entry,
    UnreadableFormat,
)

# The commit machinery (identity, hooks, index, signing) is imported by the functions that
# commit: reading HEAD, which the workbench does at start, needs none of it.

__all__ = ["CommitResult", "commit_path"]


@dataclass
class CommitResult:
    """What `commit_path` did."""

    sha: str | None
    created: bool
    branch: str | None
    notes: list[str] = field(default_factory=list)
    message: str = ""
    """One-line summary for the user, e.g. `already committed (abc1234)`."""
    commit_message: str | None = None
    """The message as committed (after hooks and git's whitespace clean-up)."""
    path: str | None = None
    """The committed path, relative to the work tree, with `/`."""
    workdir: Path | None = None
    signed: bool = False


class _Staged(NamedTuple):
    """The index entry of the path, when read without libgit2 (only its blob id is needed)."""

    id: pygit2.Oid


def _hooks_to_run(repo: pygit2.Repository, *, verify: bool) -> bool:
    """True when a pre-commit, prepare-commit-msg or commit-msg hook would run for this commit."""
    from planner_tui.core.git.hooks import find_hook

    names = ["prepare-commit-msg"] + (["pre-commit", "commit-msg"] if verify else [])
    return any(find_hook(repo, name) is not None for name in names)


def _trees_to(repo: pygit2.Repository, tree: pygit2.Oid, path: str) -> list[pygit2.Oid]:
    """The ids of the tree and of each folder's tree on the way to `path` (what the commit made)."""
    found, current = [tree], repo[tree]
    for name in path.split("/")[:-1]:
        current = current[name]
        found.append(current.id)
    return found


class _RefMoved(Exception):
    """The branch no longer points where we read it: someone else committed."""


def _ref_lock(repo: pygit2.Repository, head: Head) -> Path:
    from planner_tui.core.git.hooks import common_dir

    if head.ref is None:
        return Path(repo.path) / "HEAD.lock"
    return common_dir(repo) / (head.ref + ".lock")


def _advance(repo: pygit2.Repository, head: Head, new: pygit2.Oid, reflog: str) -> None:
    """Move the branch (or detached HEAD) from head.oid to `new`, compare-and-swap, never forced."""
    try:
        if head.oid is None:
            try:
                repo.create_reference_direct(head.ref, new, False, message=reflog)
            except pygit2.AlreadyExistsError:
                raise _RefMoved from None
            return
        ref = repo.lookup_reference(head.ref or "HEAD")
        if ref.type != ReferenceType.DIRECT or ref.target != head.oid:
            raise _RefMoved
        # libgit2 checks the stored value against the one this Reference was read with.
        ref.set_target(new, reflog)
    except KeyError:
        raise _RefMoved from None
    except pygit2.GitError as exc:
        if "does not match" in str(exc):
            raise _RefMoved from None
        if "lock" in str(exc).lower():
            raise GitRefusal(f"Not committed: cannot lock branch ref {head.ref or 'HEAD'} ({exc}).") from None
        raise GitRefusal(f"Not committed: the branch could not be updated ({exc}).") from None


def commit_path(
    root: Path,
    rel_path: str,
    message: str,
    *,
    no_verify: bool = False,
    allow_detached: bool = False,
    allow_ignored: bool = False,
    env: Mapping[str, str] | None = None,
) -> CommitResult:
    """Commit only `root/rel_path` (already written) like `git commit --only`; GitRefusal otherwise.

    The new tree is HEAD's tree with just this path's blob (made through filters); the index
    entry of this path becomes the committed blob and every other entry, staged or not, keeps
    its id. `.git/index.lock` is held from before the commit is made until the index is
    replaced, and the branch moves by compare-and-swap. A refusal leaves HEAD and the index
    as they were. `env` replaces `os.environ` for GIT_AUTHOR_*/GIT_COMMITTER_*, hooks and
    signing. Raises GitRefusal (one sentence; a failing hook's output tail follows it).
    """
    from planner_tui.core.git.identity import resolve_identity
    from planner_tui.core.git.hooks import common_dir, run_message_hooks, run_post_commit
    from planner_tui.core.git.message import cleanup_of
    from planner_tui.core.git.shared import adjust_shared, object_files, shared_perm
    from planner_tui.core.git.index import IndexLock, hook_index, index_bytes_with, index_file_tree, read_index, tree_with, workdir_blob
    from planner_tui.core.git.indexfile import UNMERGED, IndexFile
    from planner_tui.core.git.signing import sign_commit, signing_plan

    environ = dict(os.environ if env is None else env)
    root = Path(root)
    target = target_path(root, rel_path)
    try:
        repo = open_repo(target.parent)
    except UnreadableFormat as exc:
        raise GitRefusal(f"Not committed: {exc}; the plan is written, commit it with `git commit -- {rel_path}`.") from None
    if repo is None:
        raise GitRefusal(f"Not committed: {root} is not inside a git repository")
    if repo.is_bare:
        raise GitRefusal("Not committed: bare repository not supported (there is no work tree to commit from).")
    state = repo_state(repo)
    if state != "none":
        raise GitRefusal(f"Not committed: {state} in progress: finish or abort it first.")
    path = index_path(repo, target)
    if os.path.islink(target):  # the plan is a file; a link's target is never what we mean to commit
        raise GitRefusal(f"Not committed: {path} is a symbolic link, not the plan file.")
    head = read_head(repo)
    if head.ref is None and not allow_detached:
        raise GitRefusal(
            f"Not committed: HEAD is detached (at {str(head.oid)[:7]}); the commit would not be on any branch. "
            "Check out a branch first, or confirm a detached commit."
        )
    ref_lock = _ref_lock(repo, head)
    if ref_lock.exists():
        raise GitRefusal(f"Not committed: cannot lock branch ref {head.ref or 'HEAD'} ({ref_lock.name} exists).")
    author, committer, notes = resolve_identity(repo.config, environ)
    cleanup, perm = cleanup_of(repo.config), shared_perm(repo.config)  # honoured, or refused before any write
    plan = signing_plan(repo.config, committer)
    result = CommitResult(None, False, short_branch(head.ref), notes, path=path, workdir=Path(repo.workdir))
    with IndexLock(Path(repo.path)) as lock:
        # A big index is rewritten in place when its format allows (one entry spliced in);
        # libgit2 reads and writes it otherwise. Both keep every other entry as it was.
        fast = IndexFile.load(Path(repo.path))
        if fast is not None and fast.unmerged:
            raise GitRefusal(UNMERGED)
        index = read_index(repo) if fast is None else None
        base = head_tree(repo, head)
        old = tree_entry(base, path)
        if fast is not None:
            staged_hex = fast.staged(path)
            staged = None if staged_hex is None else _Staged(pygit2.Oid(hex=staged_hex))
        else:
            staged = index[path] if path in index else None
        if old is None and staged is None and repo.path_is_ignored(path):
            if not allow_ignored:
                raise GitRefusal(f"Not committed: {path} is ignored by .gitignore; commit it anyway only if you mean to.")
            notes.append(f"{path} is ignored by .gitignore and was committed anyway")
        blob, mode = workdir_blob(repo, path, target, old, fast.staged if fast is not None else None)
        tree = tree_with(repo, base, path, blob, mode)
        if base is not None and tree == base.id:
            if staged is not None and staged.id != blob:
                notes.append(f"a staged version of {path} differs from the file and was left staged")
            result.sha, result.message = str(head.oid), f"already committed ({str(head.oid)[:7]})"
            return result
        if _hooks_to_run(repo, verify=not no_verify):
            with hook_index(repo, tree) as hook_file:
                # Hooks get the message already cleaned, as git writes it to COMMIT_EDITMSG.
                final = run_message_hooks(
                    repo, cleanup.before_hooks(message), index_file=hook_file, env=environ, notes=notes, verify=not no_verify
                )
                if index_file_tree(repo, hook_file) != tree:
                    raise GitRefusal("Not committed: a hook changed what is staged for this commit; commit with git instead.")
        else:  # no hook will run: no index of the whole tree to write for one
            final = run_message_hooks(
                repo, cleanup.before_hooks(message), index_file=None, env=environ, notes=notes, verify=not no_verify  # type: ignore[arg-type]
            )
        if no_verify:
            notes.append("pre-commit and commit-msg hooks skipped (--no-verify)")
        final = cleanup.after_hooks(final, cleanup.before_hooks(message))
        if not final.strip():
            raise GitRefusal("Not committed: the commit message is empty.")
        if fast is not None:
            lock.write(fast.with_entry(path, str(blob), mode))
        else:
            lock.write(index_bytes_with(repo, path, blob, FileMode(mode)))
        adjust_shared([lock.lock], perm)  # the new index keeps group write, as git's would
        subject = final.split("\n", 1)[0]
        for attempt in (1, 2):
            parents = [head.oid] if head.oid is not None else []
            reflog = f"commit{' (initial)' if not parents else ''}: {subject}"
            if plan is None:
                new = repo.create_commit(None, author, committer, final, tree, parents)
            else:
                content = repo.create_commit_string(author, committer, final, tree, parents)
                new = repo.create_commit_with_signature(content, sign_commit(plan, content, environ))
            try:
                _advance(repo, head, new, reflog)
                break
            except _RefMoved:
                moved = read_head(repo)
                if attempt == 2 or moved.ref != head.ref or moved.oid is None:
                    raise GitRefusal(
                        f"Not committed: {head.ref or 'HEAD'} moved while committing (another git process?); "
                        "nothing was committed, try again."
                    ) from None
                # Someone committed in between: rebuild on their tip once, never force over it.
                head, base = moved, head_tree(repo, moved)
                tree = tree_with(repo, base, path, blob, mode)
                if tree == base.id:
                    result.sha, result.message = str(head.oid), f"already committed ({str(head.oid)[:7]})"
                    return result
                notes.append("the branch moved during the commit; it was recomputed on the new tip")
        try:
            lock.commit()
        except OSError as exc:  # the branch already moved: say how to resync rather than crash
            raise GitRefusal(
                f"Committed {str(new)[:7]} but the index could not be replaced ({exc.strerror}); "
                f"run `git reset -q -- {path}` to resync it."
            ) from None
    if staged is not None and staged.id != blob and (old is None or staged.id != old.id):
        notes.append(f"a previously staged version of {path} was superseded")
    if head.ref is None:
        notes.append(f"HEAD is detached: commit {str(new)[:7]} is on no branch; keep it with `git branch <name> {new}`")
    if perm:
        refs = [Path(repo.path) / "logs" / "HEAD"]
        if head.ref is not None:
            refs += [common_dir(repo) / head.ref, common_dir(repo) / "logs" / head.ref]
        adjust_shared(object_files(repo, [new, blob, *_trees_to(repo, tree, path)]) + refs, perm)
    run_post_commit(repo, environ, notes)
    result.sha, result.created, result.signed, result.commit_message = str(new), True, plan is not None, final
    where = f"on {result.branch}" if result.branch else "on a detached HEAD"
    result.message = f"Committed {str(new)[:7]} {where}"
    return result
