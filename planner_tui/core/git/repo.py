"""Read a repository without changing it: HEAD, its state, a path's committed text and status."""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
from pygit2.enums import ObjectType, ReferenceType, RepositoryState
from typing import NamedTuple

from planner_tui.core.errors import GitRefusal

__all__ = [
    "Head",
    "RepoInfo",
    "UnreadableFormat",
    "committed_text",
    "head_tree",
    "index_path",
    "open_repo",
    "path_status",
    "read_head",
    "repo_info",
    "repo_state",
    "short_branch",
    "target_path",
    "tree_entry",
]

_STATES = {
    RepositoryState.NONE: "none",
    RepositoryState.MERGE: "merge",
    RepositoryState.REVERT: "revert",
    RepositoryState.REVERT_SEQUENCE: "revert",
    RepositoryState.CHERRYPICK: "cherry-pick",
    RepositoryState.CHERRYPICK_SEQUENCE: "cherry-pick",
    RepositoryState.BISECT: "bisect",
    RepositoryState.REBASE: "rebase",
    RepositoryState.REBASE_INTERACTIVE: "rebase",
    RepositoryState.REBASE_MERGE: "rebase",
    RepositoryState.APPLY_MAILBOX: "am",
    RepositoryState.APPLY_MAILBOX_OR_REBASE: "rebase",
}
# Checked by hand as well: libgit2 misses some (e.g. a bisect started from a linked worktree).
_STATE_FILES = (
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    ("BISECT_LOG", "bisect"),
)


class RepoInfo(NamedTuple):
    """Where the repository is and what HEAD looks like."""

    workdir: Path | None
    git_dir: Path
    branch: str | None
    """Short branch name (`main`, `feature/x`), None when detached."""
    detached: bool
    unborn: bool
    state: str
    """`none`, `merge`, `rebase`, `cherry-pick`, `revert`, `bisect` or `am`."""
    bare: bool
    head: str | None = None
    """Full sha of HEAD's commit, None when unborn."""


class Head(NamedTuple):
    ref: str | None  # the branch ref HEAD points at; None when detached
    oid: pygit2.Oid | None  # None when unborn


def target_path(root: Path, rel_path: str) -> Path:
    """The absolute path of the file, with symlinked parent folders resolved (not the file itself)."""
    full = Path(os.path.normpath(Path(root).expanduser().absolute() / rel_path))
    return full.parent.resolve() / full.name


def existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class UnreadableFormat(GitRefusal):
    """The repository's object format (SHA-256) is one libgit2 cannot read or write."""


def open_repo(start: Path) -> pygit2.Repository | None:
    """The repository containing `start`, None if there is none.

    A repository in an object format libgit2 lacks raises UnreadableFormat naming it; any other
    refusal (another owner) becomes GitRefusal naming `safe.directory`.
    """
    found = pygit2.discover_repository(str(existing_parent(start)))
    if not found:
        return None
    try:
        return pygit2.Repository(found)
    except pygit2.GitError as exc:
        if "object format" in str(exc):  # extensions.objectFormat = sha256: ownership is not the problem
            raise UnreadableFormat(
                f"this repository names its objects with SHA-256 (extensions.objectFormat), which "
                f"libgit2 {pygit2.LIBGIT2_VERSION}, the git library planner-tui commits with, cannot write"
            ) from None
        top = Path(found.rstrip("/"))
        top = top.parent if top.name == ".git" else top
        raise GitRefusal(
            f"{exc} (if you trust this repository: git config --global --add safe.directory {top})"
        ) from None


def repo_state(repo: pygit2.Repository) -> str:
    name = _STATES.get(repo.state(), "none")
    if name != "none":
        return name
    git_dir = Path(repo.path)
    return next((label for fname, label in _STATE_FILES if (git_dir / fname).exists()), "none")


_SYMREF_DEPTH = 5
"""How many symbolic refs git follows from HEAD before it gives up."""


