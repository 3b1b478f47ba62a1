"""The recovery dialog: what the start found (an interrupted save, a corrupt file, a crash) and the person's choice."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from planner_tui.core.engine import Planner
from planner_tui.core.models import Entry, Session
from planner_tui.core.text.display import one_line
from planner_tui.widgets.footer import QuietFooter

__all__ = ["RecoveryDialog", "RECOVERY_BINDINGS", "session_diff", "session_entries"]

RECOVERY_BINDINGS: list[Binding] = [
    Binding("escape", "choose('keep')", "Keep current", id="recovery.keep", tooltip="Keep the session as it is; nothing is deleted."),
    Binding("r", "choose('orphan')", "Recover", id="recovery.orphan", tooltip="Recover the session an interrupted save left behind."),
    Binding("b", "choose('backup')", "Restore backup", id="recovery.backup", tooltip="Restore the newest valid backup."),
]
"""Work while the recovery dialog is open."""


def session_entries(session: Session | None) -> dict[str, Entry]:
    """Every entry of the session by id (none for no session)."""
    return {e.id: e for t in (session.topics if session else []) for e in t.entries}


def _describe(session: Session) -> str:
    count = len(session_entries(session))
    return f"revision {session.revision}, saved {session.updated:%Y-%m-%d %H:%M:%S} UTC, {count} entr{'y' if count == 1 else 'ies'}"


def session_diff(current: Session | None, other: Session, limit: int = 6) -> Text:
    """What `other` has that `current` lacks (+), and the reverse (-), one entry per line, newest last."""
    ours, theirs = session_entries(current), session_entries(other)
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
        yield QuietFooter()  # this dialog's own keys, not the workbench's

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
