"""Changes to the discussion from the workbench: entries written, entry actions, topics confirmed."""

from __future__ import annotations

from typing import Any, Callable

from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import one_line
from planner_tui.screens.workbench.changes import Refused, submitted_change
from planner_tui.dialogs.prompt import PromptScreen
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.textstyle import KIND_LABEL
from planner_tui.widgets.discussion.thread import ThreadView, question_numbers

__all__ = ["WorkbenchEdits"]


class WorkbenchEdits:
    """Mixin for the workbench screen (which provides planner, changes, topic, the panes, refresh_view, …).

    Every change goes through `_apply`: queued on the screen's ChangeQueue, saved in a thread in
    order, then shown. The thread's entry-action handler here runs before WorkbenchTools' one
    (the screen lists this mixin first), as it did when it was the screen's own.
    """

    def _apply(
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

        def finish(result: Any, error: BaseException | None) -> None:
            if error is None:
                self.refresh_view()  # type: ignore[attr-defined]
                if saved is not None:
                    saved(result)
                if done:
                    self.notify(done(result) if callable(done) else done, markup=False, timeout=3)  # type: ignore[attr-defined]
                return
            if failed is not None:
                failed()
            if isinstance(error, Refused):
                self.notify(str(error), severity=error.severity, markup=False)  # type: ignore[attr-defined]
            elif isinstance(error, PlannerError):
                self.notify(str(error), title="Not done", severity="error", markup=False)  # type: ignore[attr-defined]
                self.refresh_view(scroll_plan=False)  # type: ignore[attr-defined]  # another writer may have changed what we showed
            elif isinstance(error, OSError):
                self.notify(f"Could not save: {error.strerror or error}", title="Not saved", severity="error", markup=False)  # type: ignore[attr-defined]
            else:
                raise error

        self.changes.push(change, finish)  # type: ignore[attr-defined]

    def _submit(self, message: Composer.Submitted) -> None:
        """Save what the composer sent (the screen's `on_composer_submitted`)."""

        def keep() -> None:  # never lose what the person typed: back into the composer if not saved
            message.composer.restore(message.text, message.target, message.cite)

        topic = self.planner.role.topic(message.topic_id) if message.topic_id else self.topic  # type: ignore[attr-defined]
        if topic is None:
            keep()
            return
        option = self.thread.highlighted_option  # type: ignore[attr-defined]  # what was selected when they pressed enter
        selected = option.id if option is not None else None

        def saved(_entry: object) -> None:
            if self.topic is not None and topic.id == self.topic.id:  # type: ignore[attr-defined]
                latest = self.planner.session.topic(topic.id)  # type: ignore[attr-defined]
                if latest is not None and latest.entries:
                    self.thread.highlight_entry(latest.entries[-1].id)  # type: ignore[attr-defined]

        self._apply(lambda: submitted_change(self.planner, message, topic, selected), saved=saved, failed=keep)  # type: ignore[attr-defined]

    def on_thread_view_entry_action(self, message: ThreadView.EntryAction) -> None:
        message.stop()
        # Looked up once the changes before it are saved (the session is not read during a save).
        self.changes.later(lambda: self._entry_action(message.action, message.entry_id))  # type: ignore[attr-defined]

    def _entry_action(self, action: str, entry_id: str) -> None:
        planner = self.planner  # type: ignore[attr-defined]
        found = planner.session.find_entry(entry_id)
        if found is None:
            return
        state, entry = found
        numbers = question_numbers(state)
        label = f"#{numbers[entry.id]}" if entry.id in numbers else KIND_LABEL[entry.kind].lower()
        if action == "answer":
            self.composer.start_answer(entry.id, label)  # type: ignore[attr-defined]
        elif action == "edit":
            self.composer.start_edit(entry.id, label, entry.text)  # type: ignore[attr-defined]
        elif action == "flag":
            self._apply(lambda: planner.flag(entry.id), f"Flagged as open question: {one_line(entry.text, 60)}")
        elif action == "drop":

            def dropped(reason: str | None) -> None:
                if reason:
                    self._apply(lambda: planner.drop(entry.id, reason), f"Dropped question {label}.")

            self.app.push_screen(PromptScreen(f"Drop question {label}", entry.text, placeholder="why it no longer matters"), dropped)  # type: ignore[attr-defined]
        elif action == "remove":

            def removed(answer: str | None) -> None:
                if answer is not None:
                    self._apply(lambda: planner.remove(entry.id), "Entry removed.")

            question = f"Remove this entry? enter removes it, escape keeps it.\n{entry.text}"
            self.app.push_screen(PromptScreen("Remove entry", question, allow_empty=True), removed)  # type: ignore[attr-defined]

    def action_toggle_confirm(self) -> None:
        topic = self.topic  # type: ignore[attr-defined]
        if topic is None:
            return
        planner = self.planner  # type: ignore[attr-defined]

        def toggle() -> str:
            # Decided in the change thread: on the session as the changes before this one left it.
            state = planner.session.topic(topic.id)
            if state is not None and state.confirmed:
                planner.unconfirm(topic.id)
                return f"Topic {topic.number} is open again."
            planner.confirm(topic.id)
            return f"Topic {topic.number} confirmed."

        self._apply(toggle, str)
