"""Crash markers: one file per running workbench, so the next start can tell a run that ended unexpectedly."""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

from planner_tui.core.storage.lock import HOSTNAME, pid_alive
from planner_tui.core.storage.store import STATE_DIR

__all__ = ["mark_running", "clear_running", "previous_crashes"]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_HELD: dict[Path, int] = {}
"""Open descriptors of this process's markers: each holds a kernel lock on its marker for the run."""


def _markers(root: Path) -> Path:
    return root / STATE_DIR / "running"


def _prefix(epic_folder: str, role_key: str) -> str:
    return f"{epic_folder}.{role_key}."


def mark_running(root: Path, epic_folder: str, role_key: str) -> Path | None:
    """Write `.planner-tui/running/<epic>.<role>.<pid>` and hold a kernel lock on it; None when it cannot.

    Only once the state folder exists: making `.planner-tui/` here would stop the store from
    giving it its own `.gitignore`. The lock dies with this process however it ends, wherever
    it runs (a container's pids and a renamed host do not matter), so a marker nobody holds
    means that run ended unexpectedly; `clear_running` removes it at a clean exit.
    """
    if not (root / STATE_DIR).is_dir():
        return None
    path = _markers(root) / f"{_prefix(epic_folder, role_key)}{os.getpid()}"
    tmp = path.with_name("." + path.name + ".new")
    try:
        path.parent.mkdir(exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o644)
    except OSError:
        return None  # a read-only project: the banner already says so, the marker is a nicety
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{HOSTNAME}\n".encode())
        os.replace(tmp, path)  # locked before it has its name: no start sees it unheld
    except OSError:
        os.close(fd)
        return None
    earlier = _HELD.pop(path, None)  # this process marked the same run before (a second app in tests)
    if earlier is not None:
        os.close(earlier)
    _HELD[path] = fd
    return path


def clear_running(path: Path | None) -> None:
    """Remove this run's marker (a clean exit) and let its lock go."""
    if path is None:
        return
    try:
        path.unlink()
    except OSError:
        pass
    fd = _HELD.pop(path, None)
    if fd is not None:
        os.close(fd)


def _ended(path: Path, pid: int) -> bool:
    """True when nobody holds `path`'s lock (its run is over); takes it, to remove the marker safely."""
    if path in _HELD:
        return False
    if fcntl is None:  # pragma: no cover - no kernel lock to ask
        return path.read_text(encoding="utf-8").strip() == HOSTNAME and pid != os.getpid() and not pid_alive(pid)
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live run holds it
        path.unlink()  # under the lock: nobody is writing this marker
        return True
    finally:
        os.close(fd)


def previous_crashes(root: Path, epic_folder: str, role_key: str) -> list[int]:
    """Pids (as their runs saw them) of earlier runs whose marker is left while nobody holds its lock.

    Their markers are removed (ours to keep, not the person's data): the next start does not
    report the same crash twice.
    """
    prefix = _prefix(epic_folder, role_key)
    try:
        names = sorted(p for p in _markers(root).iterdir() if p.name.startswith(prefix))
    except OSError:
        return []
    found = []
    for path in names:
        try:
            pid = int(path.name[len(prefix):])
            if not _ended(path, pid):
                continue
        except (ValueError, OSError):
            continue
        found.append(pid)
    return found
