"""A text indexed by line offsets, measured in cells and word-wrapped into rows, for the text view."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from itertools import accumulate
from operator import sub

from rich.cells import cell_len
from textual.geometry import Size

__all__ = ["TAB_WIDTH", "Location", "PreparedText", "Rows", "expand_tabs", "prepare_text", "wrap_starts"]

TAB_WIDTH = 4
Location = tuple[int, int]
"""(line, column), both 0-based, as in Textual's TextArea."""

_NEWLINE = re.compile("\n")
_WORD = re.compile(r"\s*\S+\s*|\s+")


def expand_tabs(text: str) -> str:
    """Tabs as spaces up to the next stop, counted in cells the way Rich draws them."""
    if "\t" not in text:
        return text
    parts, out, cells = text.split("\t"), [], 0
    for part in parts[:-1]:
        cells += cell_len(part)
        pad = TAB_WIDTH - cells % TAB_WIDTH
        out.append(part + " " * pad)
        cells += pad
    out.append(parts[-1])
    return "".join(out)


def _cells(text: str) -> int:
    # A tab counts as a full stop: a wrapped row then never draws wider than it was measured.
    return cell_len(text.replace("\t", " " * TAB_WIDTH)) if "\t" in text else cell_len(text)


def wrap_starts(line: str, width: int) -> list[int]:
    """Where each row after the first begins when line is word-wrapped to width cells.

    Whitespace after a word may hang past the edge (as in Textual's TextArea); a word longer
    than the width is folded.
    """
    if width <= 0 or _cells(line) <= width:
        return []
    starts: list[int] = []
    x = 0
    for match in _WORD.finditer(line):
        word = match.group()
        shown = _cells(word.rstrip())
        if x and x + shown > width:
            starts.append(match.start())
            x = 0
        if shown <= width:
            x += _cells(word)
            continue
        for index, char in enumerate(word, match.start()):
            step = _cells(char)
            if x and x + step > width:
                starts.append(index)
                x = 0
            x += step
    return starts


class PreparedText:
    """A text and the offset where each of its lines starts: a line is sliced out only when asked for.

    Built in the read worker for a big file; the text is held once and the index costs 4 bytes a
    line, so a 2 MB file shown costs about 2 MB plus a couple of hundred KB.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # 4 bytes a line while offsets fit (any text the reader shows: it caps files at 2 MB).
        starts = self._starts = array("I" if len(text) < 2**32 else "q", [0])
        starts.extend(match.end() for match in _NEWLINE.finditer(text))
        if text.isascii() and "\t" not in text:  # one cell a character: the longest line is the width
            width = max(max(map(sub, starts[1:], starts[:-1]), default=1) - 1, len(text) - starts[-1])
        else:
            width = max(map(cell_len, map(expand_tabs, text.split("\n"))))
        self.size = Size(width, len(starts))
        """Widest line (cells) and line count."""

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def get_line(self, index: int) -> str:
        """Line `index` (0-based) without its newline."""
        starts = self._starts
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.text)
        return self.text[starts[index] : end]

    def clamp(self, location: Location) -> Location:
        """The nearest location inside the text."""
        row = min(max(0, location[0]), len(self._starts) - 1)
        return row, min(max(0, location[1]), len(self.get_line(row)))

    def end(self) -> Location:
        """The location after the last character."""
        return self.clamp((len(self._starts), len(self.text)))

    def location_of(self, offset: int) -> Location:
        """(line, column) of a character offset into the text."""
        row = bisect_right(self._starts, offset) - 1
        return row, offset - self._starts[row]

    def get_text_range(self, start: Location, end: Location) -> str:
        first, last = sorted((self.clamp(start), self.clamp(end)))
        return self.text[self._starts[first[0]] + first[1] : self._starts[last[0]] + last[1]]


def prepare_text(text: str) -> PreparedText:
    """Index a text's lines and measure it for the text view; safe to call off the UI thread."""
    return PreparedText(text)


class Rows:
    """The rows a text is drawn on at one wrap width (0: a row is a line, at no cost per line).

    Wrapping finds every line's wrap points once (the text view wraps only small texts).
    """

    def __init__(self, doc: PreparedText, width: int = 0) -> None:
        self.doc, self.width = doc, width
        self._breaks: dict[int, list[int]] = {}
        self._starts: list[int] | None = None
        """Row where each line starts, plus the total (None: unwrapped)."""
        if width:
            counts = []
            for index in range(doc.line_count):
                breaks = wrap_starts(doc.get_line(index), width)
                if breaks:
                    self._breaks[index] = breaks
                counts.append(len(breaks) + 1)
            self._starts = [0, *accumulate(counts)]

    @property
    def count(self) -> int:
        return self.doc.line_count if self._starts is None else self._starts[-1]

    def first_row(self, index: int) -> int:
        """The row line `index` starts on."""
        return index if self._starts is None else self._starts[index]

    def line_at(self, row: int) -> int:
        """The line drawn on a row."""
        if self._starts is not None:
            row = bisect_right(self._starts, row) - 1
        return min(max(0, row), self.doc.line_count - 1)

    def sections(self, index: int) -> list[int]:
        """Where each row of a line starts, then the line's end."""
        return [0, *self._breaks.get(index, ()), len(self.doc.get_line(index))]

    def row_of(self, location: Location) -> int:
        """The row a location is drawn on."""
        index, column = location
        return self.first_row(index) + bisect_right(self._breaks.get(index, ()), column)

    def x_of(self, location: Location) -> int:
        """The cell a location is drawn at, from the start of its row."""
        index, column = location
        start = self.sections(index)[self.row_of(location) - self.first_row(index)]
        return cell_len(expand_tabs(self.doc.get_line(index)[start:column]))

    def location_at(self, row: int, x: int) -> Location:
        """The location drawn at a row and cell (past a row's end: its end)."""
        if row < 0:
            return (0, 0)
        if row >= self.count:
            return self.doc.end()
        index = self.line_at(row)
        sections = self.sections(index)
        part = min(row - self.first_row(index), len(sections) - 2)
        start, end = sections[part], sections[part + 1]
        if end > start and part < len(sections) - 2:
            end -= 1  # the cell after a wrapped row's last is the next row's first location
        line, column = self.doc.get_line(index), start
        while column < end and cell_len(expand_tabs(line[start : column + 1])) <= x:
            column += 1
        return index, column
