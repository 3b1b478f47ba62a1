"""Epic titles read from PRD and idea headings, and the names in epic folders, remembered under `.planner-tui/` by file status."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Literal, Optional


from planner_tui.core.storage.files import STATE_DIR, read_json, write_state_json

__all__ = ["TitleCache", "TITLE_DOCS", "CACHE_FILE", "VERSION"]

TITLE_DOCS: tuple[tuple[str, Literal["prd", "idea"]], ...] = (("04-prd.md", "prd"), ("02-idea.md", "idea"))
"""The documents whose first heading names an epic, in the order they are asked."""
CACHE_FILE = "cache/epic-titles.json"
"""Under the state folder; private working state like the sessions."""
VERSION = 2
"""Of the file's format; a file of any other version is ignored (and replaced)."""
# Version 1 kept each key as nested lists of integers; a key is now one string, so 10,000 epics
# parse in about a third of the time and compare as one string each. Version 2 also keeps the
# names in each folder of an epic ("dirs") and when the listing that wrote the file began ("since").
_RACY_NS = 2_000_000_000
"""A folder changed this close to the listing that read its names may change again within the
same tick of the file system's clock without its time moving: its names are read again."""

Title = Optional[tuple[str, str]]


def _dir_key(st: os.stat_result) -> str:
    """What says a folder holds the same names: an entry added, removed or renamed changes its mtime."""
    return f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _name_list(value: list) -> bool:
    """Names of entries only: a name that would lead out of its folder is never followed."""
    for name in value:
        if not isinstance(name, str) or "/" in name or name in ("", ".", ".."):
            return False
    return True


def _key(stats: list[os.stat_result | None]) -> str:
    """What says the documents are unchanged: an edit in place, a replacement or a removal each
    change it. Per document `mtime_ns:ctime_ns:size:inode`, or `-` when it cannot be stat'ed."""
    return ",".join(["-" if st is None else f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}" for st in stats])


class TitleCache:
    """The titles of a listing: a title is read again only when one of its documents changed.

    Reading a heading safely (no symlink out of the project, no FIFO, no binary) costs about
    0.3 ms a file; two `stat` calls cost a few microseconds, so 10,000 epics list in a fraction
    of a second once their titles are known. A cache that cannot be read is empty; one that
    cannot be written is skipped (the listing is the same, only slower next time).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / STATE_DIR / CACHE_FILE
        self._start = time.time_ns()
        self._since = 0
        self._old_dirs: dict[str, list] = {}
        self._old = self._read()
        self._new: dict[str, list] = {}
        self._new_dirs: dict[str, list] = {}
        self._changed = False

    def _read(self) -> dict[str, list]:
        data = read_json(self.path)
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("epics"), dict):
            return {}
        if isinstance(data.get("dirs"), dict) and isinstance(data.get("since"), int):
            self._old_dirs, self._since = data["dirs"], data["since"]
        return data["epics"]

    def title(self, rel: str, stats: list[os.stat_result | None], read: Callable[[], Title]) -> Title:
        """The docs title of the epic folder `rel` (project-relative): remembered while `stats` (of
        each of TITLE_DOCS, None when missing) are the same, else `read()` now."""
        key = _key(stats)
        known = self._old.get(rel)
        # [key, title, source], or [key] for a folder whose documents name no title.
        if isinstance(known, list) and known and known[0] == key and (len(known) == 1 or _is_title(known[1:])):
            value: Title = (known[1], known[2]) if len(known) == 3 else None
        else:
            value = read()
            self._changed = True
        self._new[rel] = [key, *value] if value else [key]
        return value

    def names(self, rel: str, st: os.stat_result) -> list[str] | None:
        """The names in the folder `rel` (project-relative, `st` its status now) as a listing read
        them, while it is unchanged since and was not changed just before; else None: read it."""
        known = self._old_dirs.get(rel)
        if not (isinstance(known, list) and known and known[0] == _dir_key(st)):
            return None
        if max(st.st_mtime_ns, st.st_ctime_ns) >= self._since - _RACY_NS or not _name_list(known[1:]):
            return None
        self._new_dirs[rel] = known
        return known[1:]

    def remember(self, rel: str, st: os.stat_result, names: list[str]) -> None:
        """The names just read in the folder `rel` whose status was `st` before they were read."""
        self._new_dirs[rel] = [_dir_key(st), *names]
        self._changed = True

    def save(self) -> None:
        """Write what this listing learnt, keeping only the folders it saw (removed ones drop out)."""
        if not self._changed and self._new.keys() == self._old.keys() and self._new_dirs.keys() == self._old_dirs.keys():
            return
        data = {"version": VERSION, "since": self._start, "epics": self._new, "dirs": self._new_dirs}
        write_state_json(self.root, CACHE_FILE, data)  # a read-only project lists its epics all the same


def _is_title(value: list) -> bool:
    return len(value) == 2 and isinstance(value[0], str) and value[0] != "" and value[1] in ("prd", "idea")
