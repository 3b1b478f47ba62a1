"""The session lock: a kernel file lock (filelock) that dies with its holder, plus a note of who holds it."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from planner_tui.core.errors import SessionError, SessionLocked

__all__ = ["LockInfo", "LockFile", "pid_alive", "read_lock", "note_path", "HOSTNAME", "PID_NAMESPACE"]

HOSTNAME = socket.gethostname()
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _pid_namespace() -> str:
    # A pid means something only inside its PID namespace (a container has its own); the note
    # names it so that "process 7" from a container is not mistaken for this host's process 7.
    try:
        return os.readlink("/proc/self/ns/pid").replace(" ", "")
    except OSError:
        return ""


PID_NAMESPACE = _pid_namespace()
"""This process's PID namespace (`pid:[4026531836]`), or "" where the system does not say."""


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this host (a zombie counts as alive)."""
    # Only for messages: the "locked by" line, and crash markers where there is no kernel lock.
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


class LockInfo(NamedTuple):
    """What the holder's note says: only for the message, never for deciding who holds the lock."""

    pid: int | None
    host: str | None
    namespace: str | None = None

    @property
    def here(self) -> bool:
        """Whether the note's pid is one of this host's and this PID namespace's (so it can be looked up)."""
        return self.host == HOSTNAME and (self.namespace or PID_NAMESPACE) == PID_NAMESPACE

    def describe(self) -> str:
        if self.pid is None:
            return "a process that left no pid"
        where = "this host" if self.host == HOSTNAME else (self.host or "an unknown host")
        if self.host == HOSTNAME and not self.here:
            return f"process {self.pid} in another PID namespace (a container) on this host"
        return f"process {self.pid} on {where}"


def note_path(path: Path) -> Path:
    """The note beside the lock file (`<name>.lock.holder`) naming the holder's pid and host."""
    return path.with_name(path.name + ".holder")


def read_lock(path: Path) -> LockInfo | None:
    """The holder named by the note beside the lock `path`, or None when there is no note (display only)."""
    try:
        with open(note_path(path), "rb") as fh:
            content = fh.read(512)
    except OSError:
        return None
    parts = content.decode("utf-8", "replace").split()
    pid = int(parts[0]) if parts and parts[0].isascii() and parts[0].isdigit() else None
    return LockInfo(pid, parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)


class LockFile:
    """An exclusive lock on `path`; use as a context manager around one write.

    The kernel holds the lock (flock through filelock), so a holder that is killed frees it at
    once: there is nothing stale to take over. A live holder is waited for up to `timeout`
    seconds, then SessionLocked names it from its note. The lock file itself stays on release,
    as filelock keeps it, so that every waiter locks the same inode.
    """

    def __init__(self, path: Path, *, timeout: float = 2.0, poll: float = 0.01) -> None:
        self.path = path
        self.timeout = timeout
        self.poll = poll
        # Not thread-local: one LockFile is one hold, which any thread may release (the workbench
        # can close while a worker waits); each store write makes its own LockFile. filelock is
        # imported here, at the first write: reading a session (a start, `status`) never locks,
        # and the import costs about 18 ms.
        from filelock import FileLock

        self._lock = FileLock(str(path), timeout=timeout, thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout`; raises SessionLocked or SessionError."""
        from filelock import Timeout

        try:
            self._lock.acquire(poll_interval=self.poll)
        except Timeout:
            info = read_lock(self.path)
            # The kernel says the lock is held; the note only names by whom. A killed holder's note
            # outlives it and its successor may not have written one yet, so a dead pid is not named.
            if info is None or (info.pid is not None and info.here and not pid_alive(info.pid)):
                holder = "another process"
            else:
                holder = info.describe()
            raise SessionLocked(
                f"The session is locked by {holder} ({self.path.name}); "
                "close the other planner-tui or wait for it, then try again."
            ) from None
        except OSError as exc:
            raise SessionError(f"Session NOT saved: cannot create the lock {self.path}: {exc.strerror or exc}.") from exc
        try:
            _write_note(note_path(self.path))
        except OSError:
            pass  # the note only improves the "locked by" message; the lock itself is held

    def release(self) -> None:
        """Remove our note, then let the lock go: removed while we hold it, it is never the next holder's."""
        if not self._lock.is_locked:
            return
        try:
            os.unlink(note_path(self.path))
        except OSError:
            pass
        self._lock.release()

    def __enter__(self) -> "LockFile":
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _write_note(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o644)
    try:
        os.write(fd, f"{os.getpid()} {HOSTNAME} {PID_NAMESPACE}".rstrip().encode() + b"\n")
    finally:
        os.close(fd)
