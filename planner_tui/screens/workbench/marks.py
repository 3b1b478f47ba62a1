"""Stale citations and contradictions with earlier plans, as the plan's checks found them, marked on the thread and plan."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import NamedTuple, TYPE_CHECKING

from rich.text import Text

from planner_tui.core.discussion import approval
from planner_tui.core.models import Citation
from planner_tui.core.plan.placing import Placed
from planner_tui.core.view import PlannerView
from planner_tui.widgets.discussion.composer import short_cite

if TYPE_CHECKING:
    from planner_tui.core.epic import citations
    from planner_tui.core.plan.earlier_plans import Contradiction
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["EntryMarks", "Marks", "entry_marks"]


class EntryMarks(NamedTuple):
    """Warnings to show: per entry on its thread line, per plan heading on the section's border."""

    entries: dict[str, str]
    sections: dict[str, str]
    counts: list[str]
    """E.g. `1 stale`, `2 contradictions` (empty when nothing is wrong)."""


def _stale_note(item: citations.Stale) -> str:
    what = "is no longer readable" if "no longer readable" in item.reason else "changed"
    path = item.entry.cite.path if item.entry.cite is not None else ""  # a stale entry always cites
    return f"⚠ stale: {short_cite(Citation(path=path))} {what}"


def entry_marks(view: PlannerView, stale: list[citations.Stale], contradictions: list[Contradiction], placed: Placed) -> EntryMarks:
    """Stale citations and differences with earlier role plans (as the checks found them, see
    `Planner.checks`), as short warnings; `placed` is where the view's entries land."""
    session = view.session
    found: dict[str, list[str]] = {}
    for item in stale:
        found.setdefault(item.entry.id, []).append(_stale_note(item))
    for c in contradictions:
        where = f"{PurePosixPath(c.source).name}:{c.line}"
        said = f"`{c.defined}`" if c.defined else f"no column `{c.used}`"
        found.setdefault(c.entry, []).append(f"⚠ differs from {where}: {said}")
    if view.require_approval:  # the agent's decisions the person has not kept yet: R keeps them
        for waiting in approval.approval_blockers(view.role, session):
            found.setdefault(waiting.entry or "", []).append("⏳ awaits your approval (R keeps it)")
    entries = {entry_id: " ".join(dict.fromkeys(notes)) for entry_id, notes in found.items()}
    stale_ids = {item.entry.id for item in stale}
    differ = {c.entry for c in contradictions}
    counts = _counted(stale_ids, differ)
    labels = {}
    if stale_ids or differ:
        for heading, items in placed.items():
            here = {item.entry.id for item in items}
            if said := _counted(stale_ids & here, differ & here):
                labels[heading] = "⚠ " + " · ".join(said)
    return EntryMarks(entries, labels, counts)


def _counted(stale: set[str], differ: set[str]) -> list[str]:
    """`1 stale`, `2 contradictions`: what the plan pane's title and a section's heading say."""
    out = [f"{len(stale)} stale"] if stale else []
    if differ:
        out.append(f"{len(differ)} contradiction{'s' if len(differ) != 1 else ''}")
    return out


class Marks:
    """The workbench's marks part: what each plan render's checks found stale or contradicted, marked."""

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self._plan_title: Text | None = None

    def show(self, marks: EntryMarks) -> None:
        """Mark the thread's entries, the plan's sections and the plan pane's title."""
        screen = self.screen
        screen.thread.set_marks(marks.entries)
        pane = screen.plan_pane
        pane.preview.mark_warnings(marks.sections)  # after the heading, not in the plan text
        # The pane's title counts them too, seen even while the blockers list is scrolled.
        title = Text("Plan")
        if marks.counts:
            title.append("  ⚠ " + " · ".join(marks.counts), style="bold yellow")
        if title != self._plan_title:  # a new title repaints the whole pane
            self._plan_title = title
            pane.border_title = title
