"""Read project files without leaving the project, blocking or crashing."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from pydantic import BaseModel

__all__ = [
    "ReadResult",
    "human_size",
    "OUTSIDE",
    "NOT_REGULAR",
    "BINARY",
    "DEFAULT_MAX_BYTES",
    "looks_outside",
    "resolve_inside",
    "remembering_folders",
    "probe",
    "read_text_safely",
]

DEFAULT_MAX_BYTES = 2_000_000
OUTSIDE = "outside the project (not followed)"
NOT_REGULAR = "not a regular file"
BINARY = "binary file, not shown"
LOOP = "symlink loop (not followed)"
CHANGED = "the file changed while it was being opened (not read)"
VANISHED = "the file disappeared before it could be read"

_SNIFF = 8000  # git's FIRST_FEW_BYTES: a NUL in here means binary
_MAGIC = (
    b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"%PDF-"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_HAVE_DIR_FD = os.open in os.supports_dir_fd and bool(_O_NOFOLLOW and _O_DIRECTORY)


class ReadResult(BaseModel):
    """What reading one project file gave: its text, or why there is none."""

    path: str
    """The path as asked for, project-relative posix."""
    state: Literal["present", "missing", "refused"]
    reason: str | None = None
    """Why the file is missing, refused or truncated, in words a person understands."""
    text: str = ""
    """The decoded text (CRLF turned into LF); empty unless present."""
    size: int | None = None
    """Size on disk in bytes, when known."""
    truncated: bool = False
    mtime: float | None = None


def looks_outside(rel: str) -> bool:
    """True for references that point outside the project by their very form.

    Absolute paths, `~`, URL schemes (also `file:`), drive letters (`C:`), NUL bytes and
    percent-encoded traversal (`%2e%2e/`).
    """
    if not rel or "\x00" in rel:
        return True
    if rel.startswith(("/", "~")) or _SCHEME.match(rel):  # also catches `C:` drive paths
        return True
    if _PCT.search(rel):
        # `%2e%2e/secret` means `../secret` to anything that decodes it later: judge the decoded
        # form too, so no layer can be tricked into walking out.
        decoded = unquote(rel).replace("\\", "/")
        if decoded.startswith(("/", "~")) or _SCHEME.match(decoded) or ".." in decoded.split("/"):
            return True
    return False


_REAL_FOLDERS: ContextVar[tuple[dict[str, str], dict[str, str]] | None] = ContextVar("real_folders", default=None)
"""Within `remembering_folders`: each folder's real path (strict), and each root's (not strict)."""


@contextmanager
def remembering_folders() -> Iterator[None]:
    """Within, `resolve_inside` resolves each folder once: listing an epic resolves about a hundred
    paths in a handful of folders, and a path's resolution asks the file system about every one
    of its components (1,300 calls for the demo's list, against 170). A file that is a symlink is
    still resolved whole; opening never relies on this (it walks the path without following)."""
    token = _REAL_FOLDERS.set(({}, {}))
    try:
        yield
    finally:
        _REAL_FOLDERS.reset(token)


def _realpath(path: str, strict: bool) -> str:
    """os.path.realpath, from the folder's remembered real path when `remembering_folders` is on."""
    remembered = _REAL_FOLDERS.get()
    if remembered is None or not strict:
        return os.path.realpath(path, strict=strict)
    folders = remembered[0]
    folder, name = os.path.split(path)
    real_folder = folders.get(folder)
    if real_folder is None:
        real_folder = folders[folder] = os.path.realpath(folder, strict=True)
    candidate = os.path.join(real_folder, name)
    if stat.S_ISLNK(os.lstat(candidate).st_mode):
        return os.path.realpath(path, strict=True)
    return candidate


def _real_root(root: Path) -> str:
    remembered = _REAL_FOLDERS.get()
    if remembered is None:
        return os.path.realpath(root)
    roots, key = remembered[1], str(root)
    real = roots.get(key)
    if real is None:
        real = roots[key] = os.path.realpath(root)
    return real


def resolve_inside(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """Resolve a project-relative reference to its real path inside the real root.

    Returns `(real_path, None)` when it stays inside the root (the file may not exist), or
    `(None, reason)` when it does not. Backslashes count as separators (Windows-written links).
    The reason for anything outside the root is always `OUTSIDE`, whether it exists or not.
    """
    rel = rel.replace("\\", "/")
    if looks_outside(rel):
        return None, OUTSIDE
    # Plain strings until the answer (pathlib's objects cost more than the checks, a hundred
    # paths per listing); both sides are absolute and normalised, so "inside" is the root itself
    # or the root and a separator at the start, never a bare prefix (proj-evil is not proj).
    root_real = _real_root(root)
    inside = root_real.rstrip(os.sep) + os.sep

    def is_inside(path: str) -> bool:
        return path == root_real or path.startswith(inside)

    lexical = os.path.normpath(os.path.join(root_real, rel))
    if not is_inside(lexical):
        return None, OUTSIDE
    try:
        real = _realpath(lexical, True)
    except (FileNotFoundError, NotADirectoryError):
        try:
            real = os.path.realpath(lexical)
        except OSError:
            return None, CHANGED
    except OSError as exc:
        try:
            real = os.path.realpath(lexical)
        except OSError:
            return None, CHANGED  # a symlink was swapped while it was being resolved
        if not is_inside(real):
            return None, OUTSIDE
        if exc.errno == errno.ELOOP:
            return None, LOOP
        if exc.errno == errno.EINVAL:
            return None, CHANGED  # readlink found a file where a symlink just was
        if isinstance(exc, PermissionError):
            return None, "permission denied"
        return None, f"cannot resolve: {exc.strerror or exc}"
    if not is_inside(real):
        return None, OUTSIDE
    return Path(real), None


def _open_nofollow(root_real: Path, real: Path) -> int:
    """Open a resolved path component by component so no symlink can be swapped in on the way."""
    flags = os.O_RDONLY | _O_NONBLOCK | _O_NOFOLLOW | _O_CLOEXEC | _O_NOCTTY
    if not _HAVE_DIR_FD:
        return os.open(real, flags)
    parts = real.relative_to(root_real).parts
    dfd = os.open(root_real, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=dfd)
            os.close(dfd)
            dfd = nxt
        return os.open(parts[-1], flags, dir_fd=dfd)
    finally:
        os.close(dfd)


def _error_result(path: str, exc: OSError) -> ReadResult:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return ReadResult(path=path, state="missing", reason=VANISHED)
    if isinstance(exc, PermissionError):
        return ReadResult(path=path, state="refused", reason="permission denied")
    if exc.errno == errno.ELOOP:
        return ReadResult(path=path, state="refused", reason=CHANGED)
    if exc.errno in (errno.ENXIO, errno.EISDIR, errno.ENODEV):
        return ReadResult(path=path, state="refused", reason=NOT_REGULAR)
    return ReadResult(path=path, state="refused", reason=f"cannot read: {exc.strerror or exc}")


def _open_checked(root: Path, rel: str) -> tuple[int, os.stat_result] | ReadResult:
    """Open rel read-only after every check, or say why not. The caller closes the fd."""
    shown = rel.replace("\\", "/")
    real, why = resolve_inside(root, rel)
    if real is None:
        return ReadResult(path=shown, state="refused", reason=why)
    root_real = Path(os.path.realpath(root))
    try:
        before = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        return ReadResult(path=shown, state="missing", reason="not found")
    except OSError as exc:
        return _error_result(shown, exc)
    # Never open FIFOs, devices, sockets or folders: opening a FIFO blocks until a writer comes.
    if not stat.S_ISREG(before.st_mode) or real == root_real:
        return ReadResult(path=shown, state="refused", reason=NOT_REGULAR)
    try:
        fd = _open_nofollow(root_real, real)
    except OSError as exc:
        return _error_result(shown, exc)
    try:
        after = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        return _error_result(shown, exc)
    if not stat.S_ISREG(after.st_mode):
        os.close(fd)
        return ReadResult(path=shown, state="refused", reason=NOT_REGULAR)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)  # swapped between the check and the open
        return ReadResult(path=shown, state="refused", reason=CHANGED)
    return fd, after


def _read_upto(fd: int, limit: int, size: int = 0) -> bytes:
    """At most `limit` bytes of `fd`. `size`, the file's size as stat saw it, lets a whole file
    come in one read, kept as read (a 2 MB PRD in 1 MB pieces was read, then copied whole)."""
    chunks: list[bytes] = []
    left = limit
    step = max(size + 1, 1 << 16)  # one byte more than stat saw: a file that grew is read on
    while left > 0:
        chunk = os.read(fd, min(left, step))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
        step = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _is_binary(head: bytes) -> bool:
    if head.startswith(_MAGIC):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text is full of NULs by nature
    return b"\x00" in head[:_SNIFF]


def _decode(data: bytes) -> str:
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break  # not really UTF-16/32 (e.g. invalid UTF-8 that starts with \xff\xfe)
    return data.decode("utf-8-sig", errors="replace")


def human_size(n: int) -> str:
    """A byte count as people read it: `980 bytes`, `14 kB`, `5.3 MB`."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.0f} kB"
    return f"{n} bytes"


def probe(root: Path, rel: str) -> ReadResult:
    """Check a file like `read_text_safely` would, reading only its first 8000 bytes; no text."""
    opened = _open_checked(root, rel)
    if isinstance(opened, ReadResult):
        return opened
    fd, st = opened
    shown = rel.replace("\\", "/")
    try:
        head = _read_upto(fd, _SNIFF)
    except OSError as exc:
        return _error_result(shown, exc)
    finally:
        os.close(fd)
    state = "refused" if _is_binary(head) else "present"
    reason = BINARY if state == "refused" else None
    return ReadResult(path=shown, state=state, reason=reason, size=st.st_size, mtime=st.st_mtime)


def read_text_safely(root: Path, rel: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read a project-relative text file, refusing anything unsafe; never raises for the file.

    Refused: paths outside the real root (also through symlinks, `..`, `~`, URLs, drive letters
    or percent-encoding), symlink loops, anything that is not a regular file (never blocks on a
    FIFO), a file swapped between check and open, and binary files. Files over `max_bytes` are
    cut at a line boundary and marked truncated. Text is decoded as UTF-8 (BOM skipped, bad
    bytes replaced) or UTF-16/32 when it starts with that BOM.
    """
    opened = _open_checked(root, rel)
    if isinstance(opened, ReadResult):
        return opened
    fd, st = opened
    shown = rel.replace("\\", "/")
    cap = max(max_bytes, 0)
    try:
        data = _read_upto(fd, cap + 1, st.st_size)
    except OSError as exc:
        return _error_result(shown, exc)
    finally:
        os.close(fd)
    if _is_binary(data[:_SNIFF]):
        return ReadResult(
            path=shown, state="refused", reason=BINARY, size=st.st_size, mtime=st.st_mtime
        )
    truncated = len(data) > cap
    reason = None
    if truncated:
        data = data[:cap]
        cut = data.rfind(b"\n")
        if cut > 0:
            data = data[: cut + 1]
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) and len(data) % 2:
            data = data[:-1]  # keep UTF-16 code units whole
        size = max(st.st_size, cap + 1)
        reason = (
            f"truncated: showing the first {human_size(len(data))} of {human_size(size)} (cap {human_size(cap)})"
        )
    text = _decode(data)
    if "\r" in text:  # a memchr; the replace copies the whole text even when there is nothing to replace
        text = text.replace("\r\n", "\n")
    return ReadResult(
        path=shown,
        state="present",
        reason=reason,
        text=text,
        size=st.st_size,
        truncated=truncated,
        mtime=st.st_mtime,
    )
