"""Answer a topic's open questions in one go: the `#N` list above, `#2 answer` lines below."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from planner_tui.core.discussion.batch import numbered_questions
from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Entry, TopicSpec
from planner_tui.core.text.display import one_line, visible
from planner_tui.keymap import BATCH_BINDINGS
from planner_tui.widgets.footer import QuietFooter

__all__ = ["BatchAnswerScreen", "questions_text"]


def questions_text(numbered: list[tuple[int, Entry]]) -> Text:
    """The open questions as one list, each with its `#N` from the thread (the numbers the answers use)."""
    out = Text()
    width = max((len(str(n)) for n, _ in numbered), default=1) + 1
    for index, (number, entry) in enumerate(numbered):
        if index:
            out.append("\n")
        out.append(f"{f'#{number}':>{width}} ", style="bold yellow")
        lines = visible(entry.text).split("\n")
        out.append(lines[0])
        for more in lines[1:]:
            out.append(f"\n{'':>{width}} {more}")
        if entry.author == "agent":
            out.append(f"  · {one_line(entry.author_name or 'agent', 30)}", style="dim")
    return out


class BatchAnswerScreen(ModalScreen[list[Entry] | None]):
    """Saves every answer with `planner.answer_batch` (all or nothing); a refusal is shown here.

    The save runs off the UI thread through `run` (the workbench passes its change queue, so the
    batch is saved in order with every other change; alone, a plain thread).
    """

    BINDINGS = BATCH_BINDINGS

    DEFAULT_CSS = """
    BatchAnswerScreen { align: center middle; }
    BatchAnswerScreen #batch-box {
        width: 100; max-width: 95%; height: auto; max-height: 90%; overflow-y: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    BatchAnswerScreen #batch-questions { height: auto; max-height: 14; min-height: 2; margin-bottom: 1; }
    BatchAnswerScreen #batch-help { margin-bottom: 1; }
    BatchAnswerScreen #batch-text { height: 8; }
    BatchAnswerScreen #batch-error { height: auto; }
    """

    def __init__(self, planner: Planner, topic: TopicSpec, *, run: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None) -> None:
        super().__init__()
        self.planner = planner
        self.topic = topic
        self._run = run or asyncio.to_thread
        self.saving = False
        """True from ctrl+s until the answers are saved or refused (a second ctrl+s waits for it)."""
        self.numbered = numbered_questions(planner.session, planner.role, topic.id)

    def compose(self) -> ComposeResult:
        with Vertical(id="batch-box") as box:
            box.border_title = Text(f"Open questions of topic {self.topic.number}: {one_line(self.topic.title, 60)}")
            box.border_subtitle = "ctrl+s: save the answers · escape: cancel"
            with VerticalScroll(id="batch-questions"):
                yield Static(questions_text(self.numbered))
            yield Static(
                Text("One answer per line, by number, e.g. #2 cursor pagination, 25 per page (2: or 2. work too). Enter starts a new line; a line without a number continues the answer above.", style="dim"),
                id="batch-help",
            )
            area = TextArea(id="batch-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
            area.placeholder = "\n".join(f"#{n} …" for n, _ in self.numbered[:2]) or "#1 …"
            yield area
            yield Static(Text(""), id="batch-error")
        yield QuietFooter()  # this dialog's own keys, not the workbench's

    def on_mount(self) -> None:
        self.query_one("#batch-text", TextArea).focus()

    @property
    def error(self) -> str:
        """The refusal shown, or an empty string."""
        return str(self.query_one("#batch-error", Static).render())

    def action_submit(self) -> None:
        if self.saving:
            return
        self.saving = True
        text = self.query_one("#batch-text", TextArea).text
        # A worker, not an awaiting handler: this screen keeps drawing its frames meanwhile.
        self.run_worker(self._save(text), group="batch-save")

    async def _save(self, text: str) -> None:
        message = self.query_one("#batch-error", Static)
        try:
            entries = await self._run(lambda: self.planner.answer_batch(self.topic.id, text))
        except PlannerError as exc:
            self.saving = False
            message.update(Text(one_line(str(exc), 400), style="bold red"))
            return
        except OSError as exc:
            self.saving = False
            message.update(Text(f"Could not save: {one_line(str(exc.strerror or exc), 200)}", style="bold red"))
            return
        self.dismiss(entries)

    def action_cancel(self) -> None:
        if self.saving:
            return  # the answers are being saved: what they become is shown in a moment
        self.dismiss(None)
