"""The global search: one box, every matching line of the artifacts, the discussion and the plan."""

from __future__ import annotations


from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation
from planner_tui.core.epic.search import Hit
from planner_tui.core.text.display import one_line
from planner_tui.core.view import PlannerView
from planner_tui.keymap import SEARCH_BINDINGS
from planner_tui.widgets.discussion.composer import short_cite
from planner_tui.widgets.footer import QuietFooter

__all__ = ["SearchScreen", "hit_text", "DEBOUNCE"]

DEBOUNCE = 0.25
"""Seconds of no typing before the search runs (each keystroke restarts the wait)."""

_KIND_STYLE = {"artifact": "cyan", "session": "magenta", "plan": "green"}
_KIND_LABEL = {"artifact": "file", "session": "talk", "plan": "plan"}


def hit_text(hit: Hit) -> Text:
    """A hit as one line: a kind badge, `path:line:` and the matching line."""
    out = Text()
    out.append(f"{_KIND_LABEL.get(hit.kind, hit.kind)} ", style=f"bold {_KIND_STYLE.get(hit.kind, '')}")
    # Inside the epic folder the path starts below it (the workbench shows one epic).
    shown = hit.path if hit.kind == "session" else short_cite(Citation(path=hit.path))
    out.append(f"{one_line(shown, 90)}:{hit.line}: ", style=_KIND_STYLE.get(hit.kind, ""))
    out.append(one_line(hit.text, 200))
    return out


class SearchScreen(ModalScreen[Hit | None]):
    """Type to search (in a worker, after a short pause); enter or a click on a hit goes there."""

    BINDINGS = SEARCH_BINDINGS

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen #search-box {
        width: 90%; max-width: 160; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SearchScreen #search-status { height: 1; margin: 0 0 1 0; }
    SearchScreen #search-results { height: 1fr; border: none; padding: 0; }
    """

    class Found(Message):
        """A search worker finished (posted from its thread)."""

        def __init__(self, seq: int, query: str, hits: list[Hit], error: str | None = None) -> None:
            super().__init__()
            self.seq, self.query, self.hits, self.error = seq, query, hits, error

    def __init__(self, planner: Planner, *, query: str = "", limit: int = 500) -> None:
        super().__init__()
        self.planner = planner
        self.initial = query
        self.limit = limit
        self.hits: list[Hit] = []
        self.searched: str | None = None
        """The query whose hits are listed (None before the first search)."""
        self._seq = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Search the artifacts, the discussion and the plan"
            box.border_subtitle = "enter / ↓: the hits · enter on a hit: go there · escape: close"
            yield Input(value=self.initial, placeholder="text to find (any case)", id="search-input")
            yield Static(Text("Type a word or a phrase.", style="dim"), id="search-status")
            yield OptionList(id="search-results")
        yield QuietFooter()  # this dialog's own keys, not the workbench's

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial.strip():
            self._start(self.initial)

    @property
    def pending(self) -> bool:
        """True while a search is waiting or running (tests wait for it)."""
        return self._timer is not None or self.searched != self.query_one("#search-input", Input).value.strip()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._start(event.value))

    def _start(self, query: str) -> None:
        self._timer = None
        query = query.strip()
        self._seq += 1
        if not query:
            self._show(query, [], None)
            return
        self.query_one("#search-status", Static).update(Text("Searching…", style="dim"))
        self._search(self.planner.view(), query, self._seq)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, view: PlannerView, query: str, seq: int) -> None:
        """Read every artifact and render the plan off the UI thread (a big epic takes a while)."""
        try:
            hits = view.search(query, limit=self.limit)
        except PlannerError as exc:
            self.post_message(self.Found(seq, query, [], str(exc)))
        except OSError as exc:
            self.post_message(self.Found(seq, query, [], f"The search could not read a file: {exc.strerror or exc}"))
        else:
            self.post_message(self.Found(seq, query, hits))

    def on_search_screen_found(self, message: Found) -> None:
        message.stop()
        if message.seq == self._seq:  # else a newer search is on its way
            self._show(message.query, message.hits, message.error)

    def _show(self, query: str, hits: list[Hit], error: str | None) -> None:
        self.searched = query
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        results.set_options([Option(hit_text(h), id=str(i)) for i, h in enumerate(hits)])
        results.highlighted = 0 if hits else None
        status = self.query_one("#search-status", Static)
        if error:
            status.update(Text(one_line(error, 200), style="red"))
        elif not query:
            status.update(Text("Type a word or a phrase.", style="dim"))
        elif not hits:
            status.update(Text(f"No match for {one_line(query, 60)!r}.", style="yellow"))
        else:
            more = " (the first ones)" if len(hits) >= self.limit else ""
            status.update(Text(f"{len(hits)} line{'s' if len(hits) != 1 else ''}{more} hold {one_line(query, 60)!r}."))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.pending:
            if self._timer is not None:
                self._timer.stop()
            self._start(event.value)  # enter before the pause ran out: search now
            return
        self.action_results()

    def action_results(self) -> None:
        results = self.query_one("#search-results", OptionList)
        if self.hits:
            results.focus()
        else:
            self.app.bell()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)
