"""The find box of the document viewer, and the search it runs."""

from __future__ import annotations

import re

from textual.message import Message
from textual.widgets import Input

from planner_tui.keymap import FIND_BINDINGS
from planner_tui.widgets.ordered import OrderedKeys

__all__ = ["FindBar", "find_matches"]


def find_matches(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every case-insensitive occurrence of query in text."""
    if not query:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(query), text, re.IGNORECASE)]


class FindBar(OrderedKeys, Input):
    """The find box: enter jumps to the next match, escape closes it."""

    BINDINGS = FIND_BINDINGS

    class Step(Message):
        """The person asked for the next (or previous) match of query."""

        def __init__(self, query: str, forward: bool = True) -> None:
            super().__init__()
            self.query, self.forward = query, forward

    class Closed(Message):
        """The find box was closed."""

    def action_next_match(self) -> None:
        self.post_message(self.Step(self.value, True))

    def action_previous_match(self) -> None:
        self.post_message(self.Step(self.value, False))

    def action_close(self) -> None:
        self.post_message(self.Closed())
