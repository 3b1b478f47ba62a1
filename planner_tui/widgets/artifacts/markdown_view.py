"""A markdown document drawn line by line: only the lines on screen are styled and wrapped."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, islice

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from planner_tui.widgets.lines import decorate, new_console, set_virtual_size, text_strips
from planner_tui.widgets.textstyle import markdown_line

__all__ = ["MarkdownLines", "PreparedMarkdown", "prepare_markdown", "line_strips", "FIRST_SCREEN_ROWS"]

FIRST_SCREEN_ROWS = 60
"""Rows the reading worker renders ahead (a tall terminal's first screen), at the width it sees."""
_KEEP_LINES = 1000  # rendered lines kept per width (about 20 screens; a line's Strips cost about 1 KB each)
_FENCES = ("```", "~~~")


@dataclass
class PreparedMarkdown:
    """A document split into lines with what drawing them needs, built off the UI thread."""

    lines: list[str]
    """The terminal-safe source lines."""
    fences: bytearray
    """1 where a line lies inside a code fence (its look depends on it)."""
    cells: list[int]
    """Each source line's width in cells: the cheap estimate of its wrapped height."""
    width: int = 0
    """The width `strips` were rendered at (0: none rendered)."""
    strips: dict[int, tuple[Strip, ...]] = field(default_factory=dict)
    """The first lines, rendered ahead at `width` (line index -> its rows)."""
    rows: list[int] | None = None
    """Each line's height at `width`: exact for the rendered ones, estimated for the rest."""


def prepare_markdown(text: str, width: int = 0, rows: int = 0) -> PreparedMarkdown:
    """Split safe text into lines and fence flags; render the first `rows` rows when width > 0.

    Costs well under a microsecond per line besides the rendered ones (tens of microseconds each),
    so it is cheap enough inline for a small document and fast in a worker for 64 KB.
    """
    lines = text.split("\n")
    fences, fence = bytearray(len(lines)), False
    for index, line in enumerate(lines):
        fences[index] = fence
        if line.lstrip().startswith(_FENCES):
            fence = not fence
    prepared = PreparedMarkdown(lines, fences, [cell_len(line) for line in lines])
    if width > 0 and rows > 0:
        console, done = new_console(), 0
        prepared.width = width
        for index in range(len(lines)):
            if done >= rows:
                break
            strips = line_strips(console, lines[index], bool(fences[index]), width)
            prepared.strips[index] = strips
            done += len(strips)
        heights = [_estimate(cells, width) for cells in prepared.cells]
        for index, strips in prepared.strips.items():
            heights[index] = len(strips)
        prepared.rows = heights
    return prepared


def line_strips(console: Console, line: str, in_fence: bool, width: int) -> tuple[Strip, ...]:
    """One source line styled like the plan preview and wrapped to width (at least one row)."""
    styled, _ = markdown_line(line, in_fence)
    return tuple(text_strips(console, styled, width)) or (Strip([]),)


def _estimate(cells: int, width: int) -> int:
    return max(1, -(-cells // width))


class MarkdownLines(ScrollView, can_focus=True):
    """Markdown drawn from its source lines, soft-wrapped to the width: cost follows the screen.

    Each source line's height is estimated from its length until it is drawn; a line is styled and
    wrapped (then remembered) only when it comes on screen, and its exact height replaces the
    estimate. Only lines from the top of the view down are corrected, so the view never jumps;
    the scrollbar settles as the document is read. The row -> source line map is always exact for
    what is drawn, so `top_line()` is the line a person sees at the top.
    """

    ALLOW_MAXIMIZE = False
    DEFAULT_CSS = """
    MarkdownLines { overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._doc = PreparedMarkdown([], bytearray(), [])
        self._rows: list[int] = []
        self._starts: list[int] = [0]
        """Row where each line starts, plus the total at the end."""
        self._width = 0
        self._strips: dict[int, tuple[Strip, ...]] = {}
        self._drawn: dict[int, tuple[Strip, ...]] = {}
        self._base: Style | None = None
        self._line_console: Console | None = None
        self._size_pending = False
        self._frame_width = 0
        self.rendered_lines = 0
        """How many source lines were styled and wrapped on this thread (tests read it)."""

    # ------------------------------------------------------------------ content

    @property
    def line_count(self) -> int:
        return len(self._doc.lines)

    def show(self, prepared: PreparedMarkdown, top: int = 1) -> None:
        """Show a prepared document with 1-based source line `top` at the top (a reload keeps its place)."""
        self._doc = prepared
        self._strips, self._drawn, self._width = {}, {}, 0
        self._relayout(self._text_width())
        if top > 1:
            self.scroll_to_line(top)
        else:
            self.scroll_to(0, 0, animate=False)
        self.refresh()

    def clear(self) -> None:
        """Forget the document."""
        self.show(PreparedMarkdown([], bytearray(), []))

    @property
    def text_width(self) -> int:
        """The width lines are wrapped to (0 before the first layout or while hidden)."""
        return self._text_width()

    def width_within(self, outer: int) -> int:
        """The text width this view would have `outer` cells wide (while hidden it has no size)."""
        return max(0, outer - self.styles.gutter.width - self.styles.scrollbar_size_vertical)

    def _text_width(self) -> int:
        # The scrollbar's column is always kept free, so showing it never re-wraps the text.
        return max(0, self.container_size.width - self.styles.scrollbar_size_vertical)

    def _relayout(self, width: int, *, sync: bool = True) -> None:
        """Heights from the estimates (or rows already rendered) at width; the scroll height follows."""
        doc = self._doc
        if width != self._width:
            self._width, self._strips, self._drawn = width, {}, {}
            if doc.strips and doc.width == width:
                self._strips.update(doc.strips)  # the worker's first screen, when it saw this width
        if width <= 0:
            self._rows = [1] * len(doc.lines)
        elif doc.rows is not None and doc.width == width and len(self._strips) == len(doc.strips):
            self._rows = list(doc.rows)  # measured in the worker
        else:
            self._rows = [_estimate(cells, width) for cells in doc.cells]
            for index, strips in self._strips.items():
                self._rows[index] = len(strips)
        self._restart()
        if sync:
            set_virtual_size(self, Size(0, self._starts[-1]))
        else:
            self._defer_size()

    def _restart(self) -> None:
        self._starts = [0, *accumulate(self._rows)]

    def _defer_size(self) -> None:
        # Not while a frame is drawn: the scrollbar follows right after it.
        if not self._size_pending:
            self._size_pending = True
            self.call_later(self._sync_size)

    def _sync_size(self) -> None:
        self._size_pending = False
        set_virtual_size(self, Size(0, self._starts[-1]))
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False)
        elif self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

    # ------------------------------------------------------------------ rows and lines

    def _line_strips(self, index: int) -> tuple[Strip, ...]:
        """The rows of one source line at the current width, rendering it if it is new."""
        strips = self._strips.get(index)
        if strips is None:
            if self._line_console is None:
                self._line_console = new_console()
            strips = line_strips(self._line_console, self._doc.lines[index], bool(self._doc.fences[index]), self._width)
            self.rendered_lines += 1
            if len(self._strips) >= _KEEP_LINES:
                for key in list(islice(self._strips, _KEEP_LINES // 2)):
                    del self._strips[key]
                    self._drawn.pop(key, None)
            self._strips[index] = strips
        return strips

    def _make_exact(self, first: int, height: int) -> bool:
        """Render the lines from `first` down until `height` rows are covered; True if heights changed."""
        changed = False
        rows, covered, index = self._rows, 0, first
        while index < len(rows) and covered < height:
            count = len(self._line_strips(index))
            if rows[index] != count:
                rows[index], changed = count, True
            covered += count
            index += 1
        if changed:
            self._restart()
        return changed

    def line_at(self, row: int) -> int:
        """0-based index of the source line drawn at this row (in scroll coordinates)."""
        if not self._doc.lines:
            return 0
        return min(max(0, bisect_right(self._starts, row) - 1), len(self._doc.lines) - 1)

    def top_line(self) -> int | None:
        """1-based source line at the top of the view; a blank top row gives the next non-blank line shown."""
        lines = self._doc.lines
        if not lines:
            return None
        index = self.line_at(self.scroll_offset.y)
        bottom = self.scroll_offset.y + max(1, self.scrollable_content_region.height)
        scan = index
        while scan < len(lines) and self._starts[scan] < bottom:
            if lines[scan].strip():
                return scan + 1
            scan += 1
        return index + 1

    def scroll_to_line(self, line: int, *, center: bool = False) -> None:
        """Bring 1-based source line `line` to the top (or the middle) of the view."""
        if not self._doc.lines:
            return
        index = min(max(0, line - 1), len(self._doc.lines) - 1)
        height = max(1, self.scrollable_content_region.height)
        if self._width > 0:
            self._make_exact(index, height)
            self._sync_size()
        y = self._starts[index] - (height // 3 if center else 0)
        self.scroll_to(y=max(0, y), animate=False)

    def scroll_home(self, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        # Not animated: every frame of a long glide would style a new screen of lines.
        super().scroll_home(**{**kwargs, "animate": False})

    def scroll_end(self, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        # The last screen's heights are made exact first, so the end is the real end; not
        # animated, since every frame of a long glide would style a new screen of lines.
        height = max(1, self.scrollable_content_region.height)
        if self._width > 0 and self._doc.lines:
            rows, index, covered = self._rows, len(self._rows), 0
            while index > 0 and covered < height:
                index -= 1
                rows[index] = len(self._line_strips(index))
                covered += rows[index]
            self._restart()
            self._sync_size()
        super().scroll_end(**{**kwargs, "animate": False})

    def shown_text(self) -> str:
        """The plain text of the rows on screen now (what a person reads), one row per line."""
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        rows: list[str] = []
        for row in range(top, min(top + height, self._starts[-1])):
            index = self.line_at(row)
            strips = self._line_strips(index)
            offset = row - self._starts[index]
            rows.append(strips[offset].text.rstrip() if offset < len(strips) else "")
        return "\n".join(rows)

    # ------------------------------------------------------------------ drawing

    def on_resize(self) -> None:
        if self._text_width() != self._width:
            self.refresh()  # the next frame re-wraps (render_lines), keeping the top line in place

    def _rewrap(self, width: int) -> None:
        """A new width while a frame is drawn: new heights, and the line at the top stays there.

        The scroll position is set without its watchers (they would refresh mid-frame); the
        scrollbar catches up right after the frame.
        """
        top = self.line_at(self.scroll_offset.y) if self._doc.lines else 0
        self._relayout(width, sync=False)
        y = self._starts[top] if self._doc.lines and self._width > 0 else 0
        self.set_reactive(Widget.scroll_y, float(y))
        self.set_reactive(Widget.scroll_target_y, float(y))

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        width = self._text_width()
        if width != self._width:
            self._rewrap(width)
        self._frame_width = self.scrollable_content_region.width  # looked up once per frame, not per row
        base = self.rich_style
        if base != self._base:
            self._base, self._drawn = base, {}
        if width > 0 and self._doc.lines:
            top = self.line_at(self.scroll_offset.y)
            skip = self.scroll_offset.y - self._starts[top]
            if self._make_exact(top, skip + self.scrollable_content_region.height):
                self._defer_size()  # heights below the top changed: only the scrollbar moves
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._frame_width
        row = self.scroll_offset.y + y
        if not self._doc.lines or row >= self._starts[-1] or self._width <= 0:
            return Strip.blank(width, self._base)
        index = self.line_at(row)
        drawn = self._drawn.get(index)
        if drawn is None or (drawn and drawn[0].cell_length != width):
            drawn = tuple(decorate(strip, width, self._base or Style()) for strip in self._line_strips(index))
            self._drawn[index] = drawn
        offset = row - self._starts[index]
        return drawn[offset] if offset < len(drawn) else Strip.blank(width, self._base)
