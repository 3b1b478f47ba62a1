"""Workbench work beyond one pass: citations, stale and contradicting entries, search, roles, batches, export."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import TextArea

from planner_tui.core.epic import citations
from planner_tui.core.plan.decision_log import decision_log, log_markdown
from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Artifact, Citation, Entry
from planner_tui.core.plan.render import place_entries, section_spans
from planner_tui.core.project import Project
from planner_tui.core.storage.files import atomic_write_text
from planner_tui.core.epic.search import Hit
from planner_tui.core.storage.store import STATE_DIR
from planner_tui.core.text.display import one_line
from planner_tui.screens.search import SearchScreen, frozen_planner
from planner_tui.widgets.discussion.composer import short_cite
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.plan.pane import split_sections
from planner_tui.widgets.discussion.thread import ThreadView

__all__ = ["WorkbenchTools", "EntryMarks", "entry_marks", "export_path", "write_decision_log"]


@dataclass
class EntryMarks:
    """Warnings to show: per entry on its thread line, per plan heading on the section's border."""

    entries: dict[str, str]
    sections: dict[str, str]
    counts: list[str] = field(default_factory=list)
    """E.g. `1 stale`, `2 contradictions` (empty when nothing is wrong)."""


def _short(path: str) -> str:
    return short_cite(Citation(path=path))


def entry_marks(planner: Planner) -> EntryMarks:
    """Stale citations and differences with earlier role plans, as short warnings (reads files)."""
    session = planner.session
    stale = citations.stale_entries(session, planner.project.root, planner.project.tasks)
    found: dict[str, list[str]] = {}
    for item in stale:
        what = "is no longer readable" if "no longer readable" in item.reason else "changed"
        found.setdefault(item.entry.id, []).append(f"⚠ stale: {_short(item.entry.cite.path)} {what}")  # type: ignore[union-attr]
    contradictions = planner.contradictions()
    for c in contradictions:
        where = f"{PurePosixPath(c.source).name}:{c.line}"
        said = f"`{c.defined}`" if c.defined else f"no column `{c.used}`"
        found.setdefault(c.entry, []).append(f"⚠ differs from {where}: {said}")
    entries = {entry_id: " ".join(dict.fromkeys(notes)) for entry_id, notes in found.items()}
    stale_ids = {item.entry.id for item in stale}
    differ = {c.entry for c in contradictions}
    counts = _counted(stale_ids, differ)
    labels = {}
    if stale_ids or differ:
        for heading, items in place_entries(planner.role, session).items():
            here = {item.entry.id for item in items}
            if said := _counted(stale_ids & here, differ & here):
                labels[heading] = "⚠ " + " · ".join(said)
    return EntryMarks(entries, labels, counts)


def _counted(stale: set[str], differ: set[str]) -> list[str]:
    """`1 stale`, `2 contradictions`: what the plan pane's title and a section's heading say."""
    out = [f"{len(stale)} stale"] if stale else []
    if differ:
        out.append(f"{len(differ)} contradiction{'s' if len(differ) != 1 else ''}")
    return out


def export_path(planner: Planner) -> Path:
    """Where the workbench writes the decision log: `.planner-tui/exports/<epic>-<role>-decisions.md`."""
    return planner.project.root / STATE_DIR / "exports" / f"{planner.epic.folder}-{planner.role.key}-decisions.md"


