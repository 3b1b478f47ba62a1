"""Atomic writes and the file moves the session store needs: replace, backups, move-aside, temp files, state files."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from pydantic_core import from_json, to_json

from planner_tui.core.storage import primed

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "fsync_dir",
    "write_new",
    "move_aside",
    "move_to",
    "rotate_backups",
    "backup_paths",
    "temp_files",
    "BACKUPS",
    "STATE_DIR",
    "make_state_dir",
    "read_json",
    "write_state_json",
]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

STATE_DIR = ".planner-tui"
"""Folder under the project root holding sessions and caches; it ignores itself in git (`.gitignore`: `*`)."""

BACKUPS = 3
"""How many rotating backups (`<name>.bak.1` newest … `.bak.3` oldest) are kept."""


def fsync_dir(directory: Path) -> None:
    """Flush a folder's entries so a rename survives power loss; any failure is ignored."""
    # Every caller has already renamed the new file into place: it is on disk and visible, and
    # raising now cannot undo that. Reporting "not saved" for a file that is saved would make the
    # person distrust it or redo the change, so a folder that cannot be opened or fsynced (some
    # filesystems refuse, or an EIO) is let go; the reliability tests hold saves to this.
    try:
        fd = os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _real_target(path: Path) -> Path:
    """Where a write to `path` lands: a symlinked file is followed, so the link itself is kept."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def _temp_name(target: Path) -> Path:
    # The pid keeps names of concurrent writers apart; temp_files() lists this shape.
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


@contextmanager
def _removed_on_error(tmp: Path) -> Iterator[None]:
    """Remove the temp file when the block fails (it may not exist yet), then re-raise unchanged."""
    try:
        yield
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte and fsync: a short write or an EIO raises before anything relies on it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def make_state_dir(root: Path, sub: str) -> Path:
    """`<root>/.planner-tui/<sub>`, made if missing; the state folder gets its `.gitignore` (`*`)
    only when it is made here, so a person who edits or deletes it to commit sessions is not
    overruled. Raises OSError when the folder cannot be made."""
    state = Path(root) / STATE_DIR
    first = not state.exists()
    (state / sub).mkdir(parents=True, exist_ok=True)
    if first:
        try:
            fd = os.open(state / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass  # another writer made it first
        else:
            try:
                os.write(fd, b"*\n")
            finally:
                os.close(fd)
    return state / sub


def read_json(path: Path) -> Any:
    """A JSON file's data (pydantic-core's parser; the json module for a lone surrogate such as a
    file name that is not UTF-8, which only it reads back); None when it cannot be read or parsed."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    return primed.decoded("json", path, raw)


def _parse_json(raw: bytes) -> Any:
    try:
        return from_json(raw)
    except ValueError:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return None


primed.reader("json", _parse_json)


