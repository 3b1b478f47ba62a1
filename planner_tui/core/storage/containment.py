"""Where a plan write may land: a regular file in the epic's own folder, reached without a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from planner_tui.core.errors import PlanError

__all__ = ["plan_target", "make_folders", "not_utf8"]


def _refuse(rel: str, reason: str) -> PlanError:
    return PlanError(f"The plan path {rel} {reason}; nothing is written there.")


def not_utf8(name: str) -> str | None:
    """The sentence refusing a folder name that is not valid UTF-8 (git and the session file store
    names as UTF-8, so such a name cannot be kept byte for byte); None for a good name."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
        return (
            f"{shown} is not valid UTF-8, so nothing can be saved under that exact name "
            "(git and the session file keep names as UTF-8); rename the folder to plan it."
        )
    return None


def plan_target(root: Path, rel: str, folder: str) -> tuple[Path, list[Path]]:
    """The file `rel` names under `root`, checked component by component before anything is written.

    `rel` and `folder` are project-relative posix paths, used byte for byte. Refused (PlanError
    with the reason) unless `rel` lies below `folder`, has no `.`, `..` or empty component, every
    existing component on the way is a real folder (a symlink is never followed, even one that
    points back inside) and the last is a regular file or absent. Returns the file and the
    folders that do not exist yet, outermost first (see `make_folders`).
    """
    problem = not_utf8(rel)
    if problem is not None:
        raise PlanError(problem)
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise _refuse(rel, "is not a plain path inside the project (it holds `..`, `.`, an empty or an absolute part)")
    base = folder.rstrip("/").split("/")
    if parts[: len(base)] != base or len(parts) <= len(base):
        raise _refuse(rel, f"is not inside the epic's folder {folder}")
    current = Path(os.path.realpath(root))
    missing: list[Path] = []
    for depth, name in enumerate(parts):
        current = current / name
        last = depth == len(parts) - 1
        if missing:  # below a missing folder everything is missing too
            if not last:
                missing.append(current)
            continue
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            if not last:
                missing.append(current)
            continue
        except OSError as exc:
            raise _refuse(rel, f"cannot be checked ({'/'.join(parts[: depth + 1])}: {exc.strerror or exc})") from None
        shown = "/".join(parts[: depth + 1])
        if stat.S_ISLNK(st.st_mode):
            try:
                points = os.readlink(current)
            except OSError:
                points = "?"
            what = "the plan path" if last else f"the folder {shown}"
            raise _refuse(rel, f"goes through a symbolic link ({what} points to {points}); a link is never written through")
        if not last and not stat.S_ISDIR(st.st_mode):
            raise _refuse(rel, f"cannot be written: {shown} is not a folder")
        if last and not stat.S_ISREG(st.st_mode):
            raise _refuse(rel, "is not a regular file")
    return current, missing


def make_folders(folders: list[Path], rel: str) -> None:
    """Create the folders `plan_target` found missing, one by one, never through a link made meanwhile."""
    for path in folders:
        try:
            os.mkdir(path)
        except FileExistsError:
            pass
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):  # something put a link or a file there since the check
            raise _refuse(rel, f"cannot be written: {path.name} changed into something other than a folder")
