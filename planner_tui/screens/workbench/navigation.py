"""Moving around the workbench: topics, the blocking topic, an artifact at a line, a search hit, a plan line."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Artifact, Blocker, TopicSpec
from planner_tui.core.plan.blocker_groups import grouped
from planner_tui.core.text import markdown
from planner_tui.core.text.display import one_line
from planner_tui.widgets.plan.pane import split_sections

if TYPE_CHECKING:
    from planner_tui.core.epic.search import Hit
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["Navigation"]


class Navigation:
    """The workbench's navigation part: where the person is, and going where they ask."""

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self._cursor: str | None = None
        self._cursor_queued = False

    # ------------------------------------------------------------------ topics

    def go_to_topic(self, spec: TopicSpec, entry_id: str | None = None) -> None:
        """Make spec the current topic (remembered in the session for the next start)."""
        screen = self.screen
        screen.topic = spec

        def show() -> None:
            screen.refresh_view()
            if entry_id:
                screen.thread.highlight_entry(entry_id)

        screen.changes.later(show)
        self._save_cursor(spec.id)

    def _save_cursor(self, topic_id: str) -> None:
        # A save like any other, so in the change thread; moves made while one waits share it.
        self._cursor = topic_id
        if self._cursor_queued:
            return
        self._cursor_queued = True
        screen = self.screen

        def change() -> int | None:
            self._cursor_queued = False
            if self._cursor is None:
                return None
            before = screen.planner.session.revision
            try:
                screen.planner.set_cursor(self._cursor)
            except (PlannerError, OSError):
                pass  # where the cursor was is a convenience; never refuse to move for it
            return before

        def saved(before: int | None, _error: BaseException | None) -> None:
            # The save merged what another writer (an agent) saved meanwhile, and the next poll
            # sees nothing new on disk: show it now.
            if before is not None and screen.planner.session.revision > before + 1:
                screen.refresh_view(scroll_plan=False)
            else:
                screen.draw_top_bar()

        screen.changes.push(change, saved)

    def step_topic(self, step: int) -> None:
        """Go to the next (1) or previous (-1) topic, round the end."""
        topics = self.screen.planner.role.topics
        current = self.screen.topic
        if not topics or current is None:
            return
        index = next(i for i, t in enumerate(topics) if t.id == current.id)
        self.go_to_topic(topics[(index + step) % len(topics)])

    # ------------------------------------------------------------------ blockers

    def blocker_topic(self, blocker: Blocker) -> TopicSpec | None:
        """The topic a blocker is about (by topic, entry or plan section), if any."""
        planner = self.screen.planner
        role = planner.role
        if blocker.topic:
            return role.topic(blocker.topic)
        if blocker.entry and (found := planner.session.find_entry(blocker.entry)):
            return role.topic(found[0].id)
        if blocker.section:
            return next((t for t in role.topics if t.section.lower() == blocker.section.lower()), None)
        return None

    def go_to_blocker(self, blocker: Blocker) -> bool:
        """Go to a blocker's topic and select its entry (the thread gets the focus); False when it has no topic."""
        screen = self.screen
        spec = self.blocker_topic(blocker)
        if spec is None:
            screen.notify(one_line(blocker.message, 300), markup=False)
            return False
        if screen.maximized is not None:
            screen.minimize()
        self.go_to_topic(spec, blocker.entry)
        (screen.thread if blocker.entry else screen.composer).focus()
        screen.notify(one_line(blocker.message, 300), title=f"Topic {spec.number}", markup=False)
        return True

    def jump_blocker(self) -> None:
        """Go to the first blocker as the blockers list orders it, and say what blocks."""
        screen = self.screen
        ordered = [b for _, items in grouped(screen.blockers) for b in items]
        for blocker in ordered:
            if self.blocker_topic(blocker) is not None:
                self.go_to_blocker(blocker)
                return
        screen.notify("Nothing blocks the commit." if not ordered else one_line(ordered[0].message, 300), markup=False)

    # ------------------------------------------------------------------ artifacts, hits, plan lines

    def _artifact_for(self, path: str) -> Artifact:
        listed = self.screen.artifact_pane.tree.artifacts
        found = next((a for a in listed if a.path == path), None)
        # A file cited from the command line may not be a prior artifact: shown all the same.
        return found or Artifact(path=path, group="linked", label=PurePosixPath(path).name, state="present")

    def open_at(self, path: str, line: int | None) -> None:
        """Show an artifact in the left pane, at a line when given (selected in the line view)."""
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        pane = screen.artifact_pane
        pane.open(self._artifact_for(path))
        if line:
            pane.document.go_to_line(line)
        else:
            pane.document.focus_view()

    def go_to_hit(self, hit: Hit) -> None:
        """Show a search hit: the artifact at the line, the entry in its topic, or the plan section."""
        screen = self.screen
        if hit.kind == "artifact":
            self.open_at(hit.path, hit.line)
        elif hit.kind == "session":
            rest = hit.path.removeprefix("session:").split(" ", 1)[0]
            topic_id, _, entry_id = rest.partition("#")
            spec = screen.planner.role.topic(topic_id)
            if spec is None:
                screen.notify("That entry's topic is not in this role any more.", severity="warning", markup=False)
                return
            if screen.maximized is not None:
                screen.minimize()
            self.go_to_topic(spec, entry_id)
            screen.thread.focus()
        else:
            self.show_plan_line(hit.line)

    def show_plan_line(self, line: int) -> None:
        """Scroll the plan preview (or the raw view) to a 1-based line of the plan shown."""
        screen = self.screen
        pane = screen.plan_pane
        if screen.maximized is not None and screen.maximized is not pane:
            screen.minimize()
        row = max(0, line - 1)
        if pane.raw:
            area = pane.raw_area
            row = min(row, area.document.line_count - 1)
            area.selection = ((row, 0), (row, len(area.document.get_line(row))))
            area.scroll_cursor_visible(center=True)
            area.focus()
            return
        text = pane.text
        parts = split_sections(text)
        has_head = bool(parts) and parts[0][0] == ""  # text before the first heading is a section too
        index, offset = 0, row
        for n, span in enumerate(markdown.sections(text)):
            if span.start <= row < span.end:
                index, offset = n + (1 if has_head else 0), row - span.start
                break
        preview = pane.preview
        sections = preview.sections
        if not sections:
            return
        index = min(index, len(sections) - 1)
        top = preview.section_start(index) or 0
        # Source lines may wrap into several rows: the offset is a good guess, kept in the section.
        rows = len(sections[index].rows or []) or 1
        preview.focus()
        preview.call_after_refresh(lambda: preview.scroll_to(y=top + min(offset, rows - 1), animate=False))
