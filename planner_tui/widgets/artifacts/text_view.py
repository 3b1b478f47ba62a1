"""Plain text drawn row by row (Line API) over an index of line offsets: a 2 MB file costs the rows on screen."""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets.text_area import Selection

from planner_tui.widgets.artifacts.text_index import TAB_WIDTH, Location, PreparedText, Rows, prepare_text
from planner_tui.widgets.lines import decorate, set_virtual_size

__all__ = ["TextLines", "PreparedText", "prepare_text"]

_WORD_BOUNDARY = re.compile(r"(?<=\W)(?=\w)|(?<=\w)(?=\W)")  # where ctrl+left/right stop, as in TextArea
_KEEP_ROWS = 500  # drawn rows remembered (a screenful is about 50; each row is a Strip of about 1 KB)
_LOOKS = ("text-lines--gutter", "text-lines--cursor-gutter", "text-lines--cursor-line", "text-lines--selection", "text-lines--cursor")


class TextLines(ScrollView, can_focus=True):
    """Read-only text with line numbers, a cursor and a selection, drawn a row at a time (Line API).

    Without soft wrap a row is a line, so any size costs the same; with it (small files) each
    line's wrap points are found once per width. Keys follow Textual's TextArea.
    """

    ALLOW_SELECT = False  # the view selects by itself (mouse and keys), like a TextArea
    COMPONENT_CLASSES = set(_LOOKS)
    DEFAULT_CSS = """
    TextLines {
        width: 1fr; height: 1fr; background: $surface; color: $foreground; pointer: text;
        & .text-lines--gutter { color: $foreground 40%; }
        & .text-lines--cursor-gutter { color: $foreground 60%; background: $boost; text-style: bold; }
        & .text-lines--cursor-line { background: $boost; }
        & .text-lines--selection { background: $input-selection-background; color: $input-selection-foreground; }
        & .text-lines--cursor { color: $input-cursor-foreground; background: $warning-darken-1; }
        &:ansi .text-lines--selection { background: transparent; text-style: reverse; }
        &:ansi .text-lines--cursor { text-style: reverse; }
    }
    """
    BINDINGS = [
        Binding(keys, f"{action}({select})" if select else action, show=False)
        for keys, action, select in [
            ("up", "cursor_up", ""), ("down", "cursor_down", ""), ("left", "cursor_left", ""),
            ("right", "cursor_right", ""), ("ctrl+left", "cursor_word_left", ""), ("ctrl+right", "cursor_word_right", ""),
            ("home,ctrl+a", "cursor_line_start", ""), ("end,ctrl+e", "cursor_line_end", ""),
            ("pageup", "cursor_page_up", ""), ("pagedown", "cursor_page_down", ""),
            ("shift+up", "cursor_up", "True"), ("shift+down", "cursor_down", "True"),
            ("shift+left", "cursor_left", "True"), ("shift+right", "cursor_right", "True"),
            ("ctrl+shift+left", "cursor_word_left", "True"), ("ctrl+shift+right", "cursor_word_right", "True"),
            ("shift+home", "cursor_line_start", "True"), ("shift+end", "cursor_line_end", "True"),
            ("f6", "select_line", ""), ("f7", "select_all", ""), ("ctrl+c,super+c", "copy", ""),
        ]
    ]

    selection: var[Selection] = var(Selection(), always_update=True, init=False)
    """The selected range; its end is the cursor (`(line, column)`, 0-based)."""
    soft_wrap: reactive[bool] = reactive(False, init=False)
    show_line_numbers: reactive[bool] = reactive(True, init=False)

    def __init__(self, text: str = "", *, soft_wrap: bool = False, show_line_numbers: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._doc = PreparedText(text)
        self._rows = Rows(self._doc)
        self.set_reactive(TextLines.soft_wrap, soft_wrap)
        self.set_reactive(TextLines.show_line_numbers, show_line_numbers)
        self._drawn: dict[tuple, Strip] = {}
        self._looks: tuple[Style, ...] = ()
        self._goal_x = 0
        """The cell up and down keys aim for, as in an editor."""
        self._vertical = False
        self._selecting = False
        self._scroll_pending: bool | None = None

    # ------------------------------------------------------------------ content

    @property
    def document(self) -> PreparedText:
        """The indexed text shown (`line_count`, `get_line`)."""
        return self._doc

    @property
    def text(self) -> str:
        return self._doc.text

    @property
    def selected_text(self) -> str:
        return self._doc.get_text_range(*self.selection)

    @property
    def cursor_location(self) -> Location:
        return self.selection.end

    @cursor_location.setter
    def cursor_location(self, location: Location) -> None:
        self.move_cursor(location, select=not self.selection.is_empty)

    def load_text(self, text: str) -> None:
        """Show a text (indexed here: for small texts; a big one comes through `show_prepared`)."""
        self.show_prepared(PreparedText(text), wrap=self.soft_wrap)

    def show_prepared(self, prepared: PreparedText, *, wrap: bool = False) -> None:
        """Show an indexed text at its top, without soft wrap unless asked: the same cost for 2 MB as for 2 KB."""
        self._doc = prepared
        self.set_reactive(TextLines.soft_wrap, wrap)
        self.set_reactive(TextLines.selection, Selection())
        self._goal_x = 0
        self._relayout(sync=True)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def validate_selection(self, selection: tuple[Location, Location]) -> Selection:
        return Selection(self._doc.clamp(selection[0]), self._doc.clamp(selection[1]))

    def watch_selection(self) -> None:
        if not self._vertical:
            self._goal_x = self._rows.x_of(self.cursor_location)
        self.refresh()
        self.scroll_cursor_visible()

    def watch_soft_wrap(self) -> None:
        # Wrapped at the next frame, not here: `soft_wrap` is often set just before a new text.
        self.refresh()
        self.call_after_refresh(self.scroll_cursor_visible, center=True)

    def watch_show_line_numbers(self) -> None:
        self._relayout(sync=True)

    # ------------------------------------------------------------------ rows

    @property
    def gutter_width(self) -> int:
        """Cells taken by the line numbers (the widest number and two spaces)."""
        return len(str(self._doc.line_count)) + 2 if self.show_line_numbers else 0

    @property
    def row_count(self) -> int:
        """Rows drawn: the line count, or more where lines wrap."""
        return self._rows.count

    def _wanted_wrap(self) -> int:
        # One column is kept for the cursor at a line's end; too narrow (or hidden): no wrap yet.
        width = self.scrollable_content_region.width - self.gutter_width - 1
        return width if self.soft_wrap and width > 0 else 0

    def _relayout(self, *, sync: bool) -> None:
        """Rows at the wanted wrap width; the scroll area follows (after the frame, while one is drawn)."""
        self._rows, self._drawn = Rows(self._doc, self._wanted_wrap()), {}
        width, height = self._doc.size
        size = Size(0, self._rows.count) if self._rows.width else Size(width + self.gutter_width + 1, height)
        if sync:
            set_virtual_size(self, size)
        elif size != self.virtual_size:
            self.call_later(set_virtual_size, self, size)

    def _ensure_wrap(self, *, sync: bool = True) -> None:
        """Re-wrap after a change of width or of `soft_wrap`, keeping the line at the top in place."""
        if self._wanted_wrap() != self._rows.width:
            top = self._rows.line_at(self.scroll_offset.y)
            self._relayout(sync=sync)
            # Without the scroll watchers: this may run while a frame is drawn.
            y = float(self._rows.first_row(top))
            self.set_reactive(ScrollView.scroll_y, y)
            self.set_reactive(ScrollView.scroll_target_y, y)

    # ------------------------------------------------------------------ cursor

    def scroll_cursor_visible(self, center: bool = False) -> None:
        """Scroll so the cursor is on screen (in the middle with `center`)."""
        if not self.scrollable_content_region.height:
            self._scroll_pending = center  # not laid out yet: done with the first frame
            return
        self._ensure_wrap()
        cursor = self.cursor_location
        region = Region(self._rows.x_of(cursor), self._rows.row_of(cursor), 3, 1)
        self.scroll_to_region(region, spacing=Spacing(right=self.gutter_width), animate=False, force=True, center=center)

    def move_cursor(self, location: Location, select: bool = False) -> None:
        """Put the cursor at a location, extending the selection with `select`."""
        self.selection = Selection(self.selection.start if select else location, location)

    def _move_rows(self, rows: int, select: bool) -> None:
        self._ensure_wrap()
        target = self._rows.location_at(self._rows.row_of(self.cursor_location) + rows, self._goal_x)
        self._vertical = True  # up and down keep aiming at the same cell
        try:
            self.move_cursor(target, select)
        finally:
            self._vertical = False

    def action_cursor_up(self, select: bool = False) -> None:
        self._move_rows(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._move_rows(1, select)

    def action_cursor_page_up(self) -> None:
        height = self.scrollable_content_region.height
        self.scroll_relative(y=-height, animate=False)
        self._move_rows(-height, False)

    def action_cursor_page_down(self) -> None:
        height = self.scrollable_content_region.height
        self.scroll_relative(y=height, animate=False)
        self._move_rows(height, False)

    def action_cursor_left(self, select: bool = False) -> None:
        start, end = sorted(self.selection)
        row, column = self.cursor_location
        if not select and start != end:
            self.move_cursor(start)  # a selection collapses to its start first
        elif column or not row:
            self.move_cursor((row, column - 1), select)
        else:
            self.move_cursor((row - 1, len(self._doc.get_line(row - 1))), select)

    def action_cursor_right(self, select: bool = False) -> None:
        start, end = sorted(self.selection)
        row, column = self.cursor_location
        if not select and start != end:
            self.move_cursor(end)
        elif column < len(self._doc.get_line(row)) or row + 1 == self._doc.line_count:
            self.move_cursor(self._doc.clamp((row, column + 1)), select)
        else:
            self.move_cursor((row + 1, 0), select)

    def action_cursor_word_left(self, select: bool = False) -> None:
        row, column = self.cursor_location
        bounds = list(_WORD_BOUNDARY.finditer(self._doc.get_line(row)[:column].rstrip()))
        if column == 0:
            self.action_cursor_left(select)
        else:
            self.move_cursor((row, bounds[-1].start() if bounds else 0), select)

    def action_cursor_word_right(self, select: bool = False) -> None:
        row, column = self.cursor_location
        line = self._doc.get_line(row)
        rest = line[column:].lstrip()
        bound = _WORD_BOUNDARY.search(rest)
        if column == len(line):
            self.action_cursor_right(select)
        else:
            self.move_cursor((row, len(line) - len(rest) + bound.start() if bound else len(line)), select)

    def action_cursor_line_start(self, select: bool = False) -> None:
        self.move_cursor((self.cursor_location[0], 0), select)

    def action_cursor_line_end(self, select: bool = False) -> None:
        row = self.cursor_location[0]
        self.move_cursor((row, len(self._doc.get_line(row))), select)

    def action_select_line(self) -> None:
        row = self.cursor_location[0]
        self.selection = Selection((row, 0), (row, len(self._doc.get_line(row))))

    def action_select_all(self) -> None:
        self.selection = Selection((0, 0), self._doc.end())

    def action_copy(self) -> None:
        if self.selected_text:
            self.app.copy_to_clipboard(self.selected_text)

    def _mouse_location(self, event: events.MouseEvent) -> Location:
        self._ensure_wrap()
        x = event.x - self.gutter.left - self.gutter_width + self.scroll_offset.x
        return self._rows.location_at(event.y - self.gutter.top + self.scroll_offset.y, max(0, x))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.move_cursor(self._mouse_location(event))
        self._selecting = True
        self.capture_mouse()  # a drag past the edge keeps selecting (and scrolling)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._selecting:
            self.move_cursor(self._mouse_location(event), select=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._selecting:
            self._selecting = False
            self.release_mouse()

    def on_focus(self) -> None:
        self.refresh()  # the cursor is drawn only while focused

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._ensure_wrap()

    # ------------------------------------------------------------------ drawing

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        self._ensure_wrap(sync=False)
        looks = (self.rich_style, *map(self.get_component_rich_style, _LOOKS))
        if looks != self._looks:
            self._looks, self._drawn = looks, {}
        if self._scroll_pending is not None:
            center, self._scroll_pending = self._scroll_pending, None
            self.call_later(self.scroll_cursor_visible, center)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = self.scroll_offset.y + y
        if row >= self._rows.count:
            return Strip.blank(width, self._looks[0] if self._looks else None)
        index = self._rows.line_at(row)
        (top, low), (bottom, high) = sorted(self.selection)
        cursor = self.cursor_location
        # What the row's look depends on besides its text: its share of the selection, the cursor.
        marked = (low if index == top else 0, high if index == bottom else None, cursor[0] == index)
        state = (
            marked if top <= index <= bottom and self.selection.start != self.selection.end else None,
            (cursor[1], self.has_focus) if cursor[0] == index else None,
        )
        key = (row, width, self.scroll_offset.x, state)
        strip = self._drawn.get(key)
        if strip is None:
            if len(self._drawn) > _KEEP_ROWS:
                self._drawn.clear()
            strip = self._drawn[key] = self._draw(index, row - self._rows.first_row(index), width, state)
        return strip

    def _draw(self, index: int, part: int, width: int, state: tuple) -> Strip:
        """One row of line `index` (its `part`-th wrapped row) with its gutter, `width` cells wide."""
        base, gutter_look, cursor_gutter, cursor_line, selected, cursor_look = self._looks
        line, sections = self._doc.get_line(index), self._rows.sections(index)
        start, end = sections[part], sections[part + 1]
        last = part == len(sections) - 2
        text = Text(line[start:end] + (" " if last else ""), end="")  # the cell after the end holds the cursor
        marked, at = state
        if marked is not None:
            low, high, has_cursor = marked
            if not line and not has_cursor:
                text = Text("▌", style=Style(color=selected.bgcolor), end="")  # an empty line inside the selection
            else:
                text.stylize(selected, max(low, start) - start, min(len(line) if high is None else high, end) - start)
        if at is not None and at[1] and start <= at[0] and (at[0] < end or last):
            text.stylize(cursor_look, at[0] - start, at[0] - start + 1)
        if "\t" in text.plain:
            text.expand_tabs(TAB_WIDTH)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        if not self._rows.width:
            strip = strip.crop(self.scroll_offset.x, self.scroll_offset.x + width)
        gutter: list[Segment] = []
        if self.show_line_numbers:
            number = str(index + 1) if part == 0 else ""
            gutter = [Segment(f"{number:>{self.gutter_width - 2}}  ", cursor_gutter if at is not None else gutter_look)]
        return decorate(strip, width, base, gutter, cursor_line if at is not None else None)
