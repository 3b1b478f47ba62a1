"""The git index under git's lockfile protocol: lock, build trees and index bytes, rename into place."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pygit2
import pygit2.enums
from pygit2.enums import FileMode

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.hooks import common_dir
from planner_tui.core.git.identity import config_bool, config_str

__all__ = [
    "INDEX_LOCKED",
    "IndexLock",
    "read_index",
    "tree_with",
    "index_bytes_with",
    "hook_index",
    "index_file_tree",
    "no_attributes",
    "workdir_blob",
]

INDEX_LOCKED = "Another git process is using this repository (.git/index.lock); try again when it finishes."


class IndexLock:
    """`<git dir>/index.lock` taken with O_EXCL, like git; removed on every path unless committed.

    We never delete a lock we did not create: an existing one means another git is running.
    """

    def __init__(self, git_dir: Path) -> None:
        self.index = git_dir / "index"
        self.lock = git_dir / "index.lock"
        self._fd: int | None = None
        self._committed = False

    def __enter__(self) -> IndexLock:
        try:
            self._fd = os.open(self.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise GitRefusal(INDEX_LOCKED) from None
        except OSError as exc:
            raise GitRefusal(f"Cannot lock the git index ({exc.strerror}); nothing was committed.") from None
        return self

    def write(self, data: bytes) -> None:
        """Write the complete new index into the lock file and flush it to disk."""
        assert self._fd is not None
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)

    def commit(self) -> None:
        """Rename the lock file over the index: the new index appears atomically."""
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        os.replace(self.lock, self.index)
        self._committed = True

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if not self._committed:
            self.lock.unlink(missing_ok=True)


def read_index(repo: pygit2.Repository) -> pygit2.Index:
    """The repository's index freshly read from disk; GitRefusal when libgit2 cannot read it."""
    try:
        index = repo.index
        index.read(True)
    except pygit2.GitError as exc:
        text = str(exc)
        if "sdir" in text:
            raise GitRefusal(
                f"Not committed: this repository uses a sparse index, which libgit2 cannot read ({text}); "
                "commit with the git command line instead."
            ) from None
        raise GitRefusal(f"Not committed: the git index cannot be read ({text}).") from None
    if index.conflicts is not None:
        raise GitRefusal("Not committed: the index has unmerged paths; resolve the conflicts first.")
    return index


def tree_with(
    repo: pygit2.Repository, base: pygit2.Tree | None, path: str, blob: pygit2.Oid, mode: int
) -> pygit2.Oid:
    """The id of `base` (or the empty tree) with only `path` set to `blob`: git's `commit --only` tree.

    Only the trees on the way to `path` are rebuilt (a tree builder per folder), so the cost
    does not grow with the size of the repository.
    """
    parts = path.split("/")
    try:
        trees: list[pygit2.Tree | None] = [base]
        for name in parts[:-1]:
            parent = trees[-1]
            child = None
            if parent is not None and name in parent:
                found = parent[name]
                child = found if found.type == pygit2.enums.ObjectType.TREE else None
                if child is None:
                    raise GitRefusal(f"Not committed: {path} cannot be added to the tree ({name} is a file in HEAD).")
            trees.append(child)
        oid, oid_mode = blob, FileMode(mode)
        for name, tree in zip(reversed(parts), reversed(trees)):
            builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
            builder.insert(name, oid, oid_mode)
            oid, oid_mode = builder.write(), FileMode.TREE
        return oid
    except (pygit2.GitError, ValueError) as exc:
        raise GitRefusal(f"Not committed: {path} cannot be added to the tree ({exc}).") from None


def _smudge_racily_clean(index: pygit2.Index, stamp: float) -> None:
    """Zero the cached size of entries as new as the old index file, as git does on every write.

    A file changed within the same second the old index was written still looks clean by stat;
    the old index's mtime was what made git re-check it. Our new index is newer, so without
    this a same-size edit would vanish from `git status`. Size 0 makes git compare content.
    """
    try:
        from pygit2.ffi import C  # private but stable for pygit2 1.x

        handle = index._index
        for i in range(len(index)):
            entry = C.git_index_get_byindex(handle, i)
            if entry.mtime.seconds >= int(stamp):
                entry.file_size = 0
    except (ImportError, AttributeError):  # pragma: no cover - other pygit2 builds
        pass


def index_bytes_with(repo: pygit2.Repository, path: str, blob: pygit2.Oid, mode: int) -> bytes:
    """The bytes of the current index with only `path`'s entry replaced; other entries keep their ids."""
    git_dir = Path(repo.path)
    current = git_dir / "index"
    fd, name = tempfile.mkstemp(prefix="index.planner.", dir=git_dir)
    os.close(fd)
    tmp = Path(name)
    try:
        stamp = 0.0
        if current.exists():
            shutil.copyfile(current, tmp)
            stamp = current.stat().st_mtime
        else:
            tmp.unlink()  # libgit2 opens a missing index as empty, but not a zero-byte file
        scratch = pygit2.Index(str(tmp))
        if stamp:
            _smudge_racily_clean(scratch, stamp)
        scratch.add(pygit2.IndexEntry(path, blob, FileMode(mode)))
        scratch.write()
        return tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
        Path(name + ".lock").unlink(missing_ok=True)