def write_decision_log(planner: Planner) -> tuple[Path, int]:
    """Write the decision log (as `planner-tui export` prints it); returns (path, decisions)."""
    project = planner.project
    epic = {"folder": planner.epic.folder, "title": planner.epic.title, "path": planner.epic.path}
    log = decision_log(planner.role, planner.session, epic=epic, stale=lambda e: citations.staleness(e, project.root, project.tasks))
    log["plan_path"] = planner.plan_path
    path = export_path(planner)
    state = project.root / STATE_DIR
    try:
        if not state.exists():
            # Made here first (no session saved yet): it ignores itself in git, as the store's does.
            state.mkdir()
            (state / ".gitignore").write_text("*\n", encoding="utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, log_markdown(log))
    except OSError as exc:
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return path, len(log["decisions"])


class WorkbenchTools:
    """Mixin for the workbench screen (which provides planner, panes, go_to_topic, _apply, …).

    Textual calls a message handler of every class in the screen's MRO, so the handlers here
    run after the screen's (plan rendered) and WorkbenchEdits' (thread entry action) ones.
    """

    @dataclass
    class MarksFound(Message):
        """The marks worker finished (posted from its thread)."""

        seq: int
        marks: EntryMarks

    @dataclass
    class RoleOpened(Message):
        """Another role's Planner is ready (posted from its thread), or why it is not."""

        planner: Planner | None
        notice: str | None = None
        error: str | None = None

    def on_mount(self) -> None:
        # Opened on a committed plan with no session yet: say that the discussion came from it.
        report = getattr(self.planner, "imported", None)  # type: ignore[attr-defined]
        if report is None:
            return
        plan = one_line(self.planner.plan_path, 120)  # type: ignore[attr-defined]
        for note in report.notes:
            self.notify(one_line(note, 300), title="Import", severity="warning", markup=False, timeout=15)  # type: ignore[attr-defined]
        if report.entries:
            self.notify(  # type: ignore[attr-defined]
                f"The committed {plan} was read into the discussion ({report.entries} entries, its topics confirmed). "
                "Change what needs changing; ctrl+s shows the section diff and commits the revision.",
                title="Revising a committed plan",
                markup=False,
                timeout=12,
            )

    # ------------------------------------------------------------------ stale and contradicting entries

    def on_live_updates_plan_rendered(self, message) -> None:
        seq = message.snapshot.seq
        # The session is copied for the marks when no change is being saved (at once, usually).
        self.changes.later(lambda: self._marks_for(seq))  # type: ignore[attr-defined]

    def _marks_for(self, seq: int) -> None:
        if seq == self._plan_seq:  # type: ignore[attr-defined]
            self._check_marks(frozen_planner(self.planner), seq)  # type: ignore[attr-defined]

    def on_live_updates_files_changed(self, message) -> None:
        # A cited file may have changed: check the entries again (the plan and blockers too).
        if message.paths - {self.planner.store.path}:  # type: ignore[attr-defined]
            self.refresh_view(scroll_plan=False)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="marks")
    def _check_marks(self, planner: Planner, seq: int) -> None:
        try:
            marks = entry_marks(planner)
        except (PlannerError, OSError):
            marks = EntryMarks({}, {})  # the blockers say what is wrong; marks are a convenience
        self.post_message(self.MarksFound(seq, marks))  # type: ignore[attr-defined]

    def on_workbench_tools_marks_found(self, message: MarksFound) -> None:
        message.stop()
        if message.seq != self._plan_seq:  # type: ignore[attr-defined]
            return
        self.thread.set_marks(message.marks.entries)  # type: ignore[attr-defined]
        pane = self.plan_pane  # type: ignore[attr-defined]
        pane.preview.mark_warnings(message.marks.sections)  # after the heading, not in the plan text
        # The blocker list may hide them under "… and N more": the pane's title counts them.
        title = Text("Plan")
        if message.marks.counts:
            title.append("  ⚠ " + " · ".join(message.marks.counts), style="bold yellow")
        if title != getattr(self, "_plan_title", None):  # a new title repaints the whole pane
            self._plan_title = title
            pane.border_title = title

    # ------------------------------------------------------------------ citations

    def on_document_view_cite_requested(self, message: DocumentView.CiteRequested) -> None:
        message.stop()
        cite = Citation(path=message.artifact.path, line=message.line)
        self.composer.cite_line(cite)  # type: ignore[attr-defined]
        self.composer.focus()  # type: ignore[attr-defined]
        quoted = f": {message.text}" if message.text.strip() else ""
        self.notify(f"The next new entry cites {short_cite(cite)}{quoted}", title="Citation", markup=False, timeout=4)  # type: ignore[attr-defined]

    def on_thread_view_entry_action(self, message: ThreadView.EntryAction) -> None:
        # Looked up once the changes before it are saved (the session is not read during a save).
        self.changes.later(lambda: self._tool_action(message.action, message.entry_id))  # type: ignore[attr-defined]

    def _tool_action(self, action: str, entry_id: str) -> None:
        found = self.planner.session.find_entry(entry_id)  # type: ignore[attr-defined]
        if found is None:
            return
        entry = found[1]
        if action == "open_cite" and entry.cite is not None:
            self.open_at(entry.cite.path, entry.cite.line)
        elif action == "reconfirm":
            done = f"Kept as it is: {one_line(entry.text, 60)}"
            self._apply(lambda: self.planner.reconfirm(entry.id), done)  # type: ignore[attr-defined]

    def _artifact_for(self, path: str) -> Artifact:
        listed = self.artifact_pane.tree.artifacts  # type: ignore[attr-defined]
        found = next((a for a in listed if a.path == path), None)
        # A file cited from the command line may not be a prior artifact: shown all the same.
        return found or Artifact(path=path, group="linked", label=PurePosixPath(path).name, state="present")

    def open_at(self, path: str, line: int | None) -> None:
        """Show an artifact in the left pane, at a line when given (selected in the line view)."""
        if self.maximized is not None:  # type: ignore[attr-defined]
            self.minimize()  # type: ignore[attr-defined]
        pane = self.artifact_pane  # type: ignore[attr-defined]
        pane.open(self._artifact_for(path))
        if line:
            pane.document.go_to_line(line)
        else:
            pane.document.focus_view()

    # ------------------------------------------------------------------ search

    def action_search(self) -> None:
        self.changes.later(self._open_search)  # type: ignore[attr-defined]  # it copies the session

    def _open_search(self) -> None:
        screen = SearchScreen(self.planner, query=getattr(self, "_last_search", ""))  # type: ignore[attr-defined]

        def chosen(hit: Hit | None) -> None:
            self._last_search = screen.searched or ""
            if hit is not None:
                self.go_to_hit(hit)

        self.app.push_screen(screen, chosen)  # type: ignore[attr-defined]

    def go_to_hit(self, hit: Hit) -> None:
        """Show a search hit: the artifact at the line, the entry in its topic, or the plan section."""
        if hit.kind == "artifact":
            self.open_at(hit.path, hit.line)
        elif hit.kind == "session":
            rest = hit.path.removeprefix("session:").split(" ", 1)[0]
            topic_id, _, entry_id = rest.partition("#")
            spec = self.planner.role.topic(topic_id)  # type: ignore[attr-defined]
            if spec is None:
                self.notify("That entry's topic is not in this role any more.", severity="warning", markup=False)  # type: ignore[attr-defined]
                return
            if self.maximized is not None:  # type: ignore[attr-defined]
                self.minimize()  # type: ignore[attr-defined]
            self.go_to_topic(spec, entry_id)  # type: ignore[attr-defined]
            self.thread.focus()  # type: ignore[attr-defined]
        else:
            self.show_plan_line(hit.line)

    def show_plan_line(self, line: int) -> None:
        """Scroll the plan preview (or the raw view) to a 1-based line of the plan shown."""
        pane = self.plan_pane  # type: ignore[attr-defined]
        if self.maximized is not None and self.maximized is not pane:  # type: ignore[attr-defined]
            self.minimize()  # type: ignore[attr-defined]
        row = max(0, line - 1)
        if pane.raw:
            area = pane.query_one("#plan-raw", TextArea)
            row = min(row, area.document.line_count - 1)
            area.selection = ((row, 0), (row, len(area.document.get_line(row))))
            area.scroll_cursor_visible(center=True)
            area.focus()
            return
        text = pane.text
        spans = section_spans(text)
        parts = split_sections(text)
        has_head = bool(parts) and parts[0][0] == ""  # text before the first heading is a section too
        index, offset = 0, row
        for n, (_heading, start, end) in enumerate(spans):
            if start <= row < end:
                index, offset = n + (1 if has_head else 0), row - start
                break
        preview = pane.preview
        sections = preview.sections
        if not sections:
            return
        index = min(index, len(sections) - 1)
        start = preview.section_start(index) or 0
        # Source lines may wrap into several rows: the offset is a good guess, kept in the section.
        rows = len(sections[index].strips or []) or 1
        preview.focus()
        preview.call_after_refresh(lambda: preview.scroll_to(y=start + min(offset, rows - 1), animate=False))

    # ------------------------------------------------------------------ roles

    def action_switch_role(self) -> None:
        from planner_tui.dialogs.role_picker import RolePicker

        planner = self.planner  # type: ignore[attr-defined]

        def chosen(key: str | None) -> None:
            if key and key != planner.role.key:
                self.notify(f"Opening the {key} role of {planner.epic.folder}…", markup=False, timeout=3)  # type: ignore[attr-defined]
                self._open_role(key)

        self.app.push_screen(RolePicker(planner.project, planner.epic, planner.role.key), chosen)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="role")
    def _open_role(self, key: str) -> None:
        """Read the other role's prompt and open its session off the UI thread."""
        from planner_tui.screens.trust import open_planner

        current: Planner = self.planner  # type: ignore[attr-defined]
        old = current.project
        try:
            project = Project.load(old.root, prompts=old.pack, role=key, home=old.home)
            epic = next((e for e in project.epics if e.folder == current.epic.folder), None) or project.choose_epic(current.epic.folder)
            planner, notice = open_planner(project, epic, clock=current.clock, author=current.author)
        except PlannerError as exc:
            self.post_message(self.RoleOpened(None, error=str(exc)))  # type: ignore[attr-defined]
            return
        except OSError as exc:
            self.post_message(self.RoleOpened(None, error=f"Could not open the {key} role: {exc.strerror or exc}"))  # type: ignore[attr-defined]
            return
        self.post_message(self.RoleOpened(planner, notice))  # type: ignore[attr-defined]

    def on_workbench_tools_role_opened(self, message: RoleOpened) -> None:
        message.stop()
        if message.planner is None:
            self.notify(message.error or "The role could not be opened.", title="Not switched", severity="error", markup=False)  # type: ignore[attr-defined]
            return
        # The old role's changes are saved (and shown) before its screen closes.
        self.changes.later(lambda: self.app.switch_planner(message.planner, message.notice))  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ batches and export

    def action_batch_answer(self) -> None:
        self.changes.later(self._open_batch)  # type: ignore[attr-defined]  # on the session as saved

    def _open_batch(self) -> None:
        from planner_tui.dialogs.batch_answer import BatchAnswerScreen

        topic = self.topic  # type: ignore[attr-defined]
        if topic is None:
            return
        state = self.planner.session.topic(topic.id)  # type: ignore[attr-defined]
        if state is None or not state.open_questions:
            self.notify(f"Topic {topic.number} has no open questions.", markup=False, timeout=3)  # type: ignore[attr-defined]
            return

        def answered(entries: list[Entry] | None) -> None:
            if entries:
                self.refresh_view()  # type: ignore[attr-defined]
                count = len(entries)
                self.notify(f"{count} question{'s' if count != 1 else ''} answered.", markup=False, timeout=3)  # type: ignore[attr-defined]

        # Its answers are saved through the same queue as every other change, in order.
        screen = BatchAnswerScreen(self.planner, topic, run=self.changes.run)  # type: ignore[attr-defined]
        self.app.push_screen(screen, answered)  # type: ignore[attr-defined]

    def action_export_log(self) -> None:
        # The log is of every change made before it: copied once they are saved.
        self.changes.later(lambda: self._export(frozen_planner(self.planner)))  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="export")
    def _export(self, planner: Planner) -> None:
        """Checks every citation (reads files) and writes the log: off the UI thread."""
        app = self.app  # type: ignore[attr-defined]
        try:
            path, count = write_decision_log(planner)
        except PlannerError as exc:
            app.call_from_thread(app.notify, str(exc), title="Not exported", severity="error", markup=False)
            return
        shown = path.relative_to(planner.project.root).as_posix()
        said = f"Decision log written to {shown} ({count} decision{'s' if count != 1 else ''})."
        app.call_from_thread(app.notify, said, title="Exported", markup=False, timeout=8)
