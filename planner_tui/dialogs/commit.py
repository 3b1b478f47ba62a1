"""The commit dialog: what will be committed, against what, with which options; errors stay inside it."""

from __future__ import annotations

import os
from pathlib import Path

import pygit2

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Label, Static

from planner_tui.core.git.repo import repo_info
from planner_tui.core.plan.diff import SectionChange, section_diff, summary
from planner_tui.core.engine import CommitOutcome, NotReady, Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Blocker
from planner_tui.core.text.display import one_line, visible
from planner_tui.widgets.checkbox import StateCheckbox

__all__ = ["CommitDialog", "COMMIT_DIALOG_BINDINGS", "diff_text"]

COMMIT_DIALOG_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "commit", "Commit", id="commit_dialog.commit", priority=True, tooltip="Write the plan and commit it."),
    Binding("enter", "commit", "Commit", id="commit_dialog.commit_enter", show=False, tooltip="Commit (on a checkbox, Enter toggles it)."),
    Binding("escape", "cancel", "Cancel", id="commit_dialog.cancel", tooltip="Close without committing."),
]
"""Work while the commit dialog is open."""

_TITLE = "(title)"
"""How the part of the plan above the first `## ` heading is named in the diff."""


def diff_text(changes: list[SectionChange], *, new_file: bool) -> Text:
    """The section diff as coloured text: `+` lines green, `-` lines red, unchanged sections named."""
    out = Text()
    shown = [c for c in changes if c.status != "unchanged"]
    for change in shown:
        if not new_file:
            # A new file's own `## ` lines name its sections; a diff needs a header per section.
            if out:
                out.append("\n\n")
            out.append(visible(change.heading) if change.heading else _TITLE, style="bold")
            counts = f"  {change.status}"
            if change.status == "changed":
                counts += f"  +{change.added_lines} -{change.removed_lines}"
            out.append(counts, style="dim")
        for line in change.lines:
            if out:
                out.append("\n")
            if line.startswith("@@"):
                out.append(visible(line), style="cyan")
            elif line.startswith("+"):
                out.append(visible(line), style="green")
            elif line.startswith("-"):
                out.append(visible(line), style="red")
            else:
                out.append(visible(line), style="dim")
    unchanged = [visible(c.heading) if c.heading else _TITLE for c in changes if c.status == "unchanged"]
    if unchanged:
        if out:
            out.append("\n\n")
        out.append("Unchanged: " + ", ".join(unchanged), style="dim")
    if not out:
        out.append("The plan is empty.", style="dim")
    return out


def _git_questions(planner: Planner, new_file: bool) -> tuple[str | None, str | None]:
    """(HEAD's short sha if detached, the plan path if .gitignore ignores it and git does not track it)."""
    project = planner.project
    if not project.is_git:
        return None, None
    info = repo_info(project.root)
    if info is None or info.workdir is None:
        return None, None
    detached = (info.head or "")[:7] or "unborn" if info.detached else None
    ignored = None
    if new_file:
        target = project.root / planner.plan_path
        rel = os.path.relpath(os.path.realpath(target.parent), os.path.realpath(info.workdir))
        rel = Path(rel, target.name).as_posix()
        repo = pygit2.Repository(str(info.git_dir))
        if rel not in repo.index and repo.path_is_ignored(rel):
            ignored = rel
    return detached, ignored


def _blocker_lines(blockers: list[Blocker]) -> Text:
    text = Text()
    for blocker in blockers:
        if text:
            text.append("\n")
        text.append("• ", style="bold")
        text.append(one_line(blocker.message, 300))
    return text


