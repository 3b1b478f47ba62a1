"""The topic bar (where the discussion stands) and the checklist of a topic's sub-points."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from planner_tui.core.models import Session, TopicSpec
from planner_tui.core.text.display import one_line

__all__ = ["TopicBar", "PointsChecklist", "STATE_MARK"]

STATE_MARK = {"not started": ("○", "dim"), "discussing": ("●", "yellow"), "confirmed": ("✓", "green")}


class TopicBar(Static):
    """Every topic as a numbered chip coloured by state, then the current topic in words."""

    def show(self, topics: list[TopicSpec], session: Session, current: str | None) -> None:
        """Redraw for this session with `current` (a topic id) as the current topic."""
        chips = Text()
        done = 0
        spec_now: TopicSpec | None = None
        for spec in topics:
            state = session.topic(spec.id)
            name = state.state if state else "not started"
            done += name == "confirmed"
            mark, style = STATE_MARK[name]
            open_count = len(state.open_questions) if state else 0
            label = f" {spec.number}{mark}" + (f"?{open_count}" if open_count else "") + " "
            if spec.id == current:
                spec_now = spec
                chips.append(label, style=f"reverse bold {style}".replace(" dim", ""))
            else:
                chips.append(label, style=style)
        chips.append(f"  {done}/{len(topics)} confirmed", style="dim")
        line = Text()
        if spec_now is not None:
            state = session.topic(spec_now.id)
            name = state.state if state else "not started"
            mark, style = STATE_MARK[name]
            line.append(f"Topic {spec_now.number} of {len(topics)}: ", style="bold")
            line.append(one_line(spec_now.title, 60), style="bold")
            line.append(f"   {mark} {name}", style=style)
            open_count = len(state.open_questions) if state else 0
            if open_count:
                line.append(f"   {open_count} open question{'s' if open_count > 1 else ''}", style="bold yellow")
            line.append(f"   → {one_line(spec_now.section, 40)}", style="dim")
        self.update(Text("\n").join([chips, line]))


class PointsChecklist(Static):
    """What the topic should cover: the sub-points still unaddressed first, then the covered ones."""

    def show(self, points: list[tuple[str, bool]]) -> None:
        if not points:
            self.update(Text("No sub-points for this topic.", style="dim"))
            return
        todo = [p for p, ok in points if not ok]
        line = Text()
        line.append("To cover: " if todo else "All points covered: ", style="bold")
        for point, ok in sorted(points, key=lambda item: item[1]):
            if ok:
                line.append(f"☑ {one_line(point, 40)}  ", style="green dim")
            else:
                line.append(f"☐ {one_line(point, 40)}  ", style="yellow")
        self.update(line)
