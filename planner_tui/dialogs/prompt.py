"""A small modal that asks for one line of text (a drop reason, a confirmation)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from planner_tui.core.text.display import one_line
from planner_tui.keymap import PROMPT_BINDINGS, PROMPT_INPUT_BINDINGS
from planner_tui.widgets.footer import QuietFooter

__all__ = ["PromptScreen"]


class PromptInput(Input):
    """The prompt's text box; enter submits it (shown in the footer as OK)."""

    BINDINGS = PROMPT_INPUT_BINDINGS


class PromptScreen(ModalScreen[str | None]):
    """Asks a question; dismisses with the text typed (enter) or None (escape)."""

    BINDINGS = PROMPT_BINDINGS

    def __init__(self, title: str, question: str, *, placeholder: str = "", allow_empty: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.placeholder = placeholder
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box") as box:
            box.border_title = Text(one_line(self.title_text, 60))
            box.border_subtitle = "enter: ok · escape: cancel"
            yield Static(Text(one_line(self.question, 400)), id="prompt-question")
            yield PromptInput(placeholder=self.placeholder, id="prompt-input")
        yield QuietFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        value = self.query_one(Input).value.strip()
        if value or self.allow_empty:
            self.dismiss(value)
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
