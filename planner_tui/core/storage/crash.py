"""Crash markers: one file per running workbench, so the next start can tell a run that ended unexpectedly."""

from __future__ import annotations

import os
from pathlib import Path

from planner_tui.core.storage.lock import HOSTNAME, pid_alive
from planner_tui.core.storage.store import STATE_DIR

__all__ = ["mark_running", "clear_running", "previous_crashes"]


def _markers(root: Path) -> Path:
    return root / STATE_DIR / "running"


def _prefix(epic_folder: str, role_key: str) -> str:
    return f"{epic_folder}.{role_key}."


def mark_running(root: Path, epic_folder: str, role_key: str) -> Path | None:
    """Write `.planner-tui/running/<epic>.<role>.<pid>` (host inside); None when it cannot be written.

    Only once the state folder exists: making `.planner-tui/` here would stop the store from
    giving it its own `.gitignore`. Removed by `clear_running` at a clean exit, so a marker
    whose process is gone means that run ended unexpectedly.
    """
    if not (root / STATE_DIR).is_dir():
        return None
    path = _markers(root) / f"{_prefix(epic_folder, role_key)}{os.getpid()}"
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"{HOSTNAME}\n", encoding="utf-8")
    except OSError:
        return None  # a read-only project: the banner already says so, the marker is a nicety
    return path


def clear_running(path: Path | None) -> None:
    """Remove this run's marker (a clean exit)."""
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def previous_crashes(root: Path, epic_folder: str, role_key: str) -> list[int]:
    """Pids of earlier runs on this host whose marker is left while the process is gone.

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
            if path.read_text(encoding="utf-8").strip() != HOSTNAME or pid == os.getpid() or pid_alive(pid):
                continue
            path.unlink()
        except (ValueError, OSError):
            continue
        found.append(pid)
    return found
