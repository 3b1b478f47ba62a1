"""The bundled Fieldnote demo project: where it lives in the package and how to copy it out."""

from __future__ import annotations

import os
import tempfile
import time
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from planner_tui.core.errors import ProjectError

__all__ = [
    "DEMO_EPIC",
    "DEMO_EPICS_DIR",
    "DEMO_IDENTITY",
    "demo_source",
    "make_demo",
]

DEMO_EPIC = "009_photo-annotations"
"""The demo's working epic: planned, no backend plan yet, and the most recently changed."""

DEMO_EPICS_DIR = ".task-master/epics"
"""Where the demo keeps its epic folders, relative to the project root."""

DEMO_IDENTITY = ("Fieldnote Demo", "demo@fieldnote.test")
"""Repo-local commit identity, used only when git has none configured."""

_BRANCH = "main"
_MESSAGE = "Fieldnote demo project\n\nCopied from planner-tui's bundled demo.\n"
_SKIP = frozenset({"__pycache__", ".git", ".DS_Store"})
_HOUR = 3600.0
_DAY = 24 * _HOUR
_STEP = 10 * 60.0
"""Gap between two artifacts of one epic, so they keep their pipeline order by time."""


def _source() -> Traversable:
    return resources.files(__name__).joinpath("project")


def demo_source() -> Path:
    """The packaged demo project folder (read it, never write into it)."""
    src = _source()
    # From a wheel or a source tree the package is a plain directory; only a zipped
    # install gives a non-path Traversable, which make_demo still copies fine.
    if not isinstance(src, Path):
        raise ProjectError("The demo project is packed inside an archive; use make_demo() to copy it out.")
    if not src.is_dir():
        raise ProjectError(f"The bundled demo project is missing from {src}; reinstall planner-tui.")
    return src


def make_demo(dest: Path | None = None, *, git: bool = True, now: float | None = None) -> Path:
    """Copy the demo project to `dest` (default: a new temp folder) and return its path.

    With `git`, the copy becomes a repository on branch `main` with one commit of every file.
    File times are set so that the working epic (`DEMO_EPIC`) is the most recently changed;
    `now` (a POSIX timestamp, default the current time) anchors those times and the commit
    time, so tests can make them deterministic.
    """
    root = _prepare_dest(dest)
    src = _source()
    if not src.is_dir():
        raise ProjectError("The bundled demo project is missing; reinstall planner-tui.")
    try:
        files = _copy_tree(src, root, root)
    except OSError as exc:
        raise ProjectError(f"Could not copy the demo project into {root}: {exc.strerror or exc}.") from exc
    when = time.time() if now is None else float(now)
    _stamp_times(root, files, when)
    if git:
        _commit_all(root, files, when)
    return root


def _prepare_dest(dest: Path | None) -> Path:
    if dest is None:
        return Path(tempfile.mkdtemp(prefix="planner-tui-demo-")).resolve()
    root = Path(dest).expanduser()
    if root.exists():
        if not root.is_dir():
            raise ProjectError(f"{root} is a file; choose a new or empty folder for the demo.")
        if any(root.iterdir()):
            raise ProjectError(f"{root} is not empty; choose a new or empty folder for the demo.")
    else:
        try:
            root.mkdir(parents=True)
        except OSError as exc:
            raise ProjectError(f"Could not create {root} for the demo: {exc.strerror or exc}.") from exc
    return root.resolve()


def _copy_tree(src: Traversable, dest: Path, root: Path) -> list[Path]:
    """Copy by reading bytes, so the copy gets fresh, writable permissions even when the
    installed package is read-only (shutil.copytree would carry the read-only modes over)."""
    copied: list[Path] = []
    for child in sorted(src.iterdir(), key=lambda c: c.name):
        if child.name in _SKIP:
            continue
        target = dest / child.name
        if child.is_dir():
            target.mkdir()
            copied += _copy_tree(child, target, root)
        else:
            target.write_bytes(child.read_bytes())
            copied.append(target.relative_to(root))
    return copied


def _artifact_order(rel: Path) -> tuple[str, int, str]:
    """Pipeline order inside an epic: each numbered document, then its sub-folder, roles last."""
    top = rel.parts[0]
    follows = {"packages": "03", "stories": "05", "diagrams": "06", "roles": "99"}
    if len(rel.parts) > 1 and top in follows:
        return (follows[top], 1, rel.as_posix())
    return (top[:2], 0, rel.as_posix())


def _stamp_times(root: Path, files: list[Path], now: float) -> None:
    """Give the copy a believable history, oldest first, with the working epic newest.

    The package's own file times are unreliable (wheels pin them, copies reset them), so
    every time is set here; epics are compared by their newest file and by their folder.
    """
    base = now - 30 * _DAY
    for rel in files:
        os.utime(root / rel, (base, base))
    epics_dir = root / DEMO_EPICS_DIR
    epics = sorted(p.name for p in epics_dir.iterdir() if p.is_dir()) if epics_dir.is_dir() else []
    if DEMO_EPIC in epics:
        epics.remove(DEMO_EPIC)
        epics.append(DEMO_EPIC)
    newest = base
    for age, name in enumerate(reversed(epics)):
        start = now - (2 + 10 * age) * _DAY
        prefix = Path(DEMO_EPICS_DIR, name)
        mine = sorted(
            (rel.relative_to(prefix) for rel in files if rel.parts[: len(prefix.parts)] == prefix.parts),
            key=_artifact_order,
        )
        for i, rel in enumerate(mine):
            t = start + i * _STEP
            os.utime(root / prefix / rel, (t, t))
            newest = max(newest, t)
    # Task Master rewrote tasks.json when the last artifacts were added to the list.
    tasks = root / ".taskmaster" / "tasks" / "tasks.json"
    if tasks.is_file():
        os.utime(tasks, (newest, newest))
    # A folder's time is its newest entry's, set bottom-up so parents see their children.
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        here = Path(dirpath)
        times = [(here / n).stat().st_mtime for n in (*dirnames, *filenames)]
        t = max(times, default=base)
        os.utime(here, (t, t))


def _commit_all(root: Path, files: list[Path], now: float) -> None:
    import pygit2  # imported here: only the git step needs it

    try:
        repo = pygit2.init_repository(str(root), initial_head=_BRANCH)
        try:
            who = repo.default_signature
        except (KeyError, pygit2.GitError):
            # No user.name/user.email anywhere (a fresh machine): set them for this repo only.
            repo.config["user.name"], repo.config["user.email"] = DEMO_IDENTITY
            who = repo.default_signature
        offset = (time.localtime(now).tm_gmtoff or 0) // 60
        sig = pygit2.Signature(who.name, who.email, int(now), offset)
        index = repo.index
        # Add path by path rather than add_all: a user's global excludes (say `.vscode/`)
        # must not leave parts of the demo out of the commit.
        for rel in files:
            index.add(rel.as_posix())
        index.write()
        tree = index.write_tree()
        repo.create_commit("HEAD", sig, sig, _MESSAGE, tree, [])
    except (pygit2.GitError, OSError) as exc:
        raise ProjectError(f"Could not make the demo at {root} a git repository: {exc}.") from exc
