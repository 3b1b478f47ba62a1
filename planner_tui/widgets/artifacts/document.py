"""The selected artifact, shown as markdown lines or as text, read in a worker, with find-in-document."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input, Static
from textual.widgets.text_area import Selection

from planner_tui.core.models import Artifact
from planner_tui.core.text.reading import ReadResult
from planner_tui.core.text.display import one_line, visible
from planner_tui.keymap import DOCUMENT_BINDINGS
from planner_tui.widgets.artifacts.doc_lines import clamp_line, line_text, utf8_size
from planner_tui.widgets.artifacts.markdown_view import FIRST_SCREEN_ROWS, MarkdownLines, PreparedMarkdown, prepare_markdown
from planner_tui.widgets.artifacts.text_view import PreparedText, TextLines, prepare_text
from planner_tui.widgets.artifacts.find_bar import FindBar, find_matches

__all__ = ["DocumentView", "Reader"]

Reader = Callable[[Artifact], ReadResult]


class DocumentView(Vertical):
    """One artifact's text, shown the cheapest way that still reads well.

    Two views: markdown up to `markdown_limit` bytes is drawn line by line, styled like the plan
    preview and soft-wrapped (`MarkdownLines`: only the lines on screen are ever styled), and a
    read-only line view (`TextLines`: opens 2 MB at once, draws only the rows on screen) shows the
    rest and anything that is not markdown (mermaid, JSON, PHP); find and `o` use it to select a
    line of a markdown document too.
    """

    ALLOW_MAXIMIZE = False
    BINDINGS = DOCUMENT_BINDINGS

    class CiteRequested(Message):
        """`c` in the viewer: cite this line of the shown artifact in the entry being written
        (`text`: the cited line, terminal-safe, for the notice)."""

        def __init__(self, artifact: Artifact, line: int | None, text: str) -> None:
            super().__init__()
            self.artifact, self.line, self.text = artifact, line, text

    class Loaded(Message):
        """A worker finished reading an artifact (text already made terminal-safe). `view` is
        `markdown` or `text`, the view that shows it; `markdown`, for the markdown view, its lines
        split in the worker with the first screen rendered; `prepared`, for the text view of a big
        file, its lines indexed in the worker."""

        def __init__(
            self,
            artifact: Artifact,
            result: ReadResult,
            text: str,
            view: str,
            markdown: PreparedMarkdown | None = None,
            prepared: PreparedText | None = None,
        ) -> None:
            super().__init__()
            self.artifact, self.result, self.text, self.view = artifact, result, text, view
            self.markdown, self.prepared = markdown, prepared

    def __init__(self, *, markdown_limit: int = 64 * 1024, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown_limit = markdown_limit
        self.artifact: Artifact | None = None
        self.text = ""
        self._matches: list[tuple[int, int]] = []
        self._query = ""
        self._match_index = -1
        self._view_before_find: str | None = None
        self._loaded = False
        self._pending_line: int | None = None
        self._focus_when_loaded = False
        self._early: tuple[Artifact, ReadResult] | None = None
        self._shown_path: str | None = None
        self.current = "doc-empty"
        """The view shown: `doc-empty`, `doc-md` or `doc-text`."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select an artifact to read it.", style="dim"), id="doc-header")
        # One of the three is shown (display), in no container of their own: a container behind
        # the view it shows still draws each of its lines, cut at the view's edges (150 KB of strips).
        yield Static("", id="doc-empty")
        yield MarkdownLines(id="doc-md")
        yield TextLines(id="doc-text")
        yield FindBar(placeholder="find in document (enter: next, escape: close)", id="find")

    # ------------------------------------------------------------------ loading

    _VIEWS = {"doc-md": "markdown", "doc-text": "text"}

    def _switch(self, view: str) -> None:
        """Show one of `doc-empty`, `doc-md`, `doc-text`; a view hidden forgets what it drew."""
        self.current = view
        for name in ("doc-empty", "doc-md", "doc-text"):
            widget = self.query_one(f"#{name}")
            if widget.display and name != view:
                widget.refresh()
            widget.display = name == view

    def on_mount(self) -> None:
        if self._early is not None:
            artifact, result = self._early
            self._early = None
            self.show_loaded(artifact, result)

    @property
    def markdown_view(self) -> MarkdownLines:
        """The markdown view (shown when `mode == "markdown"`)."""
        return self.query_one("#doc-md", MarkdownLines)

    @property
    def mode(self) -> str:
        """Which view is shown: `empty`, `markdown` or `text`."""
        return self._VIEWS.get(self.current, "empty")

    def load(self, artifact: Artifact, reader: Reader) -> None:
        """Show an artifact: its header at once, its text when the worker has read it."""
        self.artifact = artifact
        self._loaded = False
        self._pending_line = None
        self._set_header(artifact, None)
        if artifact.state != "present":
            self._show_empty(artifact.reason or artifact.state)
            return
        self._read(artifact, reader, self._markdown_width())

    def show_loaded(self, artifact: Artifact, result: ReadResult) -> None:
        """Show an artifact already read, at once (no worker): for a small document before the first frame.

        The same as `load` followed by its worker, with the cheap preparation done here; the first
        screen of a markdown document is styled when it is first drawn.
        """
        try:
            self.query_one("#doc-md")
        except NoMatches:  # not composed yet: shown as soon as it is mounted
            self.artifact, self._early = artifact, (artifact, result)
            return
        self.artifact = artifact
        self._loaded = False
        self._pending_line = None
        self._apply(self._prepare(artifact, result, 0))

    def _markdown_width(self) -> int:
        """The markdown view's text width, also while another view is shown (the worker renders at it)."""
        view = self.markdown_view
        return view.text_width or view.width_within(self.content_region.width)

    def _choose_view(self, artifact: Artifact, size: int) -> str:
        is_markdown = artifact.path.lower().endswith((".md", ".markdown")) or artifact.group == "task"
        return "markdown" if is_markdown and size <= self.markdown_limit else "text"

    def _prepare(self, artifact: Artifact, result: ReadResult, width: int) -> Loaded:
        """Make the text safe and split or index it for its view (in the worker, or inline when small).

        With a width, the first screen of a markdown document is rendered too (in the worker),
        so the first frame after it arrives styles nothing.
        """
        text = visible(result.text)  # a clean file is not copied: the shown text is the one read
        size = utf8_size(result.text)
        view = self._choose_view(artifact, size)
        markdown = prepared = None
        if view == "markdown":
            markdown = prepare_markdown(text, width, FIRST_SCREEN_ROWS)
        elif len(text) > self.markdown_limit:
            prepared = prepare_text(text)  # a big file's lines are indexed here: on the UI thread that is a freeze
        return self.Loaded(artifact, result, text, view, markdown, prepared)

    @work(thread=True, exclusive=True, group="artifact")
    def _read(self, artifact: Artifact, reader: Reader, width: int = 0) -> None:
        """Read, make safe and split off the UI thread, so a 2 MB file never freezes the screen.

        `width` is the markdown view's text width when the read began (0: render nothing ahead).
        """
        try:
            result = reader(artifact)
        except OSError as exc:  # the core reports problems as results; this is a last resort
            result = ReadResult(path=artifact.path, state="refused", reason=str(exc.strerror or exc))
        self.post_message(self._prepare(artifact, result, width))

    def on_document_view_loaded(self, message: Loaded) -> None:
        message.stop()
        if self.artifact is None or message.artifact.path != self.artifact.path:
            return  # a newer selection won the race
        self._apply(message)

    def _apply(self, message: Loaded) -> None:
        result = message.result
        self._set_header(message.artifact, result)
        if result.state != "present":
            self._show_empty(result.reason or result.state)
            return
        view = self.markdown_view
        # The same document again (changed on disk): the reader stays where they were.
        same = self._loaded and self.current == "doc-md" and self._shown_path == message.artifact.path
        top = view.line_at(view.scroll_offset.y) + 1 if same else 1
        self.text = message.text
        self._shown_path = message.artifact.path
        self._reset_find()
        self._view_before_find = None
        if message.view == "markdown":
            view.show(message.markdown or prepare_markdown(message.text), top)
            self._switch("doc-md")
            area = self.query_one("#doc-text", TextLines)
            if area.document.line_count > 1:
                area.load_text("")  # a big file shown before is not kept in memory behind this one
        else:
            if view.line_count:
                view.clear()  # the markdown document shown before (its lines and drawn rows) is not kept
            area = self.query_one("#doc-text", TextLines)
            if message.prepared is not None:
                area.show_prepared(message.prepared)  # no soft wrap: wrapping a huge file costs seconds
            else:
                area.soft_wrap = True
                area.load_text(message.text)
            self._switch("doc-text")
        self._loaded = True
        if self._pending_line is not None:
            line, self._pending_line = self._pending_line, None
            self._show_line(line)
        elif self._focus_when_loaded:
            self.focus_view()
        self._focus_when_loaded = False

    # ------------------------------------------------------------------ lines and citations

    def current_line(self) -> int | None:
        """The line `c` cites: the cursor's in the line view, the top one shown in the markdown view.

        In the markdown view it is the source line of the top row (a blank top row gives the next
        line with text on screen): exact, since each row knows its source line.
        """
        mode = self.mode
        if mode == "text":
            return self.query_one("#doc-text", TextLines).selection.start[0] + 1
        if mode == "markdown":
            line = self.markdown_view.top_line()
            return None if line is None else clamp_line(line, self.text)
        return None

    def action_cite(self) -> None:
        if self.artifact is None or self.mode == "empty":
            self.app.bell()
            return
        line = self.current_line()
        area = self.query_one("#doc-text", TextLines)
        if line is None:
            shown = ""
        elif area.text is self.text and 0 < line <= area.document.line_count:
            shown = area.document.get_line(line - 1)  # the line view's index: no split of a 2 MB text
        else:
            shown = line_text(self.text, line)
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
        area = self._line_view()
        row = clamp_line(line, self.text) - 1
        area.selection = Selection((row, 0), (row, len(area.document.get_line(row))))
        area.scroll_cursor_visible(center=True)
        area.focus()

    def focus_view(self) -> None:
        """Focus whichever view shows the artifact (once it is shown, when it is being read)."""
        if not self._loaded:
            self._focus_when_loaded = True
            return
        if self.current != "doc-empty":
            self.query_one(f"#{self.current}").focus()

    def _line_view(self) -> TextLines:
        """The text view, switched to from the markdown view (escape goes back): it selects lines."""
        area = self.query_one("#doc-text", TextLines)
        if self.current == "doc-md":
            self._view_before_find = self.current
            area.soft_wrap = True
            area.load_text(self.text)
            self._switch("doc-text")
        return area

    def _back_to_rendered(self) -> None:
        """From the line view back to the markdown view, at the line that was selected there."""
        if self._view_before_find is None:
            return
        view, self._view_before_find = self._view_before_find, None
        row = self.query_one("#doc-text", TextLines).selection.start[0]
        self._switch(view)
        markdown = self.markdown_view
        markdown.focus()
        # At the top, so `c` cites that same line; after the refresh, once the view has its size again.
        self.call_after_refresh(markdown.scroll_to_line, row + 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rendered_view":
            return self._view_before_find is not None  # else escape goes on up (nothing to undo)
        return True

    def action_rendered_view(self) -> None:
        self._back_to_rendered()

    def reload_if_showing(self, path: str, reader: Reader) -> bool:
        """Re-read the shown artifact if it is the one at path (it changed on disk)."""
        if self.artifact is None or self.artifact.path != path:
            return False
        self._read(self.artifact, reader, self._markdown_width())
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
        self._view_before_find = None
        self.markdown_view.clear()  # its lines are not kept for nothing
        self.query_one("#doc-empty", Static).update(Text(f"Nothing to show: {one_line(reason, 200)}", style="dim italic"))
        self._switch("doc-empty")

    # ------------------------------------------------------------------ find

    def open_find(self) -> None:
        """Show the find box and focus it."""
        bar = self.query_one(FindBar)
        bar.display = True
        bar.focus()

    def _reset_find(self) -> None:
        self._matches, self._query, self._match_index = [], "", -1
        self.query_one(FindBar).border_subtitle = ""

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
        # The markdown view cannot select a match; the same text as lines can (escape goes back).
        area = self._line_view()
        # The line view holds this same text, already indexed by line: no second index of it.
        first, last = area.document.location_of(start), area.document.location_of(end)
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
            self._back_to_rendered()
        else:
            self.focus_view()

    def on_input_changed(self, event: Input.Changed) -> None:
        # Typing narrows the search afresh; enter then walks the matches.
        event.stop()
        if event.input.id == "find":
            self._query = ""
            self.find(event.value, True)
