"""The selected artifact, shown as markdown or as text, read in a worker, with find-in-document."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, Input, Markdown, Static, TextArea
from textual.widgets.text_area import Selection

from planner_tui.core.models import Artifact
from planner_tui.core.safefs import ReadResult
from planner_tui.core.textsafe import one_line, visible
from planner_tui.keymap import DOCUMENT_BINDINGS, FIND_BINDINGS
from planner_tui.widgets.fasttext import FastTextArea, PreparedText, prepare_text
from planner_tui.widgets.doc_lines import clamp_line, markdown_top_line, styled_top_line
from planner_tui.widgets.ordered import OrderedKeys
from planner_tui.widgets.textstyle import markdown_lines

__all__ = ["DocumentView", "FindBar", "find_matches"]

Reader = Callable[[Artifact], ReadResult]


def find_matches(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every case-insensitive occurrence of query in text."""
    if not query:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(query), text, re.IGNORECASE)]


class FindBar(OrderedKeys, Input):
    """The find box: enter jumps to the next match, escape closes it."""

    BINDINGS = FIND_BINDINGS

    @dataclass
    class Step(Message):
        """The person asked for the next (or previous) match of query."""

        query: str
        forward: bool = True

    class Closed(Message):
        """The find box was closed."""

    def action_next_match(self) -> None:
        self.post_message(self.Step(self.value, True))

    def action_previous_match(self) -> None:
        self.post_message(self.Step(self.value, False))

    def action_close(self) -> None:
        self.post_message(self.Closed())


