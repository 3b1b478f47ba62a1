"""The right pane: what blocks the commit, and the plan as a live preview or raw markdown."""

from __future__ import annotations

from bisect import bisect_right

from rich.segment import Segment
from textual import work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import TextArea

from planner_tui.core.models import Blocker
from planner_tui.widgets.plan.blockers import BlockerList
from planner_tui.core.text import markdown
from planner_tui.core.text.display import visible
from planner_tui.widgets.lines import LineCache, Row, decorate, set_virtual_size

__all__ = ["PlanPane", "PlanPreview", "PlanSection", "BlockerList", "split_sections", "SYNC_LINES"]

SYNC_LINES = 40
"""Up to this many new lines are rendered on the UI thread (well under a millisecond each);
more (the first plan, a resize, a pasted essay) are rendered in a worker while the old lines
stay; when nothing is on screen yet, the sections the first screen shows are rendered at once."""
_GUTTER = 2  # a bar (on the current section) and a space


def split_sections(text: str) -> list[tuple[str, str]]:
    """(heading, markdown) per heading of the plan; text before the first heading comes first."""
    lines = text.split("\n")
    found = markdown.sections(text)
    head = "\n".join(lines[: found[0].start if found else len(lines)]).strip("\n")
    parts = [("", head)] if head else []
    parts.extend((s.heading, "\n".join(lines[s.start : s.end]).rstrip("\n")) for s in found)
    return parts


class PlanSection:
    """One heading of the plan and what is under it (drawn by PlanPreview; not a widget)."""

    def __init__(self, heading: str, source: str) -> None:
        self.heading = heading
        self.source = source
        self.rows: list[Row] | None = None
        """Its lines (None until rendered); kept while new ones are rendered for a new width."""
        self.width = 0
        """The width `rows` were rendered at."""
        self._classes: set[str] = set()
        self.warning: str | None = None
        """Drawn after the heading (a stale or contradicting entry here); never part of the plan text."""

    def has_class(self, name: str) -> bool:
        return name in self._classes

    def set_class(self, on: bool, name: str) -> None:
        (self._classes.add if on else self._classes.discard)(name)

    def set_source(self, heading: str, source: str) -> bool:
        """Replace the text; False when it did not change."""
        if source == self.source and heading == self.heading:
            return False
        self.heading, self.source, self.rows = heading, source, None
        return True

    def __repr__(self) -> str:
        return f"PlanSection({self.heading!r})"


