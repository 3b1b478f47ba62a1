"""Workbench work beyond one pass: the import notice, citations, search, other roles, batch answers, the decision log."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation, Entry
from planner_tui.core.project import Project
from planner_tui.core.storage.files import atomic_write_text
from planner_tui.core.storage.store import STATE_DIR
from planner_tui.core.text.display import one_line
from planner_tui.core.view import PlannerView
from planner_tui.screens.workbench.trust import open_planner
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.discussion.composer import short_cite

if TYPE_CHECKING:
    from planner_tui.core.epic.search import Hit
    from planner_tui.screens.workbench.screen import WorkbenchScreen

# The search screen and the decision log are imported when a person asks for them: nothing of
# them is on the first frame.

__all__ = ["Tools", "export_path", "write_decision_log"]


def export_path(view: PlannerView) -> Path:
    """Where the workbench writes the decision log: `.planner-tui/exports/<epic>-<role>-decisions.md`."""
    return view.project.root / STATE_DIR / "exports" / f"{view.epic.folder}-{view.role.key}-decisions.md"


def write_decision_log(view: PlannerView) -> tuple[Path, int]:
    """Write the decision log (as `planner-tui export` prints it); returns (path, decisions)."""
    project = view.project
    epic = {"folder": view.epic.folder, "title": view.epic.title, "path": view.epic.path}
    from planner_tui.core.epic import citations
    from planner_tui.core.plan.decision_log import decision_log, log_markdown

    log = decision_log(view.role, view.session, epic=epic, stale=lambda e: citations.staleness(e, project.root, project.tasks))
    log["plan_path"] = view.plan_path
    path = export_path(view)
    state = project.root / STATE_DIR
    try:
        # It may be made here first (no session saved yet), or by something that did not give it
        # its .gitignore: it ignores itself in git, as the store's does.
        state.mkdir(exist_ok=True)
        if not (state / ".gitignore").exists():
            (state / ".gitignore").write_text("*\n", encoding="utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, log_markdown(log))
    except OSError as exc:
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return path, len(log["decisions"])


class Tools:
    """The workbench's tools part: what the screen's tool keys and the document viewer's `c` open or write."""

    class RoleOpened(Message):
        """Another role's Planner is ready (posted from its thread), or why it is not."""

        def __init__(self, planner: Planner | None, notice: str | None = None, error: str | None = None) -> None:
            super().__init__()
            self.planner, self.notice, self.error = planner, notice, error

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self._last_search = ""

    def say_imported(self) -> None:
        """Opened on a committed plan with no session yet: say that the discussion came from it."""
        screen = self.screen
        report = screen.planner.imported
        if report is None:
            return
        plan = one_line(screen.planner.plan_path, 120)
        for note in report.notes:
            screen.notify(one_line(note, 300), title="Import", severity="warning", markup=False, timeout=15)
        if report.entries:
            screen.notify(
                f"The committed {plan} was read into the discussion ({report.entries} entries, its topics confirmed). "
                "Change what needs changing; ctrl+s shows the section diff and commits the revision.",
                title="Revising a committed plan",
                markup=False,
                timeout=12,
            )

    # ------------------------------------------------------------------ citations

    def cite(self, message: DocumentView.CiteRequested) -> None:
        """Make the line the document viewer sent the citation of the next new entry."""
        screen = self.screen
        cite = Citation(path=message.artifact.path, line=message.line)
        screen.composer.cite_line(cite)
        screen.composer.focus()
        quoted = f": {message.text}" if message.text.strip() else ""
        screen.notify(f"The next new entry cites {short_cite(cite)}{quoted}", title="Citation", markup=False, timeout=4)

    # ------------------------------------------------------------------ search

    def open_search(self) -> None:
        """The global search, over a view of the session as it is now; a chosen hit is shown."""
        screen = self.screen
        from planner_tui.screens.search import SearchScreen

        search = SearchScreen(screen.planner, query=self._last_search)

        def chosen(hit: Hit | None) -> None:
            self._last_search = search.searched or ""
            if hit is not None:
                screen.navigation.go_to_hit(hit)

        screen.app.push_screen(search, chosen)

    # ------------------------------------------------------------------ roles

    def switch_role(self) -> None:
        """Pick another role of the epic; its Planner is opened in a worker."""
        from planner_tui.dialogs.role_picker import RolePicker

        screen = self.screen
        planner = screen.planner

        def chosen(key: str | None) -> None:
            if key and key != planner.role.key:
                screen.notify(f"Opening the {key} role of {planner.epic.folder}…", markup=False, timeout=3)
                screen.run_worker(partial(self._open_role, planner, key), name="open_role", thread=True, exclusive=True, group="role")

        screen.app.push_screen(RolePicker(planner.project, planner.epic, planner.role.key), chosen)

    def _open_role(self, current: Planner, key: str) -> None:
        """Read the other role's prompt and open its session (in a worker thread)."""
        old = current.project
        try:
            project = Project.load(old.root, prompts=old.pack, role=key, home=old.home)
            epic = next((e for e in project.epics if e.folder == current.epic.folder), None) or project.choose_epic(current.epic.folder)
            planner, notice = open_planner(project, epic, clock=current.clock, author=current.author)
        except PlannerError as exc:
            self.screen.post_message(self.RoleOpened(None, error=str(exc)))
            return
        except OSError as exc:
            self.screen.post_message(self.RoleOpened(None, error=f"Could not open the {key} role: {exc.strerror or exc}"))
            return
        self.screen.post_message(self.RoleOpened(planner, notice))

    def role_opened(self, message: RoleOpened) -> None:
        """Switch the app to the other role's Planner, or say why it could not be opened."""
        screen = self.screen
        planner = message.planner
        if planner is None:
            screen.notify(message.error or "The role could not be opened.", title="Not switched", severity="error", markup=False)
            return
        # The old role's changes are saved (and shown) before its screen closes.
        screen.changes.later(lambda: screen.planner_app.switch_planner(planner, message.notice))

    # ------------------------------------------------------------------ batches and export

    def open_batch(self) -> None:
        """Answer the current topic's open questions in one dialog."""
        from planner_tui.dialogs.batch_answer import BatchAnswerScreen

        screen = self.screen
        topic = screen.topic
        if topic is None:
            return
        state = screen.planner.session.topic(topic.id)
        if state is None or not state.open_questions:
            screen.notify(f"Topic {topic.number} has no open questions.", markup=False, timeout=3)
            return

        def answered(entries: list[Entry] | None) -> None:
            if entries:
                screen.refresh_view()
                count = len(entries)
                screen.notify(f"{count} question{'s' if count != 1 else ''} answered.", markup=False, timeout=3)

        # Its answers are saved through the same queue as every other change, in order.
        screen.app.push_screen(BatchAnswerScreen(screen.planner, topic, run=screen.changes.run), answered)

    def export_log(self) -> None:
        """Write the decision log of the session as it is now, in a worker (it checks every citation)."""
        export = partial(self._export, self.screen.planner.view())
        self.screen.run_worker(export, name="export", thread=True, exclusive=True, group="export")

    def _export(self, view: PlannerView) -> None:
        app = self.screen.app
        try:
            path, count = write_decision_log(view)
        except PlannerError as exc:
            app.call_from_thread(app.notify, str(exc), title="Not exported", severity="error", markup=False)
            return
        shown = path.relative_to(view.project.root).as_posix()
        said = f"Decision log written to {shown} ({count} decision{'s' if count != 1 else ''})."
        app.call_from_thread(app.notify, said, title="Exported", markup=False, timeout=8)
