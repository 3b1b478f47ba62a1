"""Epic titles read from PRD and idea headings, remembered under `.planner-tui/` by the documents' file status."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Literal, Optional

from planner_tui.core.storage.files import STATE_DIR, atomic_write, make_state_dir

__all__ = ["TitleCache", "TITLE_DOCS", "CACHE_FILE"]

TITLE_DOCS: tuple[tuple[str, Literal["prd", "idea"]], ...] = (("04-prd.md", "prd"), ("02-idea.md", "idea"))
"""The documents whose first heading names an epic, in the order they are asked."""
CACHE_FILE = "cache/epic-titles.json"
"""Under the state folder; private working state like the sessions."""
_VERSION = 1

Title = Optional[tuple[str, str]]
_Key = list  # per document [mtime_ns, ctime_ns, size, inode], or None when it cannot be stat'ed


def _key(stats: list[os.stat_result | None]) -> _Key:
    """What says a document is unchanged: an edit in place, a replacement or a removal each change it."""
    return [None if st is None else [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino] for st in stats]


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
        self._old = self._read()
        self._new: dict[str, list] = {}
        self._changed = False

    def _read(self) -> dict[str, list]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != _VERSION or not isinstance(data.get("epics"), dict):
            return {}
        return data["epics"]

    def title(self, rel: str, stats: list[os.stat_result | None], read: Callable[[], Title]) -> Title:
        """The docs title of the epic folder `rel` (project-relative): remembered while `stats` (of
        each of TITLE_DOCS, None when missing) are the same, else `read()` now."""
        key = _key(stats)
        known = self._old.get(rel)
        if isinstance(known, list) and len(known) == 2 and known[0] == key:
            value = tuple(known[1]) if known[1] else None
        else:
            value = read()
            self._changed = True
        self._new[rel] = [key, list(value) if value else None]
        return value  # type: ignore[return-value]

    def save(self) -> None:
        """Write what this listing learnt, keeping only the folders it saw (removed ones drop out)."""
        if not self._changed and self._new.keys() == self._old.keys():
            return
        data = json.dumps({"version": _VERSION, "epics": self._new}, separators=(",", ":")).encode("utf-8")
        try:
            make_state_dir(self.root, "cache")
            atomic_write(self.path, data)
        except OSError:
            pass  # a read-only project lists its epics all the same
