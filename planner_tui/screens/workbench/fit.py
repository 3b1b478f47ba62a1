"""Fitting the workbench to the terminal: three panes, two, or one with F6 to switch, or "make it larger"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["Fit", "THREE_PANES", "TWO_PANES", "MIN_SIZE", "PANES"]

THREE_PANES = 120
"""From this width the three panes sit side by side (below, the artifact viewer wraps at ~15 columns)."""
TWO_PANES = 80
"""From this width the discussion and one other pane; below it, one pane at a time."""
MIN_SIZE = (50, 14)
"""Below this the workbench asks for a larger terminal (nothing is lost: everything is saved)."""
PANES = ("artifacts", "discussion", "plan")
LABELS = {"artifacts": "Artifacts", "discussion": "Discussion", "plan": "Plan"}


class Fit:
    """The workbench's fitting part: which panes show at this size, and F6 to switch between them.

    A pane that gets the focus (a key such as `g` or `p`, a search hit, a blocker) is shown
    first, so no key ever lands in a hidden pane.
    """

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self.mode = "three"
        """`three`, `two`, `one` or `small`."""
        self.side = "plan"
        """The pane beside the discussion in the two-pane layout."""
        self.single = "discussion"
        """The pane shown in the one-pane layout."""

    def pane(self, name: str) -> Widget:
        return self.screen.query_one(f"WorkbenchScreen > #{name}")

    def shown(self) -> list[str]:
        if self.mode == "three":
            return list(PANES)
        if self.mode == "two":
            return ["discussion", self.side] if self.side == "plan" else [self.side, "discussion"]
        if self.mode == "one":
            return [self.single]
        return []

    def fit(self, width: int, height: int) -> None:
        """Choose the layout for a terminal of this size."""
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            mode = "small"
        elif width < TWO_PANES:
            mode = "one"
        elif width < THREE_PANES:
            mode = "two"
        else:
            mode = "three"
        if mode != self.mode:
            self.mode = mode
            self.apply()
            focused = self.screen.focused
            if focused is not None:
                self.reveal(focused)  # the pane with the focus stays in view

    def apply(self) -> None:
        screen = self.screen
        shown = self.shown()
        small = self.mode == "small"
        screen.query_one("#too-small").display = small
        for name in PANES:
            self.pane(name).display = name in shown
        tabs = screen.query_one("#pane-tabs")
        tabs.display = self.mode in ("two", "one")
        if tabs.display:
            line = Text(" ")
            for name in PANES:
                line.append(f" {LABELS[name]} ", style="bold reverse" if name in shown else "dim")
                line.append(" ")
            line.append("  F6 switches", style="dim")
            tabs.update(line)  # type: ignore[attr-defined]

    def reveal(self, widget: Widget) -> None:
        """Show the pane holding widget (it is about to get the focus)."""
        if self.mode not in ("two", "one"):
            return
        name = next((n.id for n in widget.ancestors_with_self if n.id in PANES and n.parent is self.screen), None)
        if name is None or name in self.shown():
            return
        if self.mode == "two":
            if name == "discussion":
                return
            self.side = name
        else:
            self.single = name
        self.apply()

    def next_pane(self) -> None:
        """F6: the other side pane (two panes), or the next pane (one pane), with the focus in it."""
        screen = self.screen
        if self.mode == "two":
            self.side = "artifacts" if self.side == "plan" else "plan"
            target = self.side
        elif self.mode == "one":
            self.single = PANES[(PANES.index(self.single) + 1) % len(PANES)]
            target = self.single
        else:
            focused = screen.focused
            current = next((n.id for n in focused.ancestors_with_self if n.id in PANES), "discussion") if focused else "discussion"
            target = PANES[(PANES.index(current) + 1) % len(PANES)]
        self.apply()
        focus = {
            "artifacts": screen.action_focus_artifacts,
            "discussion": screen.action_focus_thread,
            "plan": screen.action_focus_plan,
        }
        focus[target]()