def read_head(repo: pygit2.Repository) -> Head:
    """HEAD as the branch ref it ends at, followed through symbolic refs (HEAD -> alias -> main) as git does."""
    head = repo.lookup_reference("HEAD")
    if head.type != ReferenceType.SYMBOLIC:
        return Head(None, head.target)
    name = str(head.target)
    for _ in range(_SYMREF_DEPTH):
        try:
            ref = repo.lookup_reference(name)
        except (KeyError, pygit2.GitError, ValueError):
            return Head(name, None)  # unborn: the commit creates this ref
        if ref.type != ReferenceType.SYMBOLIC:
            return Head(name, ref.target)
        name = str(ref.target)
    raise GitRefusal(f"HEAD leads through more than {_SYMREF_DEPTH} symbolic refs (at {name}); git gives up there too.")


def short_branch(ref: str | None) -> str | None:
    return ref.removeprefix("refs/heads/") if ref else None


def repo_info(path: Path) -> RepoInfo | None:
    """Describe the repository containing `path`; None when it is not inside one.

    A repository libgit2 refuses to open (another owner, see `safe.directory`) raises GitRefusal.
    """
    try:
        repo = open_repo(Path(path).expanduser().absolute())
    except UnreadableFormat:
        return None  # nothing about HEAD can be read; the commit says why
    if repo is None:
        return None
    if repo.is_bare:
        return RepoInfo(None, Path(repo.path), None, False, False, "none", True)
    head = read_head(repo)
    return RepoInfo(
        workdir=Path(repo.workdir),
        git_dir=Path(repo.path),
        branch=short_branch(head.ref),
        detached=head.ref is None,
        unborn=head.oid is None,
        state=repo_state(repo),
        bare=False,
        head=str(head.oid) if head.oid else None,
    )


def index_path(repo: pygit2.Repository, target: Path) -> str:
    workdir = Path(repo.workdir).resolve()
    try:
        rel = target.relative_to(workdir)
    except ValueError:
        raise GitRefusal(f"Not committed: {target} is outside the work tree {workdir}.") from None
    if not rel.parts or rel.parts[0] == ".git":
        raise GitRefusal(f"Not committed: {target} is not a file of the work tree.")
    return rel.as_posix()


def head_tree(repo: pygit2.Repository, head: Head) -> pygit2.Tree | None:
    return repo[head.oid].peel(pygit2.Tree) if head.oid is not None else None


def tree_entry(tree: pygit2.Tree | None, path: str) -> pygit2.Object | None:
    if tree is None:
        return None
    try:
        return tree[path]
    except KeyError:
        return None


def committed_text(root: Path, rel_path: str) -> str | None:
    """The file's content at HEAD as stored in git (UTF-8, invalid bytes replaced); None if absent."""
    target = target_path(Path(root), rel_path)
    try:
        repo = open_repo(target.parent)
    except UnreadableFormat:
        return None
    if repo is None or repo.is_bare:
        return None
    try:
        path = index_path(repo, target)
        obj = tree_entry(head_tree(repo, read_head(repo)), path)
    except GitRefusal:
        return None
    if obj is None or obj.type != ObjectType.BLOB:
        return None
    return obj.peel(pygit2.Blob).data.decode("utf-8", errors="replace")


def path_status(root: Path, rel_path: str) -> str:
    """`untracked`, `unchanged`, `modified` (vs HEAD, through filters), `new` (staged only) or `not-git`."""
    target = target_path(Path(root), rel_path)
    try:
        repo = open_repo(target.parent)
    except UnreadableFormat:
        return "not-git"
    if repo is None or repo.is_bare:
        return "not-git"
    try:
        path = index_path(repo, target)
    except GitRefusal:
        return "not-git"
    obj = tree_entry(head_tree(repo, read_head(repo)), path)
    if obj is None:
        try:
            return "new" if path in repo.index else "untracked"
        except pygit2.GitError:
            return "untracked"
    if not target.is_file():
        return "modified"
    try:
        return "unchanged" if repo.hashfile(path) == obj.id else "modified"
    except pygit2.GitError:
        return "modified"
