"""The workbench screen: artifacts, the discussion and the plan, wired to one Planner."""

from __future__ import annotations

import threading

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from planner_tui.app import PlannerApp
from planner_tui.core.engine import Planner
from planner_tui.core.models import Blocker, TopicSpec
from planner_tui.core.plan.blocker_groups import blocking, count_line
from planner_tui.core.plan.last_view import keep_shown_plan, shown_plan
from planner_tui.core.text.display import one_line
from planner_tui.keymap import WORKBENCH_BINDINGS
from planner_tui.screens.workbench.changes import ChangeQueue
from planner_tui.screens.workbench.edits import Edits
from planner_tui.screens.workbench.fit import Fit
from planner_tui.screens.workbench.keys import say_unbound
from planner_tui.screens.workbench.live import LiveUpdates, PlanSnapshot, render_snapshot
from planner_tui.screens.workbench.marks import Marks
from planner_tui.screens.workbench.navigation import Navigation
from planner_tui.screens.workbench.tools import Tools
from planner_tui.screens.workbench.trust import apply_trust_state
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.artifacts.pane import ArtifactPane
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.discussion.pane import DiscussionPane
from planner_tui.widgets.discussion.thread import ThreadView
from planner_tui.widgets.footer import QuietFooter
from planner_tui.widgets.plan.blockers import BlockerList
from planner_tui.widgets.plan.pane import PlanPane
from planner_tui.widgets.trust_banner import TrustBanner

__all__ = ["WorkbenchScreen"]


