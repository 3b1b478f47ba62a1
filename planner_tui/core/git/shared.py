"""core.sharedRepository: give the files a commit creates the group or world permissions git would."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pygit2

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.identity import config_str

__all__ = ["shared_perm", "adjust_shared", "object_files"]

_GROUP, _EVERYBODY = 0o660, 0o664


def shared_perm(config: pygit2.Config) -> int:
    """git's reading of core.sharedRepository: 0 (umask decides), 0o660, 0o664, or -mode for an
    exact octal mode. libgit2 ignores the setting, so each file a commit makes is adjusted here."""
    value = config_str(config, "core.sharedRepository")
    if value is None:
        return 0
    text = value.strip().lower()
    if text in ("", "umask", "false", "no", "off"):
        return 0
    if text in ("group", "true", "yes", "on"):
        return _GROUP
    if text in ("all", "world", "everybody"):
        return _EVERYBODY
    try:
        number = int(text, 8)
    except ValueError:
        raise GitRefusal(f"Not committed: core.sharedRepository is '{value}', which git does not accept either.") from None
    if number in (0, 1, 2):
        return (0, _GROUP, _EVERYBODY)[number]
    if number & 0o600 != 0o600:
        raise GitRefusal(f"Not committed: core.sharedRepository {value} would leave files unreadable to their owner.")
    return -(number & 0o666)


def _mode_for(mode: int, perm: int) -> int:
    """git's calc_shared_perm (plus the set-group-id bit on folders, as adjust_shared_perm adds)."""
    tweak = -perm if perm < 0 else perm
    if not mode & stat.S_IWUSR:
        tweak &= ~0o222
    if mode & stat.S_IXUSR:
        tweak |= (tweak & 0o444) >> 2  # a folder: who may read may enter
    new = (mode & ~0o777) | tweak if perm < 0 else mode | tweak
    if stat.S_ISDIR(mode):
        new |= stat.S_ISGID
    return new


def adjust_shared(paths: list[Path], perm: int) -> None:
    """Give each existing path the shared mode for `perm` (nothing when perm is 0)."""
    if not perm:
        return
    for path in paths:
        try:
            mode = os.stat(path).st_mode
            new = _mode_for(mode, perm)
            if stat.S_IMODE(new) != stat.S_IMODE(mode):
                os.chmod(path, stat.S_IMODE(new))
        except OSError:
            continue  # a file owned by a teammate: git cannot change it either, and it is already shared


def object_files(repo: pygit2.Repository, oids: list[pygit2.Oid]) -> list[Path]:
    """The loose-object folders and files of these objects (folder first), where they exist."""
    objects = Path(repo.path) / "objects"
    found: list[Path] = []
    for oid in oids:
        hexed = str(oid)
        folder = objects / hexed[:2]
        found += [folder, folder / hexed[2:]]
    return [p for p in found if p.exists()]
