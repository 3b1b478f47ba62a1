"""Keeping the workbench current while an agent or an editor changes files behind its back."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NamedTuple, TYPE_CHECKING

from textual.message import Message

from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Artifact, Blocker
from planner_tui.core.text.display import one_line
from planner_tui.core.view import PlannerView
from planner_tui.screens.workbench.marks import EntryMarks, entry_marks
from planner_tui.screens.workbench.trust import apply_trust_state
from planner_tui.widgets.plan.pane import split_sections

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["LiveUpdates", "PlanSnapshot", "render_snapshot", "WATCH_QUIET_MS", "WATCH_MAX_BATCH_MS"]

WATCH_QUIET_MS = 20
"""How long the files must stay quiet before a change is shown (ms)."""
WATCH_MAX_BATCH_MS = 150
"""During a longer burst of writes, the longest a change waits to be shown (ms)."""


class PlanSnapshot(NamedTuple):
    """The plan rendered from one copy of the session, with what blocks its commit."""

    seq: int
    text: str | None
    """None when rendering failed (the error is the only blocker then)."""
    blockers: list[Blocker]
    parts: list[tuple[str, str]] | None
    checking: bool = False
    """True when only the first blockers are known (`PlannerView.first_blockers`); the rest is being checked."""
    marks: EntryMarks | None = None
    """What the checks found stale or contradicted (None while checking, or when rendering failed)."""


def render_snapshot(view: PlannerView, seq: int, *, first: bool = False, kept: str | None = None) -> PlanSnapshot:
    """Render the plan and list its blockers from a read-only view of the session (thread-safe).

    For a plan of a few hundred lines this costs a few hundred milliseconds (markdown parsing in
    the readiness checks), too much for the UI thread after every entry. The view reads with the
    engine's own rules, so what blocks here is what blocks the commit. `first` lists only the
    blockers the session and plan text tell at once (the first frame's; see `first_blockers`),
    from `kept` (the plan as last shown, when it was rendered from everything as it is now:
    `last_view.shown_plan`) when given, so jinja2 is loaded after the first frame.
    """
    try:
        if first and kept is not None:
            return PlanSnapshot(seq, kept, view.first_blockers(kept), split_sections(kept), checking=True)
        placed = view.placed()  # once: the render, the checks and the marks share it (40 ms for 10,000 entries)
        text = view.render(placed=placed)
        parts = split_sections(text)
        if first:
            return PlanSnapshot(seq, text, view.first_blockers(text), parts, checking=True)
        checked = view.checks(plan_text=text, placed=placed)
    except PlannerError as exc:  # a broken template must not take the discussion down with it
        return PlanSnapshot(seq, None, [Blocker(kind="template", message=str(exc))], None)
    marks = entry_marks(view, checked.stale, checked.contradictions, placed)
    return PlanSnapshot(seq, text, checked.blockers, parts, marks=marks)


class LiveUpdates:
    """The workbench's live part: list artifacts, render the plan, poll the session, watch files.

    Its workers run on the screen and only post messages; the screen's handlers call back in
    here (on the UI thread) to change what is shown.
    """

    class ArtifactsListed(Message):
        """The artifact list was read (posted from a worker)."""

        def __init__(self, artifacts: list[Artifact]) -> None:
            super().__init__()
            self.artifacts = artifacts

    class PlanRendered(Message):
        """A plan worker finished (posted from its thread)."""

        def __init__(self, snapshot: PlanSnapshot, scroll: bool) -> None:
            super().__init__()
            self.snapshot, self.scroll = snapshot, scroll

    class FilesChanged(Message):
        """The watcher saw these files change (posted from its thread, once per burst)."""

        def __init__(self, paths: set[Path]) -> None:
            super().__init__()
            self.paths = paths

    def __init__(self, screen: WorkbenchScreen) -> None:
        self.screen = screen
        self.stop_watching = threading.Event()
        self.watch_ready = threading.Event()
        """Set once the file watcher listens (tests wait for it)."""
        self._poll_problem: str | None = None
        self._settled = (False, False)  # the first plan: shown checked, all its lines drawn
        self._epic_present = True

    def start(self, poll_interval: float, *, watch: bool, artifacts: list[Artifact] | None = None) -> None:
        """Show the artifacts (listed already, or by a worker), poll the session file, watch files.

        The watcher starts after the first frame: its import and setup are not part of what
        the person is waiting to see.
        """
        screen = self.screen
        if artifacts is None:
            self.list_artifacts()
        else:
            screen.artifact_pane.show_artifacts(artifacts, read_first_now=True)
        screen.set_interval(poll_interval, self.poll_session, name="session-poll")
        # The first save would otherwise serialise every entry (about 100 ms of a 10,000-entry
        # session, holding the GIL): done once the frame is out, before the person has typed.
        screen.call_after_refresh(self._warm_saving)
        if watch:
            screen.call_after_refresh(self._start_watching)

    def stop(self) -> None:
        self.stop_watching.set()

    def settle(self) -> None:
        """Each time a part of the first plan is finished (shown checked, then all its lines
        drawn), what it built is kept for as long as the session is open: it is left out of the
        collector's walks from then on (a full collection before the lines were drawn still
        walked what the checks had built, 50 ms on a session of 10,000 entries)."""
        screen = self.screen
        checked = screen.plan_current and not screen.plan_checking
        done = (checked, checked and not screen.plan_pane.preview.pending)
        if done > self._settled:
            self._settled = done
            screen.planner_app.freeze_settled()

    # ------------------------------------------------------------------ workers

    def render_plan(self, view: PlannerView, seq: int, scroll: bool) -> None:
        """Render the plan from the view in a worker; its PlanRendered comes back to the screen."""

        def render() -> None:
            self.screen.post_message(self.PlanRendered(render_snapshot(view, seq), scroll))

        # A description of its own: Textual would otherwise repr() what the worker runs on the
        # UI thread, and the repr of a session of 10,000 entries takes about 170 ms.
        self.screen.run_worker(render, name="render_plan", thread=True, exclusive=True, group="plan", description="render the plan")

    def list_artifacts(self) -> None:
        """Read the epic's artifact list in a worker (files may have appeared or gone)."""
        planner = self.screen.planner

        def listing() -> None:
            self.screen.post_message(self.ArtifactsListed(planner.project.artifacts(planner.epic)))

        self.screen.run_worker(listing, name="list_artifacts", thread=True, exclusive=True, group="artifact-list")

    def _warm_saving(self) -> None:
        store = self.screen.planner.store
        self.screen.run_worker(store.warm, name="warm_saving", thread=True, exclusive=True, group="warm", description="warm the first save")

    def _start_watching(self) -> None:
        self.screen.run_worker(self._watch, name="watch", thread=True, exclusive=True, group="watch")

    def _watch(self) -> None:
        try:
            from planner_tui.core.epic.watch import watch_paths
        except ImportError:
            return  # polling the session file still works
        screen = self.screen
        planner = screen.planner
        paths = [planner.project.root / planner.epic.path, planner.store.path]
        if planner.project.pack is not None:
            paths.append(planner.project.pack)
        app = screen.app
        watch_paths(
            paths,
            self.stop_watching,
            lambda changed: screen.post_message(self.FilesChanged(set(changed))),
            # The OS watcher failed: say so (it polls instead, so changes still arrive, a little later).
            on_error=lambda text: app.notify(
                f"Live reload disabled: {text}", title="File watching", severity="warning", markup=False, timeout=30
            ),
            on_ready=self.watch_ready.set,
            # A change is shown within about a frame of the watcher's own latency, and a
            # continuous burst (an agent writing) still refreshes several times a second.
            debounce_ms=WATCH_QUIET_MS,
            max_batch_ms=WATCH_MAX_BATCH_MS,
        )

    # ------------------------------------------------------------------ on the UI thread

    def show_artifacts(self, message: ArtifactsListed) -> None:
        self.screen.artifact_pane.show_artifacts(message.artifacts)

    def poll_session(self) -> None:
        """The simple, sure way to see an agent's `planner-tui add`: look at the session file."""
        screen = self.screen
        if screen.changes.running:
            # A change is being saved in its thread (it merges what others wrote): the session
            # is not touched meanwhile, and the next poll looks again.
            return
        try:
            changed = screen.planner.refresh()
        except PlannerError as exc:
            # Polled twice a second: say a lasting problem once, not on every poll.
            if str(exc) != self._poll_problem:
                self._poll_problem = str(exc)
                screen.notify(str(exc), severity="warning", markup=False)
            return
        self._poll_problem = None
        if changed:
            screen.refresh_view(scroll_plan=False)
        else:
            # An unreadable file on disk sets the store's last_error without changing the session.
            apply_trust_state(screen)

    def files_changed(self, message: FilesChanged) -> None:
        """Show what the watcher saw: the session, the artifacts shown and listed, the rules."""
        screen = self.screen
        planner = screen.planner
        session_file = planner.store.path
        if session_file in message.paths:
            self.poll_session()
        others = message.paths - {session_file}
        pane = screen.artifact_pane
        shown = pane.document.artifact
        for path in others:
            try:
                rel = path.relative_to(planner.project.root).as_posix()
            except ValueError:
                rel = path.as_posix()
            if shown is not None and shown.path.startswith(rel.rstrip("/") + "/"):
                # A folder was re-created or re-armed: the shown file inside it may have changed
                # without an event of its own.
                rel = shown.path
            pane.reload(rel)
        if others:
            self.list_artifacts()  # files may have appeared or gone
            self._check_epic_folder()
            pack = planner.project.pack
            rules_file = pack / "01-forbidden.md" if pack is not None else None
            if rules_file is not None and (rules_file in others or pack in others) and planner.project.reload_rules():
                screen.refresh_view(scroll_plan=False)  # the rule checks follow the file

    def _check_epic_folder(self) -> None:
        """Say once when the epic folder is gone (moved, renamed, deleted), and again if it returns."""
        screen = self.screen
        epic_path = screen.planner.epic.path
        present = (screen.planner.project.root / epic_path).is_dir()
        if present == self._epic_present:
            return
        self._epic_present = present
        if present:
            screen.notify(f"The epic folder {one_line(epic_path, 120)} is back; its files are shown again.", markup=False)
        else:
            screen.notify(
                f"The epic folder {one_line(epic_path, 120)} was moved or removed. The discussion is kept; "
                "its files come back when the folder does.",
                title="Epic moved or removed",
                severity="warning",
                markup=False,
                timeout=30,
            )
