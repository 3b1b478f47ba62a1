"""One epic named among many folders, found from their names read as one text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from planner_tui.core.epic.epics import EPIC_ROOTS, SHARED_FOLDERS, _bare_epic, choose_epic, load_epic
from planner_tui.core.errors import ProjectError
from planner_tui.core.models import Epic, EpicTask

__all__ = ["find_named_epic"]


def find_named_epic(root: Path, ref: str, tasks: list[EpicTask]) -> Epic | None:
    """The epic an id, folder, slug or path names, found from the folder names as one text, or None
    to leave the choice to `find_epic` (a name that is not ASCII or holds a line break, no folder
    or several that fit, a ref that names none).

    Among 10,000 folders a Python test of each name costs more than listing them; one pattern over
    the lower-cased names, joined by line breaks, finds the few it may name (a superset of what
    `choose_epic` without titles matches: the name, the slug after the first `_`, the id), and only
    those are looked at.
    """
    text = ref.strip().replace("\\", "/").rstrip("/")
    low = text.rsplit("/", 1)[-1].lower()
    if not low or not low.isascii() or "\n" in low:
        return None
    named = f"(?:[^_\n]*_)?{re.escape(low)}"
    if low.isdigit():
        named += f"|0*{int(low)}_[^\n]*" if int(low) else "|0+_[^\n]*"
    pattern = re.compile(f"\n((?:{named}))(?=\n)")
    found: list[tuple[str, str]] = []
    for base in EPIC_ROOTS:
        try:
            names = os.listdir(Path(root) / base)
        except OSError:
            continue
        joined = "\n" + "\n".join(names) + "\n"
        if not joined.isascii() or joined.count("\n") != len(names) + 1:
            return None  # a name the pattern cannot read as one line: find_epic reads each name
        lowered = joined.lower()
        starts = [m.start() for m in pattern.finditer(lowered)]
        picked = sorted(joined[i + 1 : joined.index("\n", i + 1)] for i in starts)
        found.extend((base, name) for name in picked if name.lower() not in SHARED_FOLDERS
                     and not name.startswith(".") and os.path.isdir(Path(root) / base / name))
    if not found:
        return None
    try:
        chosen = choose_epic([_bare_epic(*f) for f in found], ref, titles=False)  # type: ignore[misc]
    except ProjectError:
        return None
    return load_epic(root, *chosen.path.rsplit("/", 1), tasks)
