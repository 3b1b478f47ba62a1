"""Trust on the workbench: the not-saved and read-only banner, and what the start checks (recovery, crash, pending commit)."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError, SessionCorrupt
from planner_tui.core.models import Entry, Epic, Session
from planner_tui.core.project import Project
from planner_tui.core.storage.store import STATE_DIR
from planner_tui.core.text.display import one_line

if TYPE_CHECKING:
    from textual.app import App

__all__ = [
    "TrustBanner",
    "RecoveryDialog",
    "RECOVERY_BINDINGS",
    "open_planner",
    "apply_trust_state",
    "startup_checks",
    "mark_running",
    "clear_running",
    "previous_crashes",
    "session_diff",
]

RECOVERY_BINDINGS: list[Binding] = [
    Binding("escape", "choose('keep')", "Keep current", id="recovery.keep", tooltip="Keep the session as it is; nothing is deleted."),
    Binding("r", "choose('orphan')", "Recover", id="recovery.orphan", tooltip="Recover the session an interrupted save left behind."),
    Binding("b", "choose('backup')", "Restore backup", id="recovery.backup", tooltip="Restore the newest valid backup."),
]
"""Work while the recovery dialog is open."""


# ---------------------------------------------------------------------------------- opening


def open_planner(project: Project, epic: Epic, *, clock: Callable[[], datetime], author: str = "person") -> tuple[Planner, str | None]:
    """Open the epic's Planner; a corrupt session file gives a fresh one plus the store's sentence.

    The store has already moved the unreadable file aside (never overwritten), so the second
    open starts without it; the sentence names where it went and the newest valid backup, which
    the recovery dialog then offers. Any other refusal is raised as it is.
    """
    try:
        return Planner(project, epic, clock=clock, author=author), None
    except SessionCorrupt as exc:
        if getattr(exc, "moved_to", None) is None:
            raise  # left in place (locked, unwritable folder): opening again would fail the same way
        return Planner(project, epic, clock=clock, author=author), str(exc)


# ---------------------------------------------------------------------------------- banner


class TrustBanner(Static):
    """A persistent line: "Session NOT saved: …" until a save succeeds, or why the session is read-only."""

    DEFAULT_CSS = """
    TrustBanner { display: none; height: auto; padding: 0 1; background: $error; color: $text; text-style: bold; }
    TrustBanner.-shown { display: block; }
    TrustBanner.-read-only { background: $warning-darken-3; }
    """

    def show_state(self, planner: Planner) -> None:
        """Show the store's last save problem, else the read-only reason, else nothing."""
        store = planner.store
        problem = store.last_error
        read_only = planner.read_only
        key = (problem, read_only, store.read_only_reason)
        if key == getattr(self, "_key", None):
            return  # called on every redraw and poll: repaint only when something changed
        self._key = key
        if problem:
            text = Text(one_line(problem, 400))
            if "NOT saved" in problem:
                text.append("  What you typed stays in the composer; this stays until a change is saved.", style="not bold")
        elif read_only:
            text = Text("READ-ONLY: ")
            text.append(one_line(store.read_only_reason or "this session cannot be written.", 400), style="not bold")
        else:
            text = Text("")
        self.update(text)
        self.set_class(bool(problem or read_only), "-shown")
        self.set_class(bool(read_only and not problem), "-read-only")


def apply_trust_state(screen) -> None:
    """Refresh the banner and lock the composer of a read-only session (called on every redraw)."""
    planner: Planner = screen.planner
    for banner in screen.query(TrustBanner):
        banner.show_state(planner)
    composer = screen.composer
    if composer.disabled != planner.read_only:
        composer.disabled = planner.read_only
    marker = getattr(screen.app, "running_marker", False)
    if marker is None and not planner.read_only:
        # A new session's state folder only exists after the first save: mark the run then.
        screen.app.running_marker = mark_running(planner)


# ---------------------------------------------------------------------------------- crash marker


def _markers(planner: Planner) -> Path:
    return planner.project.root / STATE_DIR / "running"


def _prefix(planner: Planner) -> str:
    return f"{planner.epic.folder}.{planner.role.key}."


def mark_running(planner: Planner) -> Path | None:
    """Write `.planner-tui/running/<epic>.<role>.<pid>` (host inside); None when it cannot be written.

    Only once the state folder exists: making `.planner-tui/` here would stop the store from
    giving it its own `.gitignore`. Removed by `clear_running` at a clean exit, so a marker
    whose process is gone means that run ended unexpectedly.
    """
    state = planner.project.root / STATE_DIR
    if not state.is_dir():
        return None
    path = _markers(planner) / f"{_prefix(planner)}{os.getpid()}"
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"{socket.gethostname()}\n", encoding="utf-8")
    except OSError:
        return None  # a read-only project: the banner already says so, the marker is a nicety
    return path


def clear_running(path: Path | None) -> None:
    """Remove this run's marker (a clean exit)."""
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def previous_crashes(planner: Planner) -> list[int]:
    """Pids of earlier runs on this host whose marker is left while the process is gone.

    Their markers are removed (ours to keep, not the person's data): the next start does not
    report the same crash twice.
    """
    folder = _markers(planner)
    try:
        names = sorted(p for p in folder.iterdir() if p.name.startswith(_prefix(planner)))
    except OSError:
        return []
    host = socket.gethostname()
    found = []
    for path in names:
        try:
            pid = int(path.name[len(_prefix(planner)):])
            if path.read_text(encoding="utf-8").strip() != host or pid == os.getpid() or _alive(pid):
                continue
            path.unlink()
        except (ValueError, OSError):
            continue
        found.append(pid)
    return found


# ---------------------------------------------------------------------------------- recovery dialog


