"""The trust banner: "Session NOT saved" until a save succeeds, or why the session is read-only."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from planner_tui.core.engine import Planner
from planner_tui.core.text.display import one_line

__all__ = ["TrustBanner"]


class TrustBanner(Static):
    """A persistent line: "Session NOT saved: …" until a save succeeds, or why the session is read-only."""

    DEFAULT_CSS = """
    TrustBanner { display: none; height: auto; padding: 0 1; background: $error; color: $text; text-style: bold; }
    TrustBanner.-shown { display: block; }
    TrustBanner.-read-only { background: $warning-darken-3; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple[str | None, bool, str | None] | None = None

    def show_state(self, planner: Planner) -> None:
        """Show the store's last save problem, else the read-only reason, else nothing."""
        store = planner.store
        problem = store.last_error
        read_only = planner.read_only
        key = (problem, read_only, store.read_only_reason)
        if key == self._key:
            return  # called on every redraw and poll: repaint only when something changed
        self._key = key
        if problem:
            text = Text(one_line(problem, 400))
            if "NOT saved" in problem:
                text.append("  What you typed stays in the composer; this stays until a change is saved.", style="not bold")
        elif read_only:
            text = Text("READ-ONLY: ")
            text.append(one_line(store.read_only_reason or "this session cannot be written.", 400), style="not bold")
        else:
            text = Text("")
        self.update(text)
        self.set_class(bool(problem or read_only), "-shown")
        self.set_class(bool(read_only and not problem), "-read-only")