class PlanPreview(ScrollView, can_focus=True):
    """The plan drawn line by line: cost follows the lines that changed and the lines on screen.

    Each section's lines are rendered once per width (line by line, cached), so adding an entry
    renders that entry's lines and nothing else; only visible lines are drawn. Rendering many
    new lines at once happens in a worker while the previous lines stay on screen.
    """

    ALLOW_MAXIMIZE = False
    COMPONENT_CLASSES = {"plan-preview--current", "plan-preview--bar", "plan-preview--warning"}
    DEFAULT_CSS = """
    PlanPreview > .plan-preview--current { background: $boost; }
    PlanPreview > .plan-preview--bar { color: $accent; }
    PlanPreview > .plan-preview--warning { color: $warning; text-style: bold; }
    """

    class Rendered(Message):
        """A worker rendered lines for this width (all it was given, or until a newer layout took over)."""

        def __init__(self, cache: LineCache, width: int, complete: bool = True) -> None:
            super().__init__()
            self.cache, self.width, self.complete = cache, width, complete

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sections: list[PlanSection] = []
        self._starts: list[int] = []
        self._cache = LineCache()
        self._width = 0
        self.pending = False
        """True while a worker renders lines that are not on screen yet."""
        self._styles: tuple = (None, None, None)
        self._decorated: dict[tuple[int, bool, int], tuple[Row, Strip]] = {}
        self.updated_sections = 0
        """How many sections the last `show_plan` changed (tests and benchmarks read it)."""

    @property
    def sections(self) -> list[PlanSection]:
        return list(self._sections)

    def _text_width(self) -> int:
        # The scrollbar's column is always kept free, so showing it never re-wraps the plan.
        return max(10, self.container_size.width - self.styles.scrollbar_size_vertical - _GUTTER)

    def show_plan(self, text: str, parts: list[tuple[str, str]] | None = None) -> int:
        """Show the plan (split into sections already, or here); returns how many sections changed."""
        parts = split_sections(text) if parts is None else parts
        current = self._sections
        changed = sum(section.set_source(h, s) for section, (h, s) in zip(current, parts))
        if len(parts) > len(current):
            new = [PlanSection(h, s) for h, s in parts[len(current) :]]
            current.extend(new)
            changed += len(new)
        del current[len(parts) :]
        self.updated_sections = changed
        self._lay_out()
        return changed

    def _lay_out(self) -> None:
        """Give every section its lines at the current width, then update the scroll height."""
        if not self.size.width:
            # Not laid out yet (the first view is built before the first frame): the lines
            # are rendered once, on the resize that gives the preview its real width.
            self._width = 0
            self._measure()
            return
        width = self._width = self._text_width()
        todo = [s for s in self._sections if s.rows is None or s.width != width]
        lines = [line for s in todo for line in s.source.split("\n")]
        if lines and self._cache.missing(lines, width) > SYNC_LINES:
            if all(s.rows is None for s in self._sections):
                # Nothing on screen yet (the first plan): what the first screen shows is
                # rendered now, a screenful or two, and everything else in the worker.
                self._render_first_screen(width)
            self.pending = True  # old lines stay on screen until the worker's arrive
            self._render_lines(lines, width)
        else:
            for section in todo:
                section.rows, section.width = self._cache.render(section.source.split("\n"), width), width
        self._measure()

    def _render_first_screen(self, width: int) -> None:
        """Render the sections a screenful from the top and from the current section on."""
        height = max(1, self.size.height)
        current = next((i for i, s in enumerate(self._sections) if s.has_class("-current")), 0)
        for start in dict.fromkeys((0, current)):
            rows = 0
            for section in self._sections[start:]:
                if rows >= height:
                    break
                if section.rows is None:
                    section.rows, section.width = self._cache.render(section.source.split("\n"), width), width
                rows += len(section.rows) + 1

    @property
    def lines_on_screen(self) -> bool:
        """True when every section in view is drawn with its lines (not a heading line standing in)."""
        if not self._sections or not self._width:
            return False
        top, bottom = self.scroll_offset.y, self.scroll_offset.y + max(1, self.size.height)
        for section, start in zip(self._sections, self._starts):
            if start >= bottom:
                break
            end = start + (len(section.rows) if section.rows is not None else 1)
            if end > top and (section.rows is None or section.width != self._width):
                return False
        return True

    def _measure(self) -> None:
        starts, total = [], 0
        for section in self._sections:
            starts.append(total)
            total += (len(section.rows) if section.rows is not None else 1) + 1
        self._starts = starts
        set_virtual_size(self, Size(0, max(0, total - 1)))  # wrapped: never scrolls sideways
        self.refresh()

    @work(thread=True, exclusive=True, group="plan-lines")
    def _render_lines(self, lines: list[str], width: int) -> None:
        # Only the lines the pane lacks, and only while this is the newest layout: a change that
        # comes while the first plan of a large session is rendered starts another worker, and
        # the older one used to go on rendering thousands of lines beside it (seconds of the
        # interpreter's lock taken from the keys being typed).
        worker = get_current_worker()
        cache = LineCache()
        complete = cache.fill(lines, width, known=self._cache, stop=lambda: worker.is_cancelled)
        # Given up or not, the lines made are right: the pane keeps them, and the newer worker
        # skips them once they are in (a session of 10,000 entries changed at every Enter used
        # to render its first 11,000 lines again and again, each worker starting from nothing).
        self.post_message(self.Rendered(cache, width, complete))

    def on_plan_preview_rendered(self, message: Rendered) -> None:
        self._cache.merge(message.cache)
        if not message.complete:
            message.stop()
            return  # a newer worker has the layout to finish
        # A complete one goes on up: the screen learns that the plan's lines are all drawn.
        self.pending = False
        # Sections above the top row may grow from one stand-in line to all of theirs: the row
        # at the top stays where it is, so nothing moves under the reader's eyes.
        row = self.scroll_offset.y
        index = bisect_right(self._starts, row) - 1
        offset = row - self._starts[index] if index >= 0 else 0
        self._lay_out()
        if index >= 0 and index < len(self._starts) and self._starts[index] + offset != row:
            self.scroll_to(y=self._starts[index] + offset, animate=False, immediate=True)

    def on_resize(self) -> None:
        self._follow_width()

    def _follow_width(self) -> None:
        """Lay the lines out again when the room for the text changed."""
        if self._sections and self._text_width() != self._width:
            self._lay_out()

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        # The first frame is drawn before this widget hears of its size (the Resize message
        # comes after): lay the lines out for the size it is drawn at, now.
        self._follow_width()
        # The styles are looked up once per frame, not once per line.
        styles = (self.rich_style, self.get_component_rich_style("plan-preview--current"), self.get_component_rich_style("plan-preview--bar"))
        if styles != self._styles:
            self._styles, self._decorated = styles, {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base, current_style, bar_style = self._styles
        row = self.scroll_offset.y + y
        index = bisect_right(self._starts, row) - 1
        if index < 0 or not self._sections:
            return Strip.blank(width, base)
        section = self._sections[index]
        offset = row - self._starts[index]
        rows = section.rows
        if rows is None:  # rendering in a worker: the raw first line meanwhile
            rows = [(Segment(visible(section.source.split("\n", 1)[0])),)]
        if offset >= len(rows):
            return Strip.blank(width, base)
        current = section.has_class("-current")
        row_segments = rows[offset]
        warning = section.warning if offset == 0 else None
        key = (id(row_segments), current, width, warning)
        done = self._decorated.get(key)
        if done is None or done[0] is not row_segments:
            gutter = [Segment("▌", bar_style), Segment(" ")] if current else [Segment("  ")]
            line = Strip(row_segments)
            if warning:  # after the heading, on screen only: never part of the plan text
                line = Strip([*row_segments, Segment(f"  {warning}", self.get_component_rich_style("plan-preview--warning"))])
            done = (row_segments, decorate(line, width, base, gutter, current_style if current else None))
            if len(self._decorated) > 4096:
                self._decorated.clear()
            self._decorated[key] = done
        return done[1]

    def mark_current(self, heading: str | None, *, scroll: bool = True) -> None:
        """Highlight the section with this heading and scroll it to the top."""
        wanted = (heading or "").strip().lower()
        target = None
        for index, section in enumerate(self._sections):
            is_it = bool(wanted) and section.heading.strip().lower() == wanted and target is None
            if is_it != section.has_class("-current"):
                section.set_class(is_it, "-current")
                self.refresh()
            if is_it:
                target = index
        if target is not None and scroll:
            self.call_after_refresh(self._scroll_to_section, target)

    def _scroll_to_section(self, index: int) -> None:
        if index < len(self._starts):
            self.scroll_to(y=self._starts[index], animate=False)

    def mark_warnings(self, warnings: dict[str, str]) -> None:
        """Show a warning after these headings (heading -> text); the others lose theirs."""
        for section in self._sections:
            warning = warnings.get(section.heading)
            if warning != section.warning:
                section.warning = warning
                self.refresh()

    def section_start(self, index: int) -> int | None:
        """The preview row (0-based, in scroll coordinates) where section `index` starts."""
        return self._starts[index] if 0 <= index < len(self._starts) else None


class PlanPane(Vertical):
    """Blockers above the plan; the plan rendered (default) or raw."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Plan"
        self.text = ""
        self._raw_text: str | None = None
        self._raw_area: TextArea | None = None

    def compose(self) -> ComposeResult:
        # Blocked from the start, as a plan in discussion nearly always is: its first list then
        # changes no class, and the list is not styled again before the first frame (3 ms).
        yield BlockerList(id="blockers", classes="-blocked")
        # The preview or the raw markdown (display), in no container of their own: one behind the
        # preview would draw each of its lines, cut at the preview's edges (180 KB of strips).
        # The raw view is mounted the first time it is shown (a TextArea costs 100 KB).
        yield PlanPreview(id="plan-preview")

    @property
    def blocker_list(self) -> BlockerList:
        return self.query_one(BlockerList)

    @property
    def preview(self) -> PlanPreview:
        return self.query_one(PlanPreview)

    @property
    def raw(self) -> bool:
        """True while raw markdown is shown."""
        return self._raw_area is not None and self._raw_area.display

    @property
    def raw_area(self) -> TextArea:
        """The raw markdown view, mounted (hidden) the first time it is asked for."""
        if self._raw_area is None:
            self._raw_area = TextArea(id="plan-raw", read_only=True, soft_wrap=True, show_line_numbers=True, language=None)
            self.mount(self._raw_area)
        return self._raw_area

    def show(
        self,
        text: str,
        blockers: list[Blocker],
        heading: str | None,
        *,
        scroll: bool = True,
        parts: list[tuple[str, str]] | None = None,
        checking: bool = False,
    ) -> None:
        """Show a freshly rendered plan, its blockers (`checking`: only those known so far), and the current topic's section."""
        self.text = text
        self.query_one(BlockerList).show(blockers, checking=checking)
        self.preview.show_plan(text, parts)
        self.preview.mark_current(heading, scroll=scroll)
        if self.raw:
            self._load_raw()

    def _load_raw(self) -> None:
        if self._raw_text != self.text:  # load_text re-parses the whole document: only on change
            self._raw_text = self.text
            self.raw_area.load_text(visible(self.text))

    def toggle_raw(self) -> bool:
        """Switch between the preview and raw markdown; returns True when raw is now shown."""
        raw = not self.raw
        if raw:
            self._load_raw()
        self.preview.display = not raw
        self.raw_area.display = raw
        self.border_subtitle = "raw markdown" if self.raw else ""
        return self.raw