def _entries(session: Session | None) -> dict[str, Entry]:
    return {e.id: e for t in (session.topics if session else []) for e in t.entries}


def _describe(session: Session) -> str:
    count = len(_entries(session))
    return f"revision {session.revision}, saved {session.updated:%Y-%m-%d %H:%M:%S} UTC, {count} entr{'y' if count == 1 else 'ies'}"


def session_diff(current: Session | None, other: Session, limit: int = 6) -> Text:
    """What `other` has that `current` lacks (+), and the reverse (-), one entry per line, newest last."""
    ours, theirs = _entries(current), _entries(other)
    added = [e for eid, e in theirs.items() if eid not in ours or ours[eid].text != e.text]
    lost = [e for eid, e in ours.items() if eid not in theirs]
    out = Text()
    for sign, entries, style in (("+", added, "green"), ("-", lost, "red")):
        if len(entries) > limit:  # the newest ones matter most: the earlier are summed up
            out.append(f"\n  {sign} {len(entries) - limit} earlier entr{'y' if len(entries) - limit == 1 else 'ies'} …", style=style)
        for entry in entries[-limit:]:
            out.append(f"\n  {sign} {entry.kind}: {one_line(entry.text, 100)}", style=style)
    if not added and not lost:
        out.append("\n  (the same entries)", style="dim")
    return out


class RecoveryDialog(ModalScreen[str]):
    """vim's ATTENTION: say what was found at start and let the person choose; nothing is deleted.

    Dismisses with `orphan` (recover the interrupted save), `backup` (restore the newest valid
    backup) or `keep` (keep the session as it is, or start fresh when there is none).
    """

    BINDINGS = RECOVERY_BINDINGS

    DEFAULT_CSS = """
    RecoveryDialog { align: center middle; }
    RecoveryDialog #recovery { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $warning; background: $surface; padding: 0 1; }
    RecoveryDialog #recovery-title { text-style: bold; color: $warning; margin-bottom: 1; }
    RecoveryDialog #recovery-scroll { height: auto; max-height: 30; }
    RecoveryDialog #recovery-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    RecoveryDialog #recovery-buttons Button { margin-left: 2; }
    """

    def __init__(
        self,
        planner: Planner,
        *,
        corrupt: str | None = None,
        offer: tuple[Path, Session] | None = None,
        crashed: list[int] | None = None,
    ) -> None:
        super().__init__()
        self.planner = planner
        self.corrupt = corrupt
        self.offer = offer
        self.crashed = crashed or []
        self.backup = planner.store.newest_backup() if not planner.read_only else None

    def body(self) -> Text:
        """Everything the dialog says, as plain text (tests read it)."""
        store = self.planner.store
        current = store.session
        text = Text()
        if self.crashed:
            pids = ", ".join(str(p) for p in self.crashed)
            text.append(f"The previous session ended unexpectedly (pid {pids}); everything it saved is kept.\n\n")
        if self.corrupt:
            text.append("The session file could not be read.\n", style="bold")
            text.append(one_line(self.corrupt, 1000) + "\n\n")
        if self.offer is not None:
            path, session = self.offer
            text.append("An interrupted save left a newer session behind:\n", style="bold")
            text.append(f"  {one_line(path.name, 80)}: {_describe(session)}\n")
            text.append(f"  current: {_describe(current) if current else 'no session'}")
            text.append_text(session_diff(current, session))
            text.append("\n\n")
        if self.backup is not None:
            path, session = self.backup
            text.append(f"Newest valid backup: {one_line(path.name, 80)}: {_describe(session)}\n")
            if self.corrupt:
                text.append_text(session_diff(current, session))
                text.append("\n")
        text.append(
            "\nNothing has been deleted: an unreadable file is kept as .corrupt-<time>, and a session "
            "replaced by a recovery as .replaced-<time>, next to the session file.",
            style="dim",
        )
        return text

    def compose(self) -> ComposeResult:
        with Vertical(id="recovery"):
            yield Label(Text("ATTENTION: the session needs a decision"), id="recovery-title")
            with VerticalScroll(id="recovery-scroll"):
                yield Static(self.body(), id="recovery-body")
            with Horizontal(id="recovery-buttons"):
                if self.offer is not None:
                    yield Button(Text("Recover it (r)"), id="orphan", variant="primary")
                if self.backup is not None:
                    yield Button(Text("Restore backup (b)"), id="backup", variant="warning" if self.offer else "primary")
                keep = "Keep the current session" if self.planner.store.session is not None else "Start fresh"
                yield Button(Text(f"{keep} (escape)"), id="keep")

    def on_mount(self) -> None:
        self.query_one("#recovery-buttons Button", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters:
            choice = parameters[0]
            if choice == "orphan":
                return self.offer is not None
            if choice == "backup":
                return self.backup is not None
        return True

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "keep")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


# ---------------------------------------------------------------------------------- start


def _recover(app: "App", screen, planner: Planner, dialog: RecoveryDialog, choice: str | None) -> None:
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


def startup_checks(app: "App", screen, planner: Planner, corrupt: str | None = None) -> None:
    """Run once the workbench is shown: recovery dialog, crash notice, pending commit (in a worker)."""
    crashed = previous_crashes(planner)
    offers = planner.orphans()
    app.running_marker = None if planner.read_only else mark_running(planner)  # type: ignore[attr-defined]
    if corrupt or offers:
        dialog = RecoveryDialog(planner, corrupt=corrupt, offer=offers[0] if offers else None, crashed=crashed)
        app.push_screen(dialog, lambda choice: _recover(app, screen, planner, dialog, choice))
    elif crashed:
        session = planner.store.session
        kept = f"revision {session.revision}, {len(_entries(session))} entries" if session else "no entries were saved yet"
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
