"""The role picker: every role of the prompt pack for this epic, how far it got, and which one is open."""

from __future__ import annotations


from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from planner_tui.core.models import Epic
from planner_tui.core.project import Project
from planner_tui.core.text.display import one_line
from planner_tui.keymap import ROLE_PICKER_BINDINGS
from planner_tui.widgets.footer import QuietFooter

__all__ = ["RolePicker", "role_row", "STATE_MARK"]

STATE_MARK = {
    "committed": ("✓", "green"),
    "written": ("✎", "yellow"),
    "in discussion": ("…", "cyan"),
    "not started": ("·", "dim"),
}
"""How each state of `Project.roles_status` is marked, here and in the preparation view."""


def role_row(key: str, name: str, state: str, *, current: bool) -> Text:
    """One role as a line: mark, key, name, state, and `← open now` for the current one."""
    mark, style = STATE_MARK.get(state, ("?", ""))
    out = Text()
    out.append(f"{mark} ", style=f"bold {style}")
    out.append(f"{one_line(key, 30):<16}", style="bold" if current else "")
    out.append(f"{one_line(name, 40):<22}")
    out.append(state, style=style)
    if current:
        out.append("   ← open now", style="bold")
    return out


class RolePicker(ModalScreen[str | None]):
    """Lists the roles (read in a worker); dismisses with the chosen role key, or None."""

    BINDINGS = ROLE_PICKER_BINDINGS

    DEFAULT_CSS = """
    RolePicker { align: center middle; }
    RolePicker #role-box {
        width: 80; max-width: 95%; height: auto; max-height: 80%; overflow-y: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    RolePicker #role-note { margin-bottom: 1; }
    RolePicker #role-list { height: auto; max-height: 20; border: none; padding: 0; }
    """

    class Listed(Message):
        """The roles' states were read (posted from the worker)."""

        def __init__(self, roles: list[tuple[str, str, str]], error: str | None = None) -> None:
            super().__init__()
            self.roles, self.error = roles, error

    def __init__(self, project: Project, epic: Epic, current: str) -> None:
        super().__init__()
        self.project = project
        self.epic = epic
        self.current = current
        self.roles: list[tuple[str, str, str]] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="role-box") as box:
            box.border_title = Text(f"Roles of {one_line(self.epic.folder, 60)}")
            box.border_subtitle = "enter: plan this role · escape: stay"
            yield Static(Text("Each role has its own discussion and its own plan file.", style="dim"), id="role-note")
            yield OptionList(Option(Text("Reading the roles…", style="dim"), disabled=True), id="role-list")
        yield QuietFooter()  # this dialog's own keys, not the workbench's

    def on_mount(self) -> None:
        self.query_one("#role-list", OptionList).focus()
        self._list()

    @work(thread=True, exclusive=True, group="roles")
    def _list(self) -> None:
        """roles_status asks git about every role's plan: off the UI thread."""
        try:
            roles = self.project.roles_status(self.epic)
        except Exception as exc:  # noqa: BLE001 - the picker must open and say what failed
            self.post_message(self.Listed([], f"The roles could not be listed: {exc}"))
            return
        self.post_message(self.Listed(roles))

    def on_role_picker_listed(self, message: Listed) -> None:
        message.stop()
        self.roles = message.roles
        listing = self.query_one("#role-list", OptionList)
        if message.error or not message.roles:
            text = message.error or "The prompt pack names no roles."
            listing.set_options([Option(Text(one_line(text, 200), style="red"), disabled=True)])
        else:
            listing.set_options([Option(role_row(k, n, s, current=k == self.current), id=k) for k, n, s in message.roles])
            keys = [k for k, _, _ in message.roles]
            listing.highlighted = keys.index(self.current) if self.current in keys else 0
        self.loaded = True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
