"""Which source line of a document the viewer shows at its top (what `c` cites in a rendered view)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

__all__ = ["markdown_top_line", "styled_top_line", "clamp_line"]


def clamp_line(line: int, text: str) -> int:
    """A 1-based line number kept inside text (1 for empty text)."""
    count = max(1, len(text.split("\n")))
    return min(max(1, line), count)


def _top_block(blocks: list[MarkdownBlock], scroll_y: float, origin: int) -> MarkdownBlock | None:
    """The first block whose bottom is below scroll_y; descend into one cut by the top edge."""
    for block in blocks:
        top = origin + block.virtual_region.y
        if top + block.outer_size.height <= scroll_y:
            continue
        children = [c for c in block.children if isinstance(c, MarkdownBlock)]
        if top < scroll_y and children:
            # A long list or quote starts above the top edge: the item at the edge is meant.
            inner = _top_block(children, scroll_y, top)
            if inner is not None:
                return inner
        return block
    return None


def markdown_top_line(markdown: Markdown, scroll: Widget) -> int | None:
    """1-based source line of the first markdown block visible at the top of `scroll`, or None."""
    blocks = [c for c in markdown.children if isinstance(c, MarkdownBlock)]
    if not blocks:
        return None
    origin = markdown.virtual_region.y
    block = _top_block(blocks, scroll.scroll_y, origin) or blocks[-1]
    start = block.source_range[0] if block.source_range else 0
    return start + 1


def styled_top_line(text: str, width: int, scroll_y: float) -> int:
    """1-based source line at the top of a soft-wrapped view of text, `width` cells wide.

    The styled view shows one source line as one or more rows; a line's row count is taken
    from its length (close enough to Rich's word wrapping to land on the right line).
    """
    width = max(1, width)
    row = 0
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        rows = max(1, -(-cell_len(line) // width))
        if row + rows > scroll_y:
            return number
        row += rows
    return len(lines)