def write_state_json(root: Path, rel: str, data: Any) -> None:
    """`data` as compact JSON at `<root>/.planner-tui/<rel>`, replaced atomically. For caches,
    which only save time: a state folder that cannot be written is skipped, the caller's answer
    is the same."""
    try:
        raw = to_json(data)
    except ValueError:  # a lone surrogate: the json module escapes it
        raw = json.dumps(data, separators=(",", ":")).encode("ascii")
    folder, _, name = rel.rpartition("/")
    try:
        atomic_write(make_state_dir(root, folder) / name, raw)
    except OSError:
        pass


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace `path` with `data`, old-or-new only: temp in the same folder, fsync, rename, fsync folder.

    The one copy of the sequence the plan and the session store both rely on. A symlinked file
    is followed, so the link is kept and its target replaced. The temp file is created
    exclusively (never through a symlink) beside the target, takes the target's permissions
    when it exists (`mode` for a new file), and is renamed only once its bytes are on disk. On
    any error the temp file is removed, the target is untouched, and the OSError re-raised.
    """
    target = _real_target(path)
    tmp = _temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC | _O_NOFOLLOW, mode)
    with _removed_on_error(tmp):
        try:
            try:
                os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            _write_all(fd, data)  # never rename unsynced data over the old file
        finally:
            os.close(fd)
        os.replace(tmp, target)
    fsync_dir(target.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write` for a text file such as the plan: LF line endings, UTF-8 without BOM, and a
    new file made with the usual permissions (the umask decides) rather than private."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").encode("utf-8")
    atomic_write(path, data, mode=0o666)


def write_new(path: Path, data: bytes, *, mode: int = 0o600) -> Path:
    """Write `data` to `path`, or to `path.2`, `path.3`… if taken; never overwrites. Returns it."""
    candidate, n = path, 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            n += 1
            candidate = path.with_name(f"{path.name}.{n}")
            continue
        try:
            _write_all(fd, data)
        except BaseException:
            os.close(fd)
            os.unlink(candidate)
            raise
        os.close(fd)
        return candidate


def move_aside(path: Path, suffix: str) -> Path:
    """Rename `path` to `<name><suffix>` (adding `.2`, `.3`… if taken) without overwriting anything."""
    return move_to(path, path.with_name(path.name + suffix))


def move_to(path: Path, dest: Path) -> Path:
    """Rename `path` to `dest` (adding `.2`, `.3`… if taken) without overwriting anything; returns it."""
    candidate, n = dest, 1
    while True:
        try:
            # link + unlink cannot clobber an existing file, unlike rename.
            os.link(path, candidate)
        except FileExistsError:
            n += 1
            candidate = dest.with_name(f"{dest.name}.{n}")
            continue
        except OSError:
            if candidate.exists():
                n += 1
                candidate = dest.with_name(f"{dest.name}.{n}")
                continue
            os.rename(path, candidate)  # filesystem without hard links
            return candidate
        os.unlink(path)
        return candidate


def backup_paths(path: Path) -> list[Path]:
    """The rotating backups, newest first (they may not exist)."""
    return [path.with_name(f"{path.name}.bak.{i}") for i in range(1, BACKUPS + 1)]


def _link_copy(path: Path, tmp: Path) -> bool:
    """Make tmp a second name of path's file (no bytes copied); False where links do not work."""
    try:
        os.link(path, tmp)
    except OSError:
        return False
    return True


def rotate_backups(path: Path, data: bytes, *, link: bool = False) -> None:
    """Shift `.bak.1`… down one place and store `data` as the new `.bak.1`.

    The new backup is complete under a temp name before anything is shifted, so a failure
    leaves the existing backups as they were. With `link`, `data` is what `path` holds now and
    is about to be replaced by a rename: the backup is then a hard link to that file (a save of
    a 5 MB session does not write it twice), falling back to a copy where links do not work.
    """
    tmp = _temp_name(path.with_name(path.name + ".bak"))
    with _removed_on_error(tmp):
        if not (link and _link_copy(path, tmp)):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
        slots = backup_paths(path)
        for older, newer in zip(reversed(slots[1:]), reversed(slots[:-1])):
            if newer.exists():
                os.replace(newer, older)
        os.replace(tmp, slots[0])
    fsync_dir(path.parent)


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def temp_files(path: Path) -> list[Path]:
    """Temp files of writes to `path` (beside its target, for a link), newest first.

    Which of them a live writer is still writing is not told by the pid in the name (it may be
    a container's, or from before a reboot): the caller holds the lock every writer holds, as
    the session store's orphans do. Only regular files count: a link or a folder with a temp's
    name is never offered for recovery, so reading an orphan cannot be turned into reading another file.
    """
    path = _real_target(path)
    found: list[tuple[float, str, Path]] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    for entry in entries:
        match = _TEMP.match(entry.name)
        if not match or match["name"] != path.name:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue  # gone meanwhile
        found.append((mtime, entry.name, Path(entry.path)))
    found.sort(key=lambda item: (-item[0], item[1]))
    return [p for _, _, p in found]