class CommitDialog(ModalScreen["CommitOutcome | None"]):
    """Confirm and run the commit of the role plan; dismisses with the CommitOutcome, or None.

    The diff against the committed version and the blockers are read in a worker, and the commit
    runs in a thread worker (hooks may take a while). A refusal (git busy, not ready, a hook
    failing) is shown inside the dialog, which stays open so the person can fix it and retry.
    """

    BINDINGS = COMMIT_DIALOG_BINDINGS

    DEFAULT_CSS = """
    CommitDialog { align: center middle; }
    CommitDialog #dialog {
        width: 90%; max-width: 130; height: 92%; overflow-y: auto;  /* a short terminal scrolls it */
        border: thick $primary; background: $surface; padding: 0 1;
    }
    CommitDialog #heading { text-style: bold; width: 1fr; margin-bottom: 1; }
    CommitDialog .field-label { color: $text-muted; }
    CommitDialog #message { border: round $primary-darken-2; padding: 0 1; height: auto; }
    CommitDialog #summary { margin-top: 1; }
    CommitDialog #diff { height: 1fr; min-height: 4; border: round $panel; }
    CommitDialog #blockers { color: $warning; margin-top: 1; }
    CommitDialog #hooks-warning { color: $warning; text-style: bold; padding-left: 4; }
    CommitDialog #no-verify.-on { color: $warning; text-style: bold; }
    CommitDialog #approve-overwrite.-on { color: $warning; text-style: bold; }
    CommitDialog #overwrite-reason { color: $warning; padding-left: 4; }
    CommitDialog #allow-detached.-on, CommitDialog #allow-ignored.-on { color: $warning; text-style: bold; }
    CommitDialog #done { color: $success; border: round $success; padding: 0 1; margin-top: 1; }
    CommitDialog #error { color: $error; border: round $error; padding: 0 1; margin-top: 1; }
    CommitDialog #status { color: $text-muted; margin-top: 1; }
    CommitDialog #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    CommitDialog #buttons Button { margin-left: 2; }
    CommitDialog .-hidden { display: none; }
    """

    class Loaded(Message):
        """The diff and the blockers were read (posted from the loading worker). `detached` is
        HEAD's short sha when HEAD is detached (the commit would be on no branch); `ignored` the
        plan's path when .gitignore ignores it and git does not track it yet."""

        def __init__(
            self, changes: list[SectionChange], new_file: bool, blockers: list[Blocker], detached: str | None = None, ignored: str | None = None
        ) -> None:
            super().__init__()
            self.changes, self.new_file, self.blockers, self.detached, self.ignored = changes, new_file, blockers, detached, ignored

    class Committed(Message):
        """The commit succeeded (posted from the commit worker)."""

        def __init__(self, outcome: CommitOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Failed(Message):
        """The commit (or reading what it would change) was refused; `message` is one sentence."""

        def __init__(self, message: str, blockers: list[Blocker] | None = None) -> None:
            super().__init__()
            self.message, self.blockers = message, blockers or []

    def __init__(self, planner: Planner, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.planner = planner
        self.busy = True
        """True while loading or committing: Commit does nothing then, and Cancel waits for git."""
        self.committing = False
        self.done: CommitOutcome | None = None
        """A detached commit, shown with its id until the person closes the dialog."""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Commit the {visible(self.planner.role.name)} plan"), id="heading")
            yield Static(Text("Path", style="dim"), classes="field-label")
            yield Static(Text(visible(self.planner.plan_path)), id="path")
            yield Static(Text("Commit message", style="dim"), classes="field-label")
            yield Static(Text(visible(self.planner.commit_message())), id="message")
            yield Static(Text("Reading the committed version…", style="dim"), id="summary")
            with VerticalScroll(id="diff"):
                yield Static(Text(""), id="diff-text")
            yield Static(Text(""), id="blockers", classes="-hidden")
            yield StateCheckbox(Text("Skip git hooks (--no-verify)"), id="no-verify")
            yield Static(Text("pre-commit and commit-msg hooks will NOT run"), id="hooks-warning", classes="-hidden")
            yield StateCheckbox(Text("Approve overwriting the existing plan"), id="approve-overwrite", classes="-hidden")
            yield Static(Text(""), id="overwrite-reason", classes="-hidden")
            yield StateCheckbox(Text("Commit on a detached HEAD"), id="allow-detached", classes="-hidden")
            yield StateCheckbox(Text("Commit although .gitignore ignores the plan"), id="allow-ignored", classes="-hidden")
            yield Static(Text(""), id="done", classes="-hidden")
            yield Static(Text(""), id="error", classes="-hidden")
            yield Static(Text(""), id="status", classes="-hidden")
            with Horizontal(id="buttons"):
                yield Button("Commit", id="commit", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        # Not a button: an early Enter must neither cancel nor commit before the diff is shown.
        self.query_one("#diff", VerticalScroll).focus()
        self._load()

    # ------------------------------------------------------------------ workers (post messages only)

    @work(thread=True, exclusive=True, group="commit-dialog-load")
    def _load(self) -> None:
        """Read the committed plan, render the new one and list the blockers (git and disk I/O)."""
        try:
            new = self.planner.render()
            old = self.planner.committed_plan()
            blockers = self.planner.blockers(plan_text=new)
            detached, ignored = _git_questions(self.planner, old is None)
        except PlannerError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a git read failing must not close the app
            self.post_message(self.Failed(f"Could not read what the commit would change ({type(exc).__name__}): {exc}"))
            return
        self.post_message(self.Loaded(section_diff(old, new), old is None, blockers, detached, ignored))

    @work(thread=True, exclusive=True, group="commit-dialog-commit")
    def _commit(self, yes: bool, no_verify: bool, allow_detached: bool = False, allow_ignored: bool = False) -> None:
        """Run the commit off the UI thread: hooks and git must never freeze the screen."""
        try:
            outcome = self.planner.commit(yes=yes, no_verify=no_verify, allow_detached=allow_detached, allow_ignored=allow_ignored)
        except NotReady as exc:
            self.post_message(self.Failed(str(exc), list(exc.blockers)))
        except PlannerError as exc:
            self.post_message(self.Failed(str(exc)))
        except Exception as exc:  # noqa: BLE001 - the session is on disk; say what happened, keep the dialog
            self.post_message(self.Failed(f"Unexpected error while committing ({type(exc).__name__}): {exc}"))
        else:
            self.post_message(self.Committed(outcome))

    # ------------------------------------------------------------------ handlers

    def on_commit_dialog_loaded(self, event: Loaded) -> None:
        summary_text = Text()
        if event.new_file:
            summary_text.append("New file", style="bold green")
            summary_text.append(": nothing committed at this path yet.")
        else:
            summary_text.append("Against the committed version: ")
            summary_text.append(summary(event.changes), style="bold")
        self.query_one("#summary", Static).update(summary_text)
        self.query_one("#diff-text", Static).update(diff_text(event.changes, new_file=event.new_file))
        self._show_blockers(event.blockers)
        self._ask(event)
        self.busy = False
        button = self.query_one("#commit", Button)
        button.disabled = False
        if not self.committing:
            button.focus()

    def _show_blockers(self, blockers: list[Blocker]) -> None:
        overwrite = [b for b in blockers if b.kind == "overwrite"]
        others = [b for b in blockers if b.kind != "overwrite"]
        approve = self.query_one("#approve-overwrite", Checkbox)
        reason = self.query_one("#overwrite-reason", Static)
        # Once shown, the approval stays visible: hiding a checked box would hide what it does.
        approve.set_class(not overwrite and not approve.value, "-hidden")
        reason.set_class(not overwrite, "-hidden")
        if overwrite:
            # Said once: the box above asks for the approval, so only what would be replaced is said here.
            reason.update(Text(one_line(overwrite[0].message.split(";", 1)[0].rstrip(".") + ".", 300)))
        box = self.query_one("#blockers", Static)
        box.set_class(not others, "-hidden")
        if others:
            text = Text("Still blocking the commit:\n", style="bold")
            text.append_text(_blocker_lines(others))
            box.update(text)

    def _ask(self, event: Loaded) -> None:
        """Show the detached-HEAD and ignored-path questions only when they apply (both default no)."""
        detached = self.query_one("#allow-detached", Checkbox)
        if event.detached:
            detached.label = Text(f"Commit on a detached HEAD (at {event.detached}): the commit will be on no branch")
        detached.set_class(not event.detached and not detached.value, "-hidden")
        ignored = self.query_one("#allow-ignored", Checkbox)
        if event.ignored:
            ignored.label = Text(f"Commit although .gitignore ignores {one_line(event.ignored, 100)}")
        ignored.set_class(not event.ignored and not ignored.value, "-hidden")

    def on_commit_dialog_committed(self, event: Committed) -> None:
        self.busy = self.committing = False
        outcome = event.outcome
        if self.query_one("#allow-detached", Checkbox).value and outcome.created and outcome.sha:
            # On no branch, the id is the only way back to this commit: show it until closed.
            self.done = outcome
            self.query_one("#status", Static).add_class("-hidden")
            box = self.query_one("#done", Static)
            box.update(Text(
                f"Committed {outcome.sha[:7]} on a detached HEAD: it is on no branch.\n"
                f"Commit id: {outcome.sha}\nKeep it with: git branch <name> {outcome.sha}\n"
                "Press enter or escape to close."
            ))
            box.remove_class("-hidden")
            button = self.query_one("#commit", Button)
            button.label = "Close"
            button.disabled = False
            button.focus()
            return
        self.dismiss(outcome)

    def on_commit_dialog_failed(self, event: Failed) -> None:
        was_committing = self.committing
        self.busy = self.committing = False
        error = self.query_one("#error", Static)
        text = Text("Not committed. " if was_committing else "", style="bold")
        if event.blockers and all(b.kind == "overwrite" for b in event.blockers):
            # What would be overwritten is said once, above the box: here only what to do.
            text.append('Not committed: tick "Approve overwriting the existing plan" above to replace it.')
        else:
            text.append(visible(event.message))
        if event.blockers and not all(b.kind == "overwrite" for b in event.blockers):
            text.append("\n")
            text.append_text(_blocker_lines(event.blockers))
        if was_committing:
            text.append("\nNothing was lost: fix it and press Commit again, or Cancel.", style="dim")
        error.update(text)
        error.remove_class("-hidden")
        self.query_one("#status", Static).add_class("-hidden")
        self.query_one("#commit", Button).disabled = False
        if was_committing:
            self._load()  # what blocks may have changed (e.g. a plan file now exists)

    @on(Checkbox.Changed, "#no-verify")
    def _hooks_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.set_class(event.value, "-on")
        self.query_one("#hooks-warning", Static).set_class(not event.value, "-hidden")

    @on(Checkbox.Changed, "#approve-overwrite")
    @on(Checkbox.Changed, "#allow-detached")
    @on(Checkbox.Changed, "#allow-ignored")
    def _overwrite_toggled(self, event: Checkbox.Changed) -> None:
        event.checkbox.set_class(event.value, "-on")

    @on(Button.Pressed, "#commit")
    def _commit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_commit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # ------------------------------------------------------------------ actions

    def action_commit(self) -> None:
        """Start the commit with the chosen options (ignored while loading or committing)."""
        if self.done is not None:
            self.dismiss(self.done)
            return
        if self.busy:
            return
        self.busy = self.committing = True
        self.query_one("#error", Static).add_class("-hidden")
        status = self.query_one("#status", Static)
        status.update(Text("Committing… (git hooks may take a moment)"))
        status.remove_class("-hidden")
        self.query_one("#commit", Button).disabled = True
        yes = self.query_one("#approve-overwrite", Checkbox).value
        no_verify = self.query_one("#no-verify", Checkbox).value
        allow_detached = self.query_one("#allow-detached", Checkbox).value
        allow_ignored = self.query_one("#allow-ignored", Checkbox).value
        self._commit(yes, no_verify, allow_detached, allow_ignored)

    def action_cancel(self) -> None:
        """Close without committing; not while git is running (the commit could still land)."""
        if self.committing:
            self.notify("A commit is running; wait for it to finish.", severity="warning", markup=False)
            return
        self.dismiss(self.done)  # after a detached commit, closing still reports it
