"""The workbench screen: artifacts, the discussion and the plan, wired to one Planner."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Artifact, Blocker, TopicSpec
from planner_tui.core.text.display import one_line
from planner_tui.keymap import WORKBENCH_BINDINGS
from planner_tui.screens.workbench.changes import ChangeQueue
from planner_tui.screens.workbench.live import LiveUpdates, render_snapshot
from planner_tui.screens.trust import TrustBanner, apply_trust_state
from planner_tui.screens.workbench.edits import WorkbenchEdits
from planner_tui.screens.workbench.tools import WorkbenchTools
from planner_tui.widgets.artifacts.pane import ArtifactPane
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.discussion.pane import DiscussionPane
from planner_tui.widgets.footer import QuietFooter
from planner_tui.widgets.plan.pane import PlanPane
from planner_tui.widgets.discussion.thread import ThreadView

__all__ = ["WorkbenchScreen"]


class WorkbenchScreen(LiveUpdates, WorkbenchEdits, WorkbenchTools, Screen[None]):
    """Everything about one role of one epic; every change goes through the Planner, saved in a thread, in order."""

    BINDINGS = WORKBENCH_BINDINGS
    AUTO_FOCUS = "#composer"

    def __init__(
        self,
        planner: Planner,
        *,
        markdown_limit: int = 64 * 1024,
        poll_interval: float = 0.5,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.planner = planner
        self.markdown_limit = markdown_limit
        self.poll_interval = poll_interval
        self.watch_files = watch
        self.blockers: list[Blocker] = []
        self.plan_text = ""
        self._plan_seq = 0
        self._plan_shown = -1
        session = planner.session
        topics = planner.role.topics
        start = planner.role.topic(session.cursor_topic) if session.cursor_topic else None
        if start is None:
            start = next((t for t in topics if not (s := session.topic(t.id)) or not s.confirmed), topics[0] if topics else None)
        self.topic: TopicSpec | None = start
        self.changes = ChangeQueue(self, lambda: self.refresh_view(scroll_plan=False))
        """Every change to the session goes through it: saved in a thread, one at a time, in order."""
        self._cursor: str | None = None
        self._cursor_queued = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="top-bar")
        yield TrustBanner(id="trust-banner")
        with Horizontal(id="panes"):
            yield ArtifactPane(self._read_artifact, markdown_limit=self.markdown_limit, id="artifacts")
            yield DiscussionPane(id="discussion")
            yield PlanPane(id="plan")
        yield QuietFooter()

    @property
    def discussion(self) -> DiscussionPane:
        return self.query_one(DiscussionPane)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def thread(self) -> ThreadView:
        return self.query_one(ThreadView)

    @property
    def plan_pane(self) -> PlanPane:
        return self.query_one(PlanPane)

    @property
    def artifact_pane(self) -> ArtifactPane:
        return self.query_one(ArtifactPane)

    def on_mount(self) -> None:
        # The first view is built here, before the first frame, from what a worker would have
        # produced: every piece that arrives later from a worker costs a full layout of about
        # seventy widgets, and the person would watch the panes fill one by one.
        self.refresh_view(first=True)
        self.start_live(self.poll_interval, watch=self.watch_files, artifacts=self.planner.project.artifacts(self.planner.epic))
        self.app.freeze_startup_objects()  # type: ignore[attr-defined]  # the PlannerApp's

    def _read_artifact(self, artifact: Artifact):
        return self.planner.project.read_artifact(artifact)

    # ------------------------------------------------------------------ drawing

    def refresh_view(self, *, scroll_plan: bool = True, first: bool = False) -> None:
        """Redraw from the session: the discussion at once, the plan and blockers from a worker.

        The composer is never rebuilt: its text is the person's. `first` (the screen's first
        view) renders the plan here instead: nothing is on screen yet to keep responsive.
        """
        planner = self.planner
        if self.changes.running:
            # A change is being written in its thread: the session is not read meanwhile.
            self.changes.redraw_wanted = True
            return
        # A copy the widgets may keep and read while the next change is saved (and the worker
        # renders from): unchanged entries are shared with the last copy, so this is cheap.
        session = planner.snapshot()
        if self.topic is not None:
            self.discussion.show(planner.role.topics, session, self.topic)
            self.composer.topic_id = self.topic.id
        self._draw_top_bar()
        self._plan_seq += 1
        if first:
            rendered = LiveUpdates.PlanRendered(render_snapshot(planner, session, self._plan_seq), scroll_plan)
            # What a posted message would do (each class's handler), without waiting a frame;
            # the stale/contradiction marks (they read files in a thread) once the frame is out.
            self.on_live_updates_plan_rendered(rendered)
            self.call_after_refresh(WorkbenchTools.on_live_updates_plan_rendered, self, rendered)
            return
        self._render_plan(session, self._plan_seq, scroll_plan)

    @property
    def plan_pending(self) -> bool:
        """True while the plan shown is older than the session (a render is running)."""
        return self._plan_shown != self._plan_seq

    def on_live_updates_plan_rendered(self, message: LiveUpdates.PlanRendered) -> None:
        snapshot = message.snapshot
        if snapshot.seq != self._plan_seq:
            return  # a newer render is on its way
        self._plan_shown = snapshot.seq
        self.blockers = snapshot.blockers
        if snapshot.text is not None:
            self.plan_text = snapshot.text
        heading = self.topic.section if self.topic else None
        self.plan_pane.show(self.plan_text, self.blockers, heading, scroll=message.scroll, parts=snapshot.parts)

    def _draw_top_bar(self) -> None:
        planner = self.planner
        bar = Text()
        bar.append(f" {one_line(planner.role.name, 30)} plan ", style="bold reverse")
        bar.append(f"  {one_line(planner.epic.folder, 50)}", style="bold")
        bar.append(f"  {one_line(planner.epic.title, 70)}")
        bar.append(f"   → {one_line(planner.plan_path, 90)}", style="dim")
        if planner.read_only:
            bar.append("   READ-ONLY", style="bold red")
        if planner.store.session is None:
            bar.append("   new session (saved on the first entry)", style="dim italic")
        else:
            bar.append(f"   saved · rev {planner.session.revision}", style="dim")
        self.query_one("#top-bar", Static).update(bar)
        apply_trust_state(self)  # "Session NOT saved" / read-only banner, composer locked when read-only

    # ------------------------------------------------------------------ composer (changes: workbench_edits.py)

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        # Defined on the screen itself: benchmarks/ui_child.py times it by replacing it here.
        message.stop()
        self._submit(message)

    def on_composer_left(self, message: Composer.Left) -> None:
        message.stop()
        self.thread.focus()

    # ------------------------------------------------------------------ topics

    def go_to_topic(self, spec: TopicSpec, entry_id: str | None = None) -> None:
        """Make spec the current topic (remembered in the session for the next start)."""
        self.topic = spec

        def show() -> None:
            self.refresh_view()
            if entry_id:
                self.thread.highlight_entry(entry_id)

        self.changes.later(show)
        self._save_cursor(spec.id)

    def _save_cursor(self, topic_id: str) -> None:
        # A save like any other, so in the change thread; moves made while one waits share it.
        self._cursor = topic_id
        if self._cursor_queued:
            return
        self._cursor_queued = True

        def change() -> None:
            self._cursor_queued = False
            try:
                self.planner.set_cursor(self._cursor)
            except (PlannerError, OSError):
                pass  # where the cursor was is a convenience; never refuse to move for it

        self.changes.push(change, lambda _result, _error: self._draw_top_bar())

    def _step_topic(self, step: int) -> None:
        topics = self.planner.role.topics
        if not topics or self.topic is None:
            return
        index = next(i for i, t in enumerate(topics) if t.id == self.topic.id)
        self.go_to_topic(topics[(index + step) % len(topics)])

    def action_next_topic(self) -> None:
        self._step_topic(1)

    def action_previous_topic(self) -> None:
        self._step_topic(-1)

    # ------------------------------------------------------------------ commit and blockers

    def _blocker_topic(self, blocker: Blocker) -> TopicSpec | None:
        role = self.planner.role
        if blocker.topic:
            return role.topic(blocker.topic)
        if blocker.entry and (found := self.planner.session.find_entry(blocker.entry)):
            return role.topic(found[0].id)
        if blocker.section:
            return next((t for t in role.topics if t.section.lower() == blocker.section.lower()), None)
        return None

    def action_jump_blocker(self) -> None:
        self.changes.later(self._jump_blocker)  # reads the session: not while a change is saved

    def _jump_blocker(self) -> None:
        for blocker in self.blockers:
            spec = self._blocker_topic(blocker)
            if spec is not None:
                self.go_to_topic(spec, blocker.entry)
                self.notify(one_line(blocker.message, 300), title=f"Topic {spec.number}", markup=False)
                return
        self.notify("Nothing blocks the commit." if not self.blockers else one_line(self.blockers[0].message, 300), markup=False)

    def action_commit(self) -> None:
        # The commit is of every change made before it: the dialog opens once they are saved.
        self.changes.later(self._open_commit)

    def _open_commit(self) -> None:
        # Decided on the session as it is now, not on a render that may still be running.
        snapshot = render_snapshot(self.planner, self.planner.session, self._plan_seq)
        self.blockers = snapshot.blockers
        # An overwrite is approved inside the commit dialog, so it does not stop us here.
        blocking = [b for b in self.blockers if b.kind != "overwrite"]
        if blocking:
            lines = [f"• {one_line(b.message, 160)}" for b in blocking[:6]]
            if len(blocking) > 6:
                lines.append(f"… and {len(blocking) - 6} more (right pane)")
            spec = next((s for b in blocking if (s := self._blocker_topic(b)) is not None), None)
            if spec is not None:
                lines.append(f"Press b to go to topic {spec.number} ({one_line(spec.title, 40)}).")
            self.notify("\n".join(lines), title="Not ready to commit", severity="warning", markup=False, timeout=10)
            return
        try:
            from planner_tui.dialogs.commit import CommitDialog
        except ImportError:
            self.notify("The commit dialog is not available in this build.", severity="error", markup=False)
            return
        self.app.push_screen(CommitDialog(self.planner), self._committed)

    def _committed(self, outcome: object) -> None:
        if outcome is None:
            self.refresh_view(scroll_plan=False)
            return
        for note in getattr(outcome, "notes", []) or []:
            self.notify(str(note), markup=False)
        self.app.exit(getattr(outcome, "reply", None))

    # ------------------------------------------------------------------ views and focus

    def action_toggle_raw(self) -> None:
        self.plan_pane.toggle_raw()

    def action_find(self) -> None:
        self.artifact_pane.document.open_find()

    def action_preparation(self) -> None:
        self.app.show_preparation()  # type: ignore[attr-defined]

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            # The pane around the focus, not the focused widget: a maximized composer helps nobody.
            pane = next((n for n in self.focused.ancestors_with_self if isinstance(n, (ArtifactPane, DiscussionPane, PlanPane))), None)
            if pane is not None:
                self.maximize(pane, container=False)

    def action_focus_artifacts(self) -> None:
        self.artifact_pane.tree.focus()

    def action_focus_thread(self) -> None:
        self.thread.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()

    def action_focus_plan(self) -> None:
        pane = self.plan_pane
        (pane.query_one("#plan-raw") if pane.raw else pane.preview).focus()
