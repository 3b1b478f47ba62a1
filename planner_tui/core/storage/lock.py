"""An exclusive lock file (O_CREAT|O_EXCL, holding pid and host) with stale-lock takeover."""

from __future__ import annotations

import errno
import os
import random
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from planner_tui.core.errors import SessionError, SessionLocked

try:  # flock only serialises competing takeovers; without it takeover is still pid-checked
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["LockInfo", "LockFile", "pid_alive", "read_lock", "HOSTNAME"]

HOSTNAME = socket.gethostname()
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}
"""link(2) errors meaning "no hard links here" (vfat, some FUSE and network file systems)."""
_EMPTY_GRACE = 5.0
"""Seconds an empty lock file is still respected (another tool, or a file system without hard links
whose writer died between create and write)."""


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this host (a zombie counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by somebody else
        return True
    except OSError:
        return True
    return True


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says about its holder."""

    pid: int | None
    host: str | None
    age: float
    """Seconds since the lock file was last modified."""

    @property
    def stale(self) -> bool:
        """The holder is certainly gone: a dead pid on this host, or an old empty lock."""
        if self.pid is None:
            return self.age > _EMPTY_GRACE
        return self.host == HOSTNAME and not pid_alive(self.pid)

    def describe(self) -> str:
        if self.pid is None:
            return "a process that left no pid"
        where = "this host" if self.host == HOSTNAME else (self.host or "an unknown host")
        return f"process {self.pid} on {where}"


def read_lock(path: Path) -> LockInfo | None:
    """The lock's holder, or None when there is no lock file."""
    try:
        with open(path, "rb") as fh:
            content = fh.read(512)
            age = time.time() - os.fstat(fh.fileno()).st_mtime
    except FileNotFoundError:
        return None
    return _parse(content, age)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _parse(content: bytes, age: float) -> LockInfo:
    parts = content.decode("utf-8", "replace").split()
    pid = int(parts[0]) if parts and parts[0].isdigit() else None
    host = parts[1] if len(parts) > 1 else None
    return LockInfo(pid, host, age)


class LockFile:
    """`<file>.lock` created exclusively; use as a context manager around one write.

    A lock whose pid is dead on this host is taken over; a live one is waited for up to
    `timeout` seconds, then SessionLocked names its holder. Release removes only our own file.
    """

    def __init__(self, path: Path, *, timeout: float = 2.0, poll: float = 0.01) -> None:
        self.path = path
        self.timeout = timeout
        self.poll = poll
        self._inode: int | None = None

    @property
    def held(self) -> bool:
        return self._inode is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout`; raises SessionLocked or SessionError."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._inode = self._create()
            except FileExistsError:
                info = read_lock(self.path)
                if info is None:
                    continue  # released between our open and our read
                if info.stale and self._take_over(info):
                    continue
                if time.monotonic() >= deadline:
                    raise SessionLocked(
                        f"The session is locked by {info.describe()} ({self.path.name}); "
                        "close the other planner-tui or wait for it, then try again."
                    ) from None
                # Jitter keeps two waiting processes from retrying in lockstep.
                time.sleep(self.poll * (1 + random.random()))
                continue
            except OSError as exc:
                reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
                raise SessionError(f"Session NOT saved: cannot create the lock {self.path}: {reason}.") from exc
            return

    def _create(self) -> int:
        """Create the lock with our pid already in it and return its inode; FileExistsError if taken.

        The pid is written to a private temp file that is then hard-linked into place, so the lock
        never exists empty: a writer killed between an O_EXCL create and its write would leave an
        empty lock that everybody must respect for a while. Without hard links: O_EXCL, then write.
        """
        content = f"{os.getpid()} {HOSTNAME}\n".encode()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o644)
        try:
            try:
                os.write(fd, content)
                inode = os.fstat(fd).st_ino
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                raise
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                return self._create_exclusive(content)
            return inode
        finally:
            _unlink_quietly(tmp)

    def _create_exclusive(self, content: bytes) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o644)
        try:
            os.write(fd, content)
            return os.fstat(fd).st_ino
        except OSError:
            _unlink_quietly(self.path)
            raise
        finally:
            os.close(fd)

    def _sweep_dead_temps(self) -> None:
        """Remove lock temp files of dead writers (killed between making one and linking it)."""
        prefix = f".{self.path.name}."
        try:
            names = os.listdir(self.path.parent)
        except OSError:
            return
        for name in names:
            parts = name[len(prefix) :].split(".")
            if name.startswith(prefix) and len(parts) == 3 and parts[0].isdigit() and parts[2] == "tmp":
                if not pid_alive(int(parts[0])):
                    _unlink_quietly(self.path.parent / name)

    def _take_over(self, info: LockInfo) -> bool:
        """Remove a stale lock, unless somebody else replaced or removed it meanwhile."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return True
        try:
            if fcntl is not None:
                try:
                    # Only one taker at a time: the others see a different inode afterwards.
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return False
            st = os.fstat(fd)
            current = _parse(os.read(fd, 512), time.time() - st.st_mtime)
            if (current.pid, current.host) != (info.pid, info.host) or not current.stale:
                return False
            try:
                if os.stat(self.path).st_ino != st.st_ino:
                    return True  # already replaced by a new lock: go round again
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError:
                return False  # cannot remove it (permissions): treat it as held
            self._sweep_dead_temps()  # the dead holder may have left one
            return True
        finally:
            os.close(fd)

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if self._inode is None:
            return
        try:
            if os.stat(self.path).st_ino == self._inode:
                os.unlink(self.path)
        except OSError:
            pass  # gone already, or not removable: a later writer sees our dead pid as stale
        finally:
            self._inode = None

    def __enter__(self) -> "LockFile":
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
