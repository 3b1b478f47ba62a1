"""Trust at the workbench's start and on every redraw: opening a damaged session, recovery, crashes, a pending commit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError, SessionCorrupt
from planner_tui.core.models import Epic
from planner_tui.core.project import Project
from planner_tui.core.storage.crash import mark_running, previous_crashes
from planner_tui.core.text.display import one_line
from planner_tui.widgets.trust_banner import TrustBanner

if TYPE_CHECKING:
    from planner_tui.app import PlannerApp
    from planner_tui.dialogs.recovery import RecoveryDialog
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["open_planner", "apply_trust_state", "startup_checks"]


def open_planner(project: Project, epic: Epic, *, clock: Callable[[], datetime], author: str = "person") -> tuple[Planner, str | None]:
    """Open the epic's Planner; a corrupt session file gives a fresh one plus the store's sentence.

    The store has already moved the unreadable file aside (never overwritten), so the second
    open starts without it; the sentence names where it went and the newest valid backup, which
    the recovery dialog then offers. Any other refusal is raised as it is.
    """
    try:
        return Planner(project, epic, clock=clock, author=author), None
    except SessionCorrupt as exc:
        if exc.moved_to is None:
            raise  # left in place (locked, unwritable folder): opening again would fail the same way
        return Planner(project, epic, clock=clock, author=author), str(exc)


def _mark_running(planner: Planner) -> Path | None:
    return mark_running(planner.project.root, planner.epic.folder, planner.role.key)


def apply_trust_state(screen: WorkbenchScreen) -> None:
    """Refresh the banner and lock the composer of a read-only session (called on every redraw)."""
    planner = screen.planner
    for banner in screen.query(TrustBanner):
        banner.show_state(planner)
    composer = screen.composer
    if composer.disabled != planner.read_only:
        composer.disabled = planner.read_only
    app = screen.planner_app
    if app.running_marker is None and not planner.read_only:
        # A new session's state folder only exists after the first save: mark the run then.
        app.running_marker = _mark_running(planner)


def _recover(app: PlannerApp, screen: WorkbenchScreen, planner: Planner, dialog: RecoveryDialog, choice: str | None) -> None:
    """Carry out the choice made in the recovery dialog (the store keeps what it replaces)."""
    try:
        if choice == "orphan" and dialog.offer is not None:
            planner.store.adopt(dialog.offer[1])
            app.notify(f"Recovered {one_line(dialog.offer[0].name, 80)}; the session it replaced was kept.", markup=False)
        elif choice == "backup" and dialog.backup is not None:
            planner.store.restore_backup()
            app.notify(f"Restored {one_line(dialog.backup[0].name, 80)}; the session it replaced was kept.", markup=False)
    except PlannerError as exc:
        app.notify(str(exc), title="Not recovered", severity="error", markup=False, timeout=15)
    if screen.is_attached:
        screen.refresh_view()


def startup_checks(app: PlannerApp, screen: WorkbenchScreen, planner: Planner, corrupt: str | None = None) -> None:
    """Run once the workbench is shown: recovery dialog, crash notice, pending commit (in a worker)."""
    crashed = previous_crashes(planner.project.root, planner.epic.folder, planner.role.key)
    offers = planner.orphans()
    app.running_marker = None if planner.read_only else _mark_running(planner)
    if corrupt or offers:
        # Imported only when there is something to recover (its widgets cost 0.5 MB for nothing else).
        from planner_tui.dialogs.recovery import RecoveryDialog

        dialog = RecoveryDialog(planner, corrupt=corrupt, offer=offers[0] if offers else None, crashed=crashed)
        app.push_screen(dialog, lambda choice: _recover(app, screen, planner, dialog, choice))
    elif crashed:
        session = planner.store.session
        kept = f"revision {session.revision}, {sum(len(t.entries) for t in session.topics)} entries" if session else "no entries were saved yet"
        app.notify(
            f"The previous session ended unexpectedly (pid {', '.join(map(str, crashed))}); everything it saved is here ({kept}).",
            title="Recovered",
            severity="warning",
            markup=False,
            timeout=20,
        )

    def pending() -> None:
        # Renders the plan and asks git: off the UI thread.
        try:
            waiting = planner.pending_commit()
        except Exception:  # noqa: BLE001 - a hint at start must never take the app down
            return
        if waiting:
            app.call_from_thread(
                app.notify,
                f"Commit pending {planner.role.name} plan: {one_line(planner.plan_path, 120)} was written but not committed. Press ctrl+s to commit it.",
                title="Not committed yet",
                severity="warning",
                markup=False,
                timeout=30,
            )

    screen.run_worker(pending, thread=True, exclusive=True, group="pending-commit")
