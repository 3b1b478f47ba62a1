"""Keeping the workbench current while an agent or an editor changes files behind its back."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.message import Message

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Artifact, Blocker, Session
from planner_tui.core.text.display import one_line
from planner_tui.widgets.plan.pane import split_sections

__all__ = ["LiveUpdates", "PlanSnapshot", "render_snapshot"]

WATCH_QUIET_MS = 20
"""How long the files must stay quiet before a change is shown (ms)."""
WATCH_MAX_BATCH_MS = 150
"""During a longer burst of writes, the longest a change waits to be shown (ms)."""


@dataclass
class PlanSnapshot:
    """The plan rendered from one copy of the session, with what blocks its commit."""

    seq: int
    text: str | None
    """None when rendering failed (the error is the only blocker then)."""
    blockers: list[Blocker]
    parts: list[tuple[str, str]] | None


class _FrozenStore:
    """Stands in for the session store: the engine reads `.session` from it, nothing else."""

    def __init__(self, session: Session, read_only: bool) -> None:
        self.session = session
        self.read_only = read_only


def render_snapshot(planner: Planner, session: Session, seq: int) -> PlanSnapshot:
    """Render the plan and list its blockers from a private copy of the session (thread-safe).

    For a plan of a few hundred lines this costs a few hundred milliseconds (markdown parsing in
    the readiness checks), too much for the UI thread after every entry. The copy of the Planner
    shares everything but the session, so the engine's own rules decide what blocks.
    """
    view = copy.copy(planner)
    view.store = _FrozenStore(session, planner.read_only)  # type: ignore[assignment]
    try:
        text = view.render()
        found = view.blockers(plan_text=text)
        parts = split_sections(text)
    except PlannerError as exc:  # a broken template must not take the discussion down with it
        return PlanSnapshot(seq, None, [Blocker(kind="template", message=str(exc))], None)
    return PlanSnapshot(seq, text, found, parts)


class LiveUpdates:
    """Mixin for the workbench screen: list artifacts, poll the session, watch files (in workers).

    Workers only post messages; the handlers here (on the UI thread) change what is shown. The
    screen provides `planner`, `artifact_pane` and `refresh_view(scroll_plan=...)`.
    """

    @dataclass
    class ArtifactsListed(Message):
        """The artifact list was read (posted from a worker)."""

        artifacts: list[Artifact]

    @dataclass
    class PlanRendered(Message):
        """A plan worker finished (posted from its thread)."""

        snapshot: PlanSnapshot
        scroll: bool

    @dataclass
    class FilesChanged(Message):
        """The watcher saw these files change (posted from its thread, once per burst)."""

        paths: set[Path]

    def start_live(self, poll_interval: float, *, watch: bool, artifacts: list[Artifact] | None = None) -> None:
        """Show the artifacts (listed already, or by a worker), poll the session file, watch files.

        The watcher starts after the first frame: its import and setup are not part of what
        the person is waiting to see.
        """
        self._stop_watching = threading.Event()
        self.watch_ready = threading.Event()
        """Set once the file watcher listens (tests wait for it)."""
        if artifacts is None:
            self._list_artifacts()
        else:
            self.artifact_pane.show_artifacts(artifacts, read_first_now=True)  # type: ignore[attr-defined]
        self.set_interval(poll_interval, self._poll_session, name="session-poll")  # type: ignore[attr-defined]
        if watch:
            self.call_after_refresh(self._watch)  # type: ignore[attr-defined]

    # A description of its own: without one Textual repr()s the arguments on the UI thread, and
    # the repr of a session of 10,000 entries takes about 170 ms.
    @work(thread=True, exclusive=True, group="plan", description="render the plan")
    def _render_plan(self, session: Session, seq: int, scroll: bool) -> None:
        snapshot = render_snapshot(self.planner, session, seq)  # type: ignore[attr-defined]
        self.post_message(self.PlanRendered(snapshot, scroll))  # type: ignore[attr-defined]

    def on_unmount(self) -> None:
        stop = getattr(self, "_stop_watching", None)
        if stop is not None:
            stop.set()

    @work(thread=True, exclusive=True, group="artifact-list")
    def _list_artifacts(self) -> None:
        planner = self.planner  # type: ignore[attr-defined]
        self.post_message(self.ArtifactsListed(planner.project.artifacts(planner.epic)))  # type: ignore[attr-defined]

    def on_live_updates_artifacts_listed(self, message: ArtifactsListed) -> None:
        self.artifact_pane.show_artifacts(message.artifacts)  # type: ignore[attr-defined]

    def _poll_session(self) -> None:
        """The simple, sure way to see an agent's `planner-tui add`: look at the session file."""
        if self.changes.running:  # type: ignore[attr-defined]
            # A change is being saved in its thread (it merges what others wrote): the session
            # is not touched meanwhile, and the next poll looks again.
            return
        try:
            changed = self.planner.refresh()  # type: ignore[attr-defined]
        except PlannerError as exc:
            # Polled twice a second: say a lasting problem once, not on every poll.
            if str(exc) != getattr(self, "_poll_problem", None):
                self._poll_problem = str(exc)
                self.notify(str(exc), severity="warning", markup=False)  # type: ignore[attr-defined]
            return
        self._poll_problem = None
        if changed:
            self.refresh_view(scroll_plan=False)  # type: ignore[attr-defined]
        else:
            # An unreadable file on disk sets the store's last_error without changing the session.
            from planner_tui.screens.trust import apply_trust_state

            apply_trust_state(self)

    @work(thread=True, exclusive=True, group="watch")
    def _watch(self) -> None:
        try:
            from planner_tui.core.epic.watch import watch_paths
        except ImportError:
            return  # polling the session file still works
        planner = self.planner  # type: ignore[attr-defined]
        paths = [planner.project.root / planner.epic.path, planner.store.path]
        if planner.project.pack is not None:
            paths.append(planner.project.pack)
        app = self.app  # type: ignore[attr-defined]
        watch_paths(
            paths,
            self._stop_watching,
            lambda changed: self.post_message(self.FilesChanged(set(changed))),  # type: ignore[attr-defined]
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

    def on_live_updates_files_changed(self, message: FilesChanged) -> None:
        planner = self.planner  # type: ignore[attr-defined]
        session_file = planner.store.path
        if session_file in message.paths:
            self._poll_session()
        others = message.paths - {session_file}
        shown = self.artifact_pane.document.artifact  # type: ignore[attr-defined]
        for path in others:
            try:
                rel = path.relative_to(planner.project.root).as_posix()
            except ValueError:
                rel = path.as_posix()
            if shown is not None and shown.path.startswith(rel.rstrip("/") + "/"):
                # A folder was re-created or re-armed: the shown file inside it may have changed
                # without an event of its own.
                rel = shown.path
            self.artifact_pane.reload(rel)  # type: ignore[attr-defined]
        if others:
            self._list_artifacts()  # files may have appeared or gone
            self._check_epic_folder()
            pack = planner.project.pack
            rules_file = pack / "01-forbidden.md" if pack is not None else None
            if rules_file is not None and (rules_file in others or pack in others) and planner.project.reload_rules():
                self.refresh_view(scroll_plan=False)  # type: ignore[attr-defined]  # the rule checks follow the file

    def _check_epic_folder(self) -> None:
        """Say once when the epic folder is gone (moved, renamed, deleted), and again if it returns."""
        planner = self.planner  # type: ignore[attr-defined]
        folder = planner.project.root / planner.epic.path
        present = folder.is_dir()
        if present == getattr(self, "_epic_present", True):
            return
        self._epic_present = present
        if present:
            self.notify(f"The epic folder {one_line(planner.epic.path, 120)} is back; its files are shown again.", markup=False)  # type: ignore[attr-defined]
        else:
            self.notify(  # type: ignore[attr-defined]
                f"The epic folder {one_line(planner.epic.path, 120)} was moved or removed. The discussion is kept; "
                "its files come back when the folder does.",
                title="Epic moved or removed",
                severity="warning",
                markup=False,
                timeout=30,
            )
