"""Stale citations and contradictions with earlier plans, found in a worker and marked on the thread and plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message

from planner_tui.core.discussion import approval
from planner_tui.core.epic import citations
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation
from planner_tui.core.plan.render import place_entries
from planner_tui.core.view import PlannerView
from planner_tui.widgets.discussion.composer import short_cite

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["EntryMarks", "Marks", "entry_marks"]


@dataclass
class EntryMarks:
    """Warnings to show: per entry on its thread line, per plan heading on the section's border."""

    entries: dict[str, str]
    sections: dict[str, str]
    counts: list[str] = field(default_factory=list)
    """E.g. `1 stale`, `2 contradictions` (empty when nothing is wrong)."""


def _stale_note(item: citations.Stale) -> str:
    what = "is no longer readable" if "no longer readable" in item.reason else "changed"
    path = item.entry.cite.path if item.entry.cite is not None else ""  # a stale entry always cites
    return f"⚠ stale: {short_cite(Citation(path=path))} {what}"


def entry_marks(view: PlannerView) -> EntryMarks:
    """Stale citations and differences with earlier role plans, as short warnings (reads files)."""
    session = view.session
    stale = citations.stale_entries(session, view.project.root, view.project.tasks)
    found: dict[str, list[str]] = {}
    for item in stale:
        found.setdefault(item.entry.id, []).append(_stale_note(item))
    contradictions = view.contradictions()
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
        for heading, items in place_entries(view.role, session).items():
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
    """The workbench's marks part: after each plan render, find what is stale or contradicted, then mark it."""

    @dataclass
    class Found(Message):
        """The marks worker finished (posted from its thread)."""

        seq: int
        marks: EntryMarks

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self._plan_title: Text | None = None

    def plan_rendered(self, seq: int) -> None:
        """A plan was shown: check its entries (once no change is being saved, usually at once)."""
        self.screen.changes.later(lambda: self._check(seq))

    def _check(self, seq: int) -> None:
        screen = self.screen
        if seq == screen.plan_seq:
            find = partial(self._find, screen.planner.view(), seq)
            screen.run_worker(find, name="check_marks", thread=True, exclusive=True, group="marks")

    def _find(self, view: PlannerView, seq: int) -> None:
        try:
            marks = entry_marks(view)
        except (PlannerError, OSError):
            marks = EntryMarks({}, {})  # the blockers say what is wrong; marks are a convenience
        self.screen.post_message(self.Found(seq, marks))

    def show(self, message: Found) -> None:
        """Mark the thread's entries, the plan's sections and the plan pane's title."""
        screen = self.screen
        if message.seq != screen.plan_seq:
            return
        screen.thread.set_marks(message.marks.entries)
        pane = screen.plan_pane
        pane.preview.mark_warnings(message.marks.sections)  # after the heading, not in the plan text
        # The pane's title counts them too, seen even while the blockers list is scrolled.
        title = Text("Plan")
        if message.marks.counts:
            title.append("  ⚠ " + " · ".join(message.marks.counts), style="bold yellow")
        if title != self._plan_title:  # a new title repaints the whole pane
            self._plan_title = title
            pane.border_title = title
