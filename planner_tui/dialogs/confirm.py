"""A yes/no question (remove an entry?): y says yes, n or escape says no, enter presses the focused button."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from planner_tui.core.text.display import one_line, visible
from planner_tui.keymap import CONFIRM_BINDINGS
from planner_tui.widgets.footer import QuietFooter

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (yes) or False (no); the text shown is the entry's, terminal-safe."""

    BINDINGS = CONFIRM_BINDINGS

    def __init__(self, title: str, question: str, detail: str = "", *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.detail = detail
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box", classes="confirm-box") as box:
            box.border_title = Text(one_line(self.title_text, 60))
            yield Static(Text(one_line(self.question, 300)), id="prompt-question")
            if self.detail:
                with VerticalScroll(id="confirm-detail"):
                    yield Static(Text(visible(self.detail)))
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (y)", id="confirm-yes", variant="error")
                yield Button(f"{self.no_label} (n)", id="confirm-no")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe answer has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
