"""Changes to the discussion from the workbench: entries written, entry actions, topics confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import one_line
from planner_tui.screens.workbench.changes import Refused, submitted_change
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.textstyle import KIND_LABEL
from planner_tui.widgets.discussion.thread import question_numbers

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["Edits"]


class Edits:
    """The workbench's edits part: every change to the discussion, queued on the screen's ChangeQueue.

    Every change goes through `apply`: saved in a thread after every earlier one, then shown.
    """

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen

    def apply(
        self,
        change: Callable[[], Any],
        done: str | Callable[[Any], str] | None = None,
        *,
        saved: Callable[[Any], None] | None = None,
        failed: Callable[[], None] | None = None,
    ) -> None:
        """Queue one Planner change: saved in a thread after every earlier one, then shown.

        The UI thread stays free while the session is written; `saved` (with the change's
        result) or `failed` run on it afterwards. A refusal is shown, never a crash.
        """

        screen = self.screen

        def finish(result: Any, error: BaseException | None) -> None:
            if error is None:
                screen.refresh_view()
                if saved is not None:
                    saved(result)
                if done:
                    screen.notify(done(result) if callable(done) else done, markup=False, timeout=3)
                return
            if failed is not None:
                failed()
            if isinstance(error, Refused):
                screen.notify(str(error), severity=error.severity, markup=False)
            elif isinstance(error, PlannerError):
                screen.notify(str(error), title="Not done", severity="error", markup=False)
                screen.refresh_view(scroll_plan=False)  # another writer may have changed what we showed
            elif isinstance(error, OSError):
                screen.notify(f"Could not save: {error.strerror or error}", title="Not saved", severity="error", markup=False)
            else:
                raise error

        screen.changes.push(change, finish)

    def submit(self, message: Composer.Submitted) -> None:
        """Save what the composer sent."""
        screen = self.screen
        planner = screen.planner

        def keep() -> None:  # never lose what the person typed: back into the composer if not saved
            message.composer.restore(message.text, message.target, message.cite)

        topic = planner.role.topic(message.topic_id) if message.topic_id else screen.topic
        if topic is None:
            keep()
            return
        option = screen.thread.highlighted_option  # what was selected when they pressed enter
        selected = option.id if option is not None else None

        def saved(_entry: object) -> None:
            if screen.topic is not None and topic.id == screen.topic.id:
                latest = planner.session.topic(topic.id)
                if latest is not None and latest.entries:
                    screen.thread.highlight_entry(latest.entries[-1].id)

        self.apply(lambda: submitted_change(planner, message, topic, selected), saved=saved, failed=keep)

    def entry_action(self, action: str, entry_id: str) -> None:
        """Answer, edit, flag, drop, remove or reconfirm an entry, or open what it cites."""
        screen = self.screen
        planner = screen.planner
        found = planner.session.find_entry(entry_id)
        if found is None:
            return
        state, entry = found
        numbers = question_numbers(state)
        label = f"#{numbers[entry.id]}" if entry.id in numbers else KIND_LABEL[entry.kind].lower()
        if action == "answer":
            screen.composer.start_answer(entry.id, label)
        elif action == "edit":
            screen.composer.start_edit(entry.id, label, entry.text)
        elif action == "flag":
            self.apply(lambda: planner.flag(entry.id), f"Flagged as open question: {one_line(entry.text, 60)}")
        elif action == "drop":

            def dropped(reason: str | None) -> None:
                if reason:
                    self.apply(lambda: planner.drop(entry.id, reason), f"Dropped question {label}.")

            from planner_tui.dialogs.prompt import PromptScreen  # the dialogs load when first asked for

            screen.app.push_screen(PromptScreen(f"Drop question {label}", entry.text, placeholder="why it no longer matters"), dropped)
        elif action == "remove":

            def removed(yes: bool | None) -> None:
                if yes:
                    self.apply(lambda: planner.remove(entry.id), "Entry removed.")

            what = f"question {label}" if entry.id in numbers else label
            question = f"Remove this {what} from the thread? Its text:"
            from planner_tui.dialogs.confirm import ConfirmScreen

            screen.app.push_screen(ConfirmScreen("Remove entry", question, entry.text, yes="Remove", no="Keep"), removed)
        elif action == "open_cite" and entry.cite is not None:
            screen.navigation.open_at(entry.cite.path, entry.cite.line)
        elif action == "reconfirm":
            self.apply(lambda: planner.reconfirm(entry.id), f"Kept as it is: {one_line(entry.text, 60)}")

    def toggle_confirm(self) -> None:
        """Confirm the current topic, or open it again when it is confirmed.

        A topic with no entries asks for a one-line reason first (kept as a note in the plan).
        """
        topic = self.screen.topic
        if topic is None:
            return
        screen = self.screen
        planner = screen.planner

        def confirm(reason: str | None = None) -> None:
            def toggle() -> str:
                # Decided in the change thread: on the session as the changes before this one left it.
                state = planner.session.topic(topic.id)
                if state is not None and state.confirmed:
                    planner.unconfirm(topic.id)
                    return f"Topic {topic.number} is open again."
                planner.confirm(topic.id, reason=reason)
                return f"Topic {topic.number} confirmed."

            self.apply(toggle, str)

        def ask() -> None:
            state = planner.session.topic(topic.id)  # read between saves (changes.later)
            if state is not None and (state.confirmed or state.entries):
                confirm()
                return

            def answered(reason: str | None) -> None:
                if reason:
                    confirm(reason)

            from planner_tui.dialogs.prompt import PromptScreen

            screen.app.push_screen(
                PromptScreen(
                    f"Confirm topic {topic.number} with no entries",
                    f"Nothing was discussed in {topic.title}. Say in one line why it needs nothing; "
                    "the line is kept as a note in the plan.",
                    placeholder="e.g. No search changes in this epic",
                ),
                answered,
            )

        screen.changes.later(ask)
