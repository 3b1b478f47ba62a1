"""What blocks the commit, grouped the way a person deals with it, counted the same everywhere."""

from __future__ import annotations

from planner_tui.core.models import Blocker

__all__ = ["GROUPS", "blocking", "grouped", "count_line"]

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Open questions", ("question",)),
    ("Agent decisions to approve", ("approval",)),
    ("Stale and contradicting entries", ("stale", "contradiction")),
    ("Rule breaks", ("rule",)),
    ("Unconfirmed topics", ("topic",)),
    ("The plan", ("section", "template")),
)
"""Group title and the blocker kinds it holds, in the order they are listed."""


def _group_of(blocker: Blocker) -> str:
    # A contradiction with an earlier plan is reported as a "question" blocker (the command
    # line's JSON says so); only real open questions read "Open question …".
    kind = blocker.kind
    if kind == "question" and not blocker.message.startswith("Open question"):
        kind = "contradiction"
    return next((title for title, kinds in GROUPS if kind in kinds), GROUPS[-1][0])


def blocking(found: list[Blocker]) -> list[Blocker]:
    """The blockers that stop the commit outright: an overwrite is approved in the commit dialog."""
    return [b for b in found if b.kind != "overwrite"]


def grouped(found: list[Blocker]) -> list[tuple[str, list[Blocker]]]:
    """(group title, its blockers) for every non-empty group, in GROUPS order; overwrite left out."""
    groups: dict[str, list[Blocker]] = {title: [] for title, _ in GROUPS}
    for blocker in blocking(found):
        groups[_group_of(blocker)].append(blocker)
    return [(title, items) for title, items in groups.items() if items]


def count_line(found: list[Blocker]) -> str:
    """`1 thing blocks the commit`, `3 things block the commit`, or that nothing does."""
    count = len(blocking(found))
    if not count:
        return "Nothing blocks the commit"
    return "1 thing blocks the commit" if count == 1 else f"{count} things block the commit"