class DocumentView(Vertical):
    """One artifact's text, shown the cheapest way that still reads well.

    Three views, by size: Textual's Markdown widget for small markdown documents (full rendering,
    but it mounts a widget per block and freezes the screen for about a second per few KB on a
    slow machine), lightly styled text (one Static, built in the worker) for markdown up to
    `markdown_limit`, and a read-only TextArea (line based, opens 2 MB at once) for the rest and
    for anything that is not markdown (mermaid, JSON, PHP).
    """

    ALLOW_MAXIMIZE = False
    BINDINGS = DOCUMENT_BINDINGS

    @dataclass
    class CiteRequested(Message):
        """`c` in the viewer: cite this line of the shown artifact in the entry being written."""

        artifact: Artifact
        line: int | None
        text: str
        """The cited line, terminal-safe (for the notice)."""

    @dataclass
    class Loaded(Message):
        """A worker finished reading an artifact (text already made terminal-safe)."""

        artifact: Artifact
        result: ReadResult
        text: str
        view: str
        """`markdown`, `styled` or `text`: which view shows it."""
        styled: Text | None = None
        prepared: PreparedText | None = None
        """For the text view of a big file: its lines indexed in the worker."""

    def __init__(self, *, markdown_limit: int = 64 * 1024, full_markdown_limit: int = 4 * 1024, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown_limit = markdown_limit
        self.full_markdown_limit = full_markdown_limit
        self.artifact: Artifact | None = None
        self.text = ""
        self._matches: list[tuple[int, int]] = []
        self._query = ""
        self._match_index = -1
        self._line_starts: list[int] | None = None
        self._view_before_find: str | None = None
        self._loaded = False
        self._pending_line: int | None = None
        self._focus_when_loaded = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Select an artifact to read it.", style="dim"), id="doc-header")
        with ContentSwitcher(initial="doc-empty", id="doc-switcher"):
            yield Static("", id="doc-empty")
            with VerticalScroll(id="doc-md-scroll"):
                yield Markdown(id="doc-md", open_links=False)
            with VerticalScroll(id="doc-styled-scroll"):
                yield Static(id="doc-styled")
            yield FastTextArea(id="doc-text", read_only=True, show_line_numbers=True, soft_wrap=False)
        yield FindBar(placeholder="find in document (enter: next, escape: close)", id="find")

    # ------------------------------------------------------------------ loading

    _VIEWS = {"doc-md-scroll": "markdown", "doc-styled-scroll": "styled", "doc-text": "text"}

    @property
    def mode(self) -> str:
        """Which view is shown: `empty`, `markdown`, `styled` or `text`."""
        current = self.query_one("#doc-switcher", ContentSwitcher).current
        return self._VIEWS.get(current or "", "empty")

    def load(self, artifact: Artifact, reader: Reader) -> None:
        """Show an artifact: its header at once, its text when the worker has read it."""
        self.artifact = artifact
        self._loaded = False
        self._pending_line = None
        self._set_header(artifact, None)
        if artifact.state != "present":
            self._show_empty(artifact.reason or artifact.state)
            return
        self._read(artifact, reader)

    def _choose_view(self, artifact: Artifact, size: int) -> str:
        is_markdown = artifact.path.lower().endswith((".md", ".markdown")) or artifact.group == "task"
        if not is_markdown or size > self.markdown_limit:
            return "text"
        return "markdown" if size <= self.full_markdown_limit else "styled"

    @work(thread=True, exclusive=True, group="artifact")
    def _read(self, artifact: Artifact, reader: Reader) -> None:
        """Read, make safe and style off the UI thread, so a 2 MB file never freezes the screen."""
        try:
            result = reader(artifact)
        except OSError as exc:  # the core reports problems as results; this is a last resort
            result = ReadResult(path=artifact.path, state="refused", reason=str(exc.strerror or exc))
        text = visible(result.text)
        size = len(result.text.encode("utf-8", "replace"))
        view = self._choose_view(artifact, size)
        styled = markdown_lines(result.text.split("\n")) if view == "styled" else None
        # A big file's lines are split and indexed here too: on the UI thread that is a freeze.
        prepared = prepare_text(text) if view == "text" and len(text) > self.markdown_limit else None
        self.post_message(self.Loaded(artifact, result, text, view, styled, prepared))

    async def on_document_view_loaded(self, message: Loaded) -> None:
        message.stop()
        if self.artifact is None or message.artifact.path != self.artifact.path:
            return  # a newer selection won the race
        result = message.result
        self._set_header(message.artifact, result)
        if result.state != "present":
            self._show_empty(result.reason or result.state)
            return
        self.text = message.text
        self._reset_find()
        switcher = self.query_one("#doc-switcher", ContentSwitcher)
        if message.view == "markdown":
            await self.query_one("#doc-md", Markdown).update(message.text)
            switcher.current = "doc-md-scroll"
            self.query_one("#doc-md-scroll", VerticalScroll).scroll_home(animate=False)
        elif message.view == "styled":
            self.query_one("#doc-styled", Static).update(message.styled or Text(message.text))
            switcher.current = "doc-styled-scroll"
            self.query_one("#doc-styled-scroll", VerticalScroll).scroll_home(animate=False)
        else:
            area = self.query_one("#doc-text", FastTextArea)
            if message.prepared is not None:
                area.show_prepared(message.prepared)  # no soft wrap: wrapping a huge file costs seconds
            else:
                area.soft_wrap = True
                area.load_text(message.text)
            switcher.current = "doc-text"
        self._loaded = True
        if self._pending_line is not None:
            line, self._pending_line = self._pending_line, None
            self._show_line(line)
        elif self._focus_when_loaded:
            self.focus_view()
        self._focus_when_loaded = False

    # ------------------------------------------------------------------ lines and citations

    def current_line(self) -> int | None:
        """The line `c` cites: the cursor's in the line view, the top one shown in a rendered view."""
        mode = self.mode
        if mode == "text":
            return self.query_one("#doc-text", TextArea).selection.start[0] + 1
        if mode == "markdown":
            scroll = self.query_one("#doc-md-scroll", VerticalScroll)
            line = markdown_top_line(self.query_one("#doc-md", Markdown), scroll)
            return None if line is None else clamp_line(line, self.text)
        if mode == "styled":
            scroll = self.query_one("#doc-styled-scroll", VerticalScroll)
            return clamp_line(styled_top_line(self.text, scroll.scrollable_content_region.width, scroll.scroll_y), self.text)
        return None

    def action_cite(self) -> None:
        if self.artifact is None or self.mode == "empty":
            self.app.bell()
            return
        line = self.current_line()
        lines = self.text.split("\n")
        shown = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
        self.post_message(self.CiteRequested(self.artifact, line, one_line(shown, 120)))

    def go_to_line(self, line: int) -> None:
        """Select line `line` (1-based) in the line view, once the artifact being read is shown."""
        if not self._loaded:
            self._pending_line = line
            return
        self._show_line(line)

    def _show_line(self, line: int) -> None:
        if self.mode == "empty":
            return
        switcher = self.query_one("#doc-switcher", ContentSwitcher)
        area = self.query_one("#doc-text", TextArea)
        if switcher.current in ("doc-md-scroll", "doc-styled-scroll"):
            # Only the line view can point at one line; escape goes back to the rendered one.
            self._view_before_find = switcher.current
            area.soft_wrap = True
            area.load_text(self.text)
            switcher.current = "doc-text"
        row = clamp_line(line, self.text) - 1
        area.selection = Selection((row, 0), (row, len(area.document.get_line(row))))
        area.scroll_cursor_visible(center=True)
        area.focus()

    def focus_view(self) -> None:
        """Focus whichever view shows the artifact (once it is shown, when it is being read)."""
        if not self._loaded:
            self._focus_when_loaded = True
            return
        current = self.query_one("#doc-switcher", ContentSwitcher).current
        if current and current != "doc-empty":
            self.query_one(f"#{current}").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rendered_view":
            return self._view_before_find is not None  # else escape goes on up (nothing to undo)
        return True

    def action_rendered_view(self) -> None:
        if self._view_before_find is not None:
            view, self._view_before_find = self._view_before_find, None
            self.query_one("#doc-switcher", ContentSwitcher).current = view
            self.query_one(f"#{view}", VerticalScroll).focus()

    def reload_if_showing(self, path: str, reader: Reader) -> bool:
        """Re-read the shown artifact if it is the one at path (it changed on disk)."""
        if self.artifact is None or self.artifact.path != path:
            return False
        self._read(self.artifact, reader)
        return True

    def _set_header(self, artifact: Artifact, result: ReadResult | None) -> None:
        shown = artifact.label if artifact.path.startswith("task:") else artifact.path
        head = Text(one_line(shown, 120), style="bold")
        reason = result.reason if result is not None else (artifact.reason if artifact.state != "present" else None)
        if result is None and artifact.state == "present":
            head.append("  reading…", style="dim")
        if reason:
            head.append(f"  {one_line(reason, 120)}", style="yellow")
        self.query_one("#doc-header", Static).update(head)

    def _show_empty(self, reason: str) -> None:
        self.text = ""
        self._reset_find()
        self.query_one("#doc-empty", Static).update(Text(f"Nothing to show: {one_line(reason, 200)}", style="dim italic"))
        self.query_one("#doc-switcher", ContentSwitcher).current = "doc-empty"

    # ------------------------------------------------------------------ find

    def open_find(self) -> None:
        """Show the find box and focus it."""
        bar = self.query_one(FindBar)
        bar.display = True
        bar.focus()

    def _reset_find(self) -> None:
        self._matches, self._query, self._match_index = [], "", -1
        self._line_starts = None
        self.query_one(FindBar).border_subtitle = ""

    def _location(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:  # built on the first find only: a big file may never need it
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row, offset - self._line_starts[row]

    def find(self, query: str, forward: bool = True) -> tuple[int, int] | None:
        """Jump to the next (or previous) match and select it; returns (row, column) or None."""
        bar = self.query_one(FindBar)
        if query != self._query:
            self._query = query
            self._matches = find_matches(self.text, query)
            self._match_index = -1
        if not self._matches:
            bar.border_subtitle = "no match" if query else ""
            return None
        step = 1 if forward else -1
        self._match_index = (self._match_index + step) % len(self._matches)
        start, end = self._matches[self._match_index]
        bar.border_subtitle = f"{self._match_index + 1} of {len(self._matches)}"
        switcher = self.query_one("#doc-switcher", ContentSwitcher)
        area = self.query_one("#doc-text", TextArea)
        if switcher.current in ("doc-md-scroll", "doc-styled-scroll"):
            # A rendered view cannot show a match; the same text as lines can (escape goes back).
            self._view_before_find = switcher.current
            area.soft_wrap = True
            area.load_text(self.text)
            switcher.current = "doc-text"
        first, last = self._location(start), self._location(end)
        area.selection = Selection(first, last)
        area.scroll_cursor_visible(center=True)
        return first

    def on_find_bar_step(self, message: FindBar.Step) -> None:
        message.stop()
        self.find(message.query, message.forward)

    def on_find_bar_closed(self, message: FindBar.Closed) -> None:
        message.stop()
        bar = self.query_one(FindBar)
        bar.display = False
        if self._view_before_find is not None:
            view, self._view_before_find = self._view_before_find, None
            self.query_one("#doc-switcher", ContentSwitcher).current = view
            self.query_one(f"#{view}", VerticalScroll).focus()
        else:
            self.query_one("#doc-text", TextArea).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        # Typing narrows the search afresh; enter then walks the matches.
        event.stop()
        if event.input.id == "find":
            self._query = ""
            self.find(event.value, True)
