"""The middle pane: topic bar, the current topic's thread, its checklist and the composer."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from planner_tui.core.models import Session, TopicSpec
from planner_tui.core.plan.checklist import addressed_points
from planner_tui.core.text.display import one_line
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.discussion.thread import ThreadView
from planner_tui.widgets.discussion.topic_bar import PointsChecklist, TopicBar

__all__ = ["DiscussionPane"]


class DiscussionPane(Vertical):
    """Shows one topic of the session; the screen sets it with `show(...)` after every change."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Discussion"

    def compose(self) -> ComposeResult:
        yield TopicBar(id="topic-bar")
        yield ThreadView(id="thread")
        yield PointsChecklist(id="points")
        yield Composer(id="composer")

    @property
    def thread(self) -> ThreadView:
        return self.query_one(ThreadView)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def show(self, topics: list[TopicSpec], session: Session, current: TopicSpec) -> None:
        """Redraw everything but the composer (whose text is the person's and is never rebuilt)."""
        state = session.topic(current.id)
        self.query_one(TopicBar).show(topics, session, current.id)
        hint = (
            f"No entries yet. {one_line(current.text, 300)}"
            if current.text
            else "No entries yet: write one below."
        )
        self.thread.show_thread(state, empty_hint=hint)
        self.query_one(PointsChecklist).show(addressed_points(current, state))
        # A Text, not a str: a str title is parsed as markup, and the title comes from a file.
        self.border_title = Text(f"Discussion · {current.number}. {one_line(current.title, 60)}")
