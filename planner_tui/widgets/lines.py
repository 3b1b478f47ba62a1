"""Markdown lines rendered to Textual strips once per width and remembered line by line, and scrolled."""

from __future__ import annotations

from itertools import islice
from typing import Callable

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from planner_tui.widgets.textstyle import markdown_line

__all__ = ["LineCache", "Row", "new_console", "text_rows", "text_strips", "decorate", "set_virtual_size"]

Row = tuple[Segment, ...]
"""One terminal line's segments, as a cache keeps them: a Strip carries seven small caches of its
own (about 1 KB), so a cache of thousands of lines keeps rows and makes Strips when drawing."""


def new_console() -> Console:
    """A private console to render with (one per thread: rich consoles keep render state)."""
    return Console(
        width=200, color_system="truecolor", force_terminal=True, legacy_windows=False,
        markup=False, emoji=False, highlight=False,
    )


def text_rows(console: Console, text: Text, width: int) -> list[Row]:
    """A Text wrapped to width, as rows of segments (one per terminal line)."""
    plain = text.plain
    if "\t" not in plain and "\n" not in plain and cell_len(plain) <= width:
        # Most lines fit: their segments are the row, a quarter of the cost of wrapping.
        return [tuple(text.render(console, end=""))]
    if "\t" not in plain and "\n" not in plain:
        # One line that wraps: rich's own wrap, each piece rendered alone. Half the cost of the
        # console's line rendering (which joins the pieces and splits them again); the same cells
        # and styles (a piece without spans has no style rather than the null one).
        return [tuple(seg for seg in line.render(console, end="") if seg.text) for line in text.wrap(console, max(1, width))]
    options = console.options.update_width(max(1, width))
    return [tuple(line) for line in console.render_lines(text, options, pad=False)]


def text_strips(console: Console, text: Text, width: int) -> list[Strip]:
    """A Text wrapped to width, as strips (one per terminal line)."""
    return [Strip(row) for row in text_rows(console, text, width)]


def decorate(strip: Strip, width: int, base: Style, gutter: list[Segment] | None = None, over: Style | None = None) -> Strip:
    """A strip cropped or padded to width, with the widget's style under it and a gutter before it."""
    if gutter:
        strip = Strip(gutter + list(strip))
    strip = strip.crop_extend(0, width, None)
    if over is not None:
        strip = strip.apply_style(over)
    return strip.apply_style(base)


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set a line view's scrollable size without laying out the whole screen (the reactive would).

    Only the view's scrollbars depend on it; a full layout is asked for only when a scrollbar
    appears or goes, which changes the room the text has.
    """
    if size == view.virtual_size:
        return
    bars = (view.show_vertical_scrollbar, view.show_horizontal_scrollbar)
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
    if (view.show_vertical_scrollbar, view.show_horizontal_scrollbar) != bars:
        view.refresh(layout=True)


def _fence_edge(line: str) -> bool:
    """True for a line that opens or closes a code fence (the lines after it change sides)."""
    return line.lstrip().startswith(("```", "~~~"))


class LineCache:
    """Rendered lines by (text, width, inside a fence), as rows: a changed section re-renders its new lines only.

    Rendering one line (styling plus wrapping) costs tens of microseconds; looking it up costs
    well under one, so redrawing a 300-line section after one bullet was added is cheap.
    """

    def __init__(self, maxsize: int = 50_000) -> None:
        self.maxsize = maxsize
        self._lines: dict[tuple[str, int, bool], tuple[Row, ...]] = {}
        self._console: Console | None = None

    def missing(self, lines: list[str], width: int) -> int:
        """How many of these lines are not rendered at this width yet."""
        cache, fence, count = self._lines, False, 0
        for line in lines:
            count += (line, width, fence) not in cache
            fence ^= _fence_edge(line)
        return count

    def _make(self, line: str, width: int, fence: bool) -> tuple[tuple[Row, ...], bool]:
        """One line styled and wrapped (its rows), and whether the line after it is inside a fence."""
        if self._console is None:
            self._console = new_console()
        styled, after = markdown_line(line, fence)
        return tuple(text_rows(self._console, styled, width)) or ((),), after

    def render(self, lines: list[str], width: int) -> list[Row]:
        """The rows of these lines at this width, rendering only the ones not seen before."""
        cache = self._lines
        out: list[Row] = []
        fence = False
        for line in lines:
            key = (line, width, fence)
            hit = cache.get(key)
            if hit is None:
                hit, fence = self._make(line, width, fence)
                cache[key] = hit
            else:
                fence ^= _fence_edge(line)
            out.extend(hit)
        if len(cache) > self.maxsize:
            for key in list(islice(cache, len(cache) // 2)):
                del cache[key]
        return out

    def fill(self, lines: list[str], width: int, *, known: "LineCache", stop: Callable[[], bool]) -> bool:
        """Render (in a worker, into this cache) the lines neither this cache nor `known` has at
        this width; False when `stop()` said to give up first (a newer layout took over)."""
        cache, have = self._lines, known._lines
        fence, made = False, 0
        for line in lines:
            key = (line, width, fence)
            if key in have or key in cache:  # `have` is only looked in: safe beside its own thread
                fence ^= _fence_edge(line)
                continue
            made += 1
            if made % 64 == 0 and stop():
                return False
            cache[key], fence = self._make(line, width, fence)
        return True

    def merge(self, other: "LineCache") -> None:
        """Take the lines another cache rendered (a worker's) into this one."""
        self._lines.update(other._lines)