class WorkbenchScreen(Screen[None]):
    """Everything about one role of one epic; every change goes through the Planner, saved in a thread, in order.

    The screen holds its parts as objects and writes each handler and action once, handing the
    work to the part it belongs to: `changes` (the save queue), `live` (workers that keep it
    current), `marks` (stale and contradicted entries), `navigation`, `edits` and `tools`.
    """

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
        self.plan_seq = 0
        """Counts plan renders asked for; a render or marks result of an older one is dropped."""
        self._plan_shown = -1
        # The render whose text is shown (a failed one keeps the older text); a view's render and the bytes it was of.
        self._text_seq, self._view_of = -1, (-1, None)
        self.plan_checking = False
        """True while the blockers shown are only those the session tells at once (the first view's)."""
        session = planner.session
        topics = planner.role.topics
        start = planner.role.topic(session.cursor_topic) if session.cursor_topic else None
        if start is None:
            start = next((t for t in topics if not (s := session.topic(t.id)) or not s.confirmed), topics[0] if topics else None)
        self.topic: TopicSpec | None = start
        self.changes = ChangeQueue(self, lambda: self.refresh_view(scroll_plan=False))
        """Every change to the session goes through it: saved in a thread, one at a time, in order."""
        self.live = LiveUpdates(self)
        self.marks = Marks(self)
        self.navigation = Navigation(self)
        self.edits = Edits(self)
        self.tools = Tools(self)
        self.fit = Fit(self)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The panes are the screen's own children (no row container: one covered by its children
        # still draws every line, cut at every pane edge: about 1,300 strips, 1.5 MB, unseen).
        with Vertical(id="head"):
            yield Static(id="top-bar")
            yield TrustBanner(id="trust-banner")
            yield Static(id="pane-tabs")
        yield Static(
            Text("The terminal is too small for the workbench: make the terminal larger.\nEverything is saved; ctrl+q quits.", justify="center"),
            id="too-small",
        )
        yield ArtifactPane(self.planner.project.read_artifact, markdown_limit=self.markdown_limit, id="artifacts")
        yield DiscussionPane(id="discussion")
        yield PlanPane(id="plan")
        yield QuietFooter(show_mode=True)

    @property
    def planner_app(self) -> PlannerApp:
        """The app, typed: the workbench only ever runs in a PlannerApp (made by `make_app`)."""
        app = self.app
        if not isinstance(app, PlannerApp):
            raise TypeError("The workbench screen runs in a PlannerApp.")
        return app

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

    @property
    def watch_ready(self) -> threading.Event:
        """Set once the file watcher listens (tests wait for it)."""
        return self.live.watch_ready

    def on_mount(self) -> None:
        # The first view is built here, before the first frame, from what a worker would have
        # produced: every piece that arrives later from a worker costs a full layout of about
        # seventy widgets, and the person would watch the panes fill one by one.
        self.fit.fit(self.app.size.width, self.app.size.height)
        self.refresh_view(first=True)
        self.live.start(self.poll_interval, watch=self.watch_files, artifacts=self.planner.project.artifacts(self.planner.epic))
        self.planner_app.freeze_startup_objects()
        self.tools.say_imported()
        self.call_after_refresh(self.planner_app.workbench_drawn, self)  # behind the checked render

    def on_resize(self, event: events.Resize) -> None:
        self.fit.fit(event.size.width, event.size.height)

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        # The pane a widget is in is shown before it gets the focus: no key lands in a hidden pane.
        if widget is not None:
            self.fit.reveal(widget)
        super().set_focus(widget, scroll_visible, from_app_focus)

    def on_unmount(self) -> None:
        self.live.stop()
        seq, raw = self._view_of  # the plan is kept for the next start's first frame if of the bytes saved
        if self._text_seq == seq == self.plan_seq and raw is self.planner.store.raw and self.changes.idle:
            keep_shown_plan(self.planner, self.plan_text)

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
        # A view the widgets may keep and read while the next change is saved (and the worker
        # renders from): unchanged entries are shared with the last copy, so this is cheap.
        view = planner.view()
        self._view_of = (self.plan_seq + 1, planner.store.raw)
        if self.topic is not None:
            self.discussion.show(planner.role.topics, view.session, self.topic)
            self.composer.topic_id = self.topic.id
        self.draw_top_bar()
        self.plan_seq += 1
        if first:
            # What the posted message would do, without waiting a frame, with the blockers the
            # session tells at once; the rule, citation, earlier-plan and git checks (and the
            # stale and contradiction marks after them) run in the worker once the frame is out,
            # the list saying meanwhile that it is still checking.
            self._show_plan(render_snapshot(view, self.plan_seq, first=True, kept=shown_plan(planner)), scroll_plan)
            self.call_after_refresh(self.live.render_plan, view, self.plan_seq, False)
            return
        self.live.render_plan(view, self.plan_seq, scroll_plan)

    @property
    def plan_current(self) -> bool:
        """True when the plan shown is rendered from the session as it is (its blockers may still be being checked)."""
        return self._plan_shown == self.plan_seq

    @property
    def plan_pending(self) -> bool:
        """True while the plan shown is older than the session or its blockers are still being checked."""
        return not self.plan_current or self.plan_checking

    def _show_plan(self, snapshot: PlanSnapshot, scroll: bool) -> None:
        if snapshot.seq != self.plan_seq:
            return  # a newer render is on its way
        self._plan_shown = snapshot.seq
        self.plan_checking = snapshot.checking
        self.blockers = snapshot.blockers
        if snapshot.text is not None:
            self.plan_text = snapshot.text
        self._text_seq = snapshot.seq if snapshot.text is not None else -1
        heading = self.topic.section if self.topic else None
        self.plan_pane.show(self.plan_text, self.blockers, heading, scroll=scroll, parts=snapshot.parts, checking=snapshot.checking)
        if snapshot.marks is not None:  # what its checks found stale or contradicted
            self.marks.show(snapshot.marks)

    def draw_top_bar(self) -> None:
        """The bar above the panes: role, epic, plan path, and whether the session is saved."""
        planner = self.planner
        # What matters most first: a narrow terminal cuts the end, with an ellipsis.
        bar = Text(no_wrap=True, overflow="ellipsis", end="")
        bar.append(f" {one_line(planner.role.name, 30)} plan ", style="bold reverse")
        bar.append(f"  {one_line(planner.epic.folder, 50)}", style="bold")
        bar.append(f"  → {one_line(planner.plan_path, 90)}", style="dim")
        if planner.read_only:
            bar.append("   READ-ONLY", style="bold red")
        if planner.store.session is None:
            bar.append("   new session (saved on the first entry)", style="dim italic")
        else:
            bar.append(f"   saved · rev {planner.session.revision}", style="dim")
        if self.planner_app.project_note:
            bar.append(f"   {one_line(self.planner_app.project_note, 120)}", style="dim")
        bar.append(f"   {one_line(planner.epic.title, 70)}")
        self.query_one("#top-bar", Static).update(bar)
        apply_trust_state(self)  # "Session NOT saved" / read-only banner, composer locked when read-only

    # ------------------------------------------------------------------ messages from workers

    def on_live_updates_plan_rendered(self, message: LiveUpdates.PlanRendered) -> None:
        self._show_plan(message.snapshot, message.scroll)
        self.live.settle()

    def on_plan_preview_rendered(self) -> None:
        self.live.settle()  # the plan's lines are all drawn (a large plan's, in a worker)

    def on_live_updates_artifacts_listed(self, message: LiveUpdates.ArtifactsListed) -> None:
        self.live.show_artifacts(message)

    def on_live_updates_files_changed(self, message: LiveUpdates.FilesChanged) -> None:
        self.live.files_changed(message)
        # A cited file may have changed: check the entries again (the plan and blockers too).
        if message.paths - {self.planner.store.path}:
            self.refresh_view(scroll_plan=False)

    def on_tools_role_opened(self, message: Tools.RoleOpened) -> None:
        message.stop()
        self.tools.role_opened(message)

    # ------------------------------------------------------------------ messages from the panes

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        # Defined on the screen itself: benchmarks/ui_child.py times it by replacing it here.
        message.stop()
        self.edits.submit(message)

    def on_composer_left(self, message: Composer.Left) -> None:
        message.stop()
        self.thread.focus()

    def on_thread_view_entry_action(self, message: ThreadView.EntryAction) -> None:
        message.stop()
        if message.action == "edit":
            self.composer.begin_edit()  # now: keys typed before the text is loaded are kept
        # Looked up once the changes before it are saved (the session is not read during a save).
        self.changes.later(lambda: self.edits.entry_action(message.action, message.entry_id))

    def on_key(self, event: events.Key) -> None:
        # Reached only by keys no binding and no focused widget took.
        say_unbound(self, event)

    def on_blocker_list_chosen(self, message: BlockerList.Chosen) -> None:
        message.stop()
        self.changes.later(lambda: self.navigation.go_to_blocker(message.blocker))  # reads the session

    def on_document_view_cite_requested(self, message: DocumentView.CiteRequested) -> None:
        message.stop()
        self.tools.cite(message)

    # ------------------------------------------------------------------ actions: the discussion

    def action_toggle_confirm(self) -> None:
        self.edits.toggle_confirm()

    def action_next_topic(self) -> None:
        self.navigation.step_topic(1)

    def action_previous_topic(self) -> None:
        self.navigation.step_topic(-1)

    def action_jump_blocker(self) -> None:
        self.changes.later(self.navigation.jump_blocker)  # reads the session: not while a change is saved

    def action_batch_answer(self) -> None:
        self.changes.later(self.tools.open_batch)  # on the session as saved

    # ------------------------------------------------------------------ actions: commit, tools

    def action_commit(self) -> None:
        # The commit is of every change made before it: the dialog opens once they are saved.
        self.changes.later(self._open_commit)

    def _open_commit(self) -> None:
        # Decided on the session as it is now, not on a render that may still be running.
        snapshot = render_snapshot(self.planner.view(), self.plan_seq)
        self.blockers = snapshot.blockers
        # An overwrite is approved inside the commit dialog, so it does not stop us here.
        if blocking(self.blockers):
            # The list on the right holds every blocker, grouped; the focus goes there.
            self._show_plan(snapshot, scroll=False)
            if self.maximized is not None:
                self.minimize()
            self.plan_pane.blocker_list.focus_list()
            self.notify(
                f"{count_line(self.blockers)}: they are listed on the right; enter on one goes there.",
                title="Not ready to commit",
                severity="warning",
                markup=False,
            )
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

    def action_search(self) -> None:
        self.changes.later(self.tools.open_search)  # it copies the session

    def action_switch_role(self) -> None:
        self.tools.switch_role()

    def action_export_log(self) -> None:
        # The log is of every change made before it: copied once they are saved.
        self.changes.later(self.tools.export_log)

    def action_preparation(self) -> None:
        self.planner_app.show_preparation()

    # ------------------------------------------------------------------ actions: views and focus

    def action_toggle_raw(self) -> None:
        self.plan_pane.toggle_raw()

    def action_find(self) -> None:
        self.artifact_pane.document.open_find()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            # The pane around the focus, not the focused widget: a maximized composer helps nobody.
            pane = next((n for n in self.focused.ancestors_with_self if isinstance(n, (ArtifactPane, DiscussionPane, PlanPane))), None)
            if pane is not None:
                self.maximize(pane, container=False)

    def action_next_pane(self) -> None:
        self.fit.next_pane()

    def action_focus_artifacts(self) -> None:
        self.artifact_pane.tree.focus()

    def action_focus_thread(self) -> None:
        self.thread.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()

    def action_focus_plan(self) -> None:
        pane = self.plan_pane
        (pane.raw_area if pane.raw else pane.preview).focus()
