"""Atomic writes and the file moves the session store needs: replace, backups, move-aside, orphan temps."""

from __future__ import annotations

import os
import errno
import re
import secrets
import stat
from pathlib import Path

from planner_tui.core.storage.lock import pid_alive

__all__ = [
    "atomic_write_text",
    "replace_with",
    "sweep_orphans",
    "atomic_write",
    "fsync_dir",
    "write_new",
    "move_aside",
    "move_to",
    "rotate_backups",
    "backup_paths",
    "temp_files",
    "BACKUPS",
]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

BACKUPS = 3
"""How many rotating backups (`<name>.bak.1` newest … `.bak.3` oldest) are kept."""


def fsync_dir(directory: Path) -> None:
    """Flush a folder's entries so a rename survives power loss (best effort where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        # Some filesystems refuse fsync on folders; the rename is done and visible either way,
        # and reporting "not saved" here would make the caller distrust a file that is on disk.
        pass
    finally:
        os.close(fd)


def _temp_name(target: Path) -> Path:
    # The pid tells orphans (writer dead) from a live writer's temp; the name matches what
    # safefs.sweep_orphans expects: `.<name>.<anything>.<8 hex>.tmp`.
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, old-or-new only: temp in the same folder, fsync, rename, fsync folder.

    A symlinked file is followed, so the link is preserved and the real target is replaced.
    A new file is private to its owner (0600). On any error the temp file is removed, the
    original is untouched, and the OSError raised.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    replace_with(target, data, _temp_name(target), mode=0o600)
    fsync_dir(target.parent)


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
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
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
    try:
        if not (link and _link_copy(path, tmp)):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        slots = backup_paths(path)
        for older, newer in zip(reversed(slots[1:]), reversed(slots[:-1])):
            if newer.exists():
                os.replace(newer, older)
        os.replace(tmp, slots[0])
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def temp_files(path: Path, *, include_live: bool = False) -> list[Path]:
    """Temp files left next to `path` by writers that died (newest first).

    Temps whose writer pid is still alive are being written right now and are skipped.
    """
    found = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    for name in names:
        match = _TEMP.match(name)
        if not match or match["name"] != path.name:
            continue
        if not include_live and pid_alive(int(match["pid"])):
            continue
        found.append(path.parent / name)

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(found, key=mtime, reverse=True)


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return  # some platforms cannot open folders; the rename itself has happened
    try:
        os.fsync(dfd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(dfd)


def replace_with(target: Path, data: bytes, tmp: Path, *, mode: int = 0o666) -> None:
    """Write data to the new file `tmp`, fsync it and rename it over `target` (not the folder).

    The one copy of the sequence both the plan and the session store rely on: `tmp` is created
    exclusively (never through a symlink) in target's folder, takes target's permissions when
    target exists (`mode` otherwise), and is renamed only once its bytes are on disk. On error
    the temp file is removed and the OSError re-raised unchanged; target is untouched.
    """
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC | _O_NOFOLLOW, mode)
    try:
        try:
            try:
                os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)  # an EIO here is a failure: never rename unsynced data over the old file
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Replace path's content with text so a reader only ever sees the old or the new file.

    Writes `.<name>.<random>.tmp` in the same folder as the real target, fsyncs it, renames it
    over the target and fsyncs the folder. A symlink at `path` is kept and its target written.
    Always LF line endings, UTF-8 without BOM. On error the temp file is removed and the
    OSError re-raised unchanged; the old file is untouched.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    data = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").encode("utf-8")
    replace_with(target, data, directory / f".{target.name}.{secrets.token_hex(4)}.tmp")
    _fsync_dir(directory)


def sweep_orphans(directory: Path, stem: str) -> list[Path]:
    """List temp files an interrupted `atomic_write_text` left for target `stem`, newest first.

    `stem` is the target's file name (`session.json`) or its start (`session`). Nothing is
    deleted: the caller decides whether to offer, quarantine or remove them.
    """
    pattern = re.compile(rf"^\.{re.escape(stem)}(?:\..+)?\.[0-9a-f]{{8}}\.tmp$")
    found: list[tuple[float, str, Path]] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                mtime = entry.stat(follow_symlinks=False).st_mtime
                found.append((mtime, entry.name, Path(entry.path)))
        except OSError:
            continue
    found.sort(key=lambda item: (-item[0], item[1]))
    return [p for _, _, p in found]