@contextmanager
def hook_index(repo: pygit2.Repository, tree: pygit2.Oid) -> Iterator[Path]:
    """A temporary index file holding exactly `tree`, for hooks to see what is being committed."""
    fd, name = tempfile.mkstemp(prefix="index.planner-hook.", dir=repo.path)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        scratch = pygit2.Index(str(tmp))
        scratch.read_tree(repo[tree])
        scratch.write()
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        Path(name + ".lock").unlink(missing_ok=True)


def index_file_tree(repo: pygit2.Repository, index_file: Path) -> pygit2.Oid | None:
    """The tree an index file describes now (None when a hook removed or broke it)."""
    try:
        return pygit2.Index(str(index_file)).write_tree(repo)
    except (pygit2.GitError, OSError):
        return None


def _attribute_files(repo: pygit2.Repository, common: Path) -> list[Path]:
    """Every attributes file outside the work tree that git or libgit2 would read."""
    files = [common / "info" / "attributes", Path("/etc/gitattributes")]
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    files.append(Path(xdg) / "git" / "attributes")
    try:
        configured = repo.config["core.attributesFile"]
    except (KeyError, pygit2.GitError, ValueError):
        configured = None
    if configured:
        files.append(Path(os.path.expanduser(str(configured))))
    try:
        system = pygit2.settings.search_path[pygit2.enums.ConfigLevel.SYSTEM]
    except (AttributeError, KeyError, ValueError, pygit2.GitError):  # pragma: no cover - old pygit2
        system = ""
    files += [Path(d) / "gitattributes" for d in str(system or "").split(os.pathsep) if d]
    return files


def no_attributes(repo: pygit2.Repository, path: str, common: Path, in_index) -> bool:
    """True when no gitattributes and no autocrlf can apply to path, so its blob is its bytes.

    libgit2 looks up attributes in the index too, which for a big repository means reading the
    whole index (tens of milliseconds); when no attributes file exists anywhere that could
    apply (work tree, `in_index(name)`, info/attributes, the global and system files) and
    core.autocrlf is off, no filter can change the file, and hashing its bytes is the same.
    """
    try:
        autocrlf = repo.config["core.autocrlf"]
    except (KeyError, pygit2.GitError, ValueError):
        autocrlf = None
    if autocrlf is not None and str(autocrlf).lower() not in ("false", "no", "off", "0", ""):
        return False
    if any(f.exists() for f in _attribute_files(repo, common)):
        return False
    workdir = Path(repo.workdir)
    folders = path.split("/")[:-1]
    for depth in range(len(folders) + 1):
        name = "/".join(folders[:depth] + [".gitattributes"])
        if (workdir / name).exists() or in_index(name):
            return False
    return True


def workdir_blob(
    repo: pygit2.Repository,
    path: str,
    target: Path,
    old: pygit2.Object | None,
    staged: Callable[[str], str | None] | None = None,
) -> tuple[pygit2.Oid, int]:
    """Hash the work-tree file through git's filters (eol, autocrlf, ident) and pick its mode.

    `staged(name)` looks a path up in the index without libgit2 (see IndexFile); with it, a
    file no attribute can apply to is hashed from its bytes, sparing libgit2 a read of the
    whole index.
    """
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        raise GitRefusal(f"Not committed: {path} does not exist in the work tree.") from None
    if stat.S_ISDIR(st.st_mode):
        raise GitRefusal(f"Not committed: {path} is a folder, not a file.")
    plain = (
        staged is not None
        and stat.S_ISREG(st.st_mode)
        and no_attributes(repo, path, common_dir(repo), lambda name: staged(name) is not None)
    )
    name = None if plain else repo.get_attr(path, "filter")
    if isinstance(name, str) and (
        config_str(repo.config, f"filter.{name}.clean") or config_str(repo.config, f"filter.{name}.process")
    ):
        raise GitRefusal(f"Not committed: {path} uses the '{name}' git filter, which libgit2 cannot run.")
    if stat.S_ISLNK(st.st_mode):
        mode = int(FileMode.LINK)
    elif not config_bool(repo.config, "core.fileMode", True) and old is not None:
        mode = int(old.filemode)  # git keeps the recorded mode when it cannot trust the file system
    else:
        mode = int(FileMode.BLOB_EXECUTABLE if st.st_mode & 0o111 else FileMode.BLOB)
    try:
        if plain:  # no filter applies: the blob is the file's bytes (libgit2 would read the index)
            return repo.create_blob(target.read_bytes()), mode
        return repo.create_blob_fromworkdir(path), mode
    except OSError as exc:
        raise GitRefusal(f"Not committed: {path} cannot be read ({exc.strerror or exc}).") from None
    except pygit2.GitError as exc:
        raise GitRefusal(f"Not committed: {path} cannot be read into git ({exc}).") from None
