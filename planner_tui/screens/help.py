"""The F1 help screen, built from the live bindings (with the user's keymap applied)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from planner_tui.keymap import HELP_BINDINGS
from planner_tui.widgets.footer import QuietFooter

__all__ = ["HelpScreen", "HelpRow", "HelpGroup", "collect_bindings"]


@dataclass
class HelpRow:
    """One binding: every key that triggers it, what it does, its id for the keymap."""

    keys: list[str]
    description: str
    binding_id: str
    active: bool
    tooltip: str = ""


@dataclass
class HelpGroup:
    title: str
    rows: list[HelpRow] = field(default_factory=list)


def _title(node: DOMNode) -> str:
    from planner_tui.widgets.discussion.composer import Composer
    from planner_tui.widgets.artifacts.document import DocumentView
    from planner_tui.widgets.artifacts.find_bar import FindBar
    from planner_tui.widgets.discussion.thread import ThreadView

    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, ThreadView):
        return "Thread (on the selected entry)"
    if isinstance(node, Composer):
        return "Composer (while writing)"
    if isinstance(node, FindBar):
        return "Find box"
    if isinstance(node, DocumentView):
        return "Document viewer (left pane, below the list)"
    if isinstance(node, Screen):
        return "Workbench (printable keys only when not typing)"
    return type(node).__name__


def collect_bindings(screen: Screen) -> list[HelpGroup]:
    """Every binding with an id on the app, the screen and its widgets, as the keymap left them.

    Bindings are read from the live binding maps (not from a table), so a remapped key shows up
    as remapped; `active` says whether the binding answers a key press right now (focus matters).
    """
    app = screen.app
    keymap = getattr(app, "keymap", None) or getattr(app, "_keymap", {})
    active_now = {(ab.binding.id, key) for key, ab in screen.active_bindings.items() if ab.binding.id}
    nodes: list[DOMNode] = [app, screen, *screen.walk_children()]
    groups: dict[str, HelpGroup] = {}
    seen: set[tuple[str, str]] = set()
    for node in nodes:
        bindings = node._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        rows: dict[str, HelpRow] = {}
        for key, binding in bindings:
            if not binding.id or binding.system or not binding.description:
                continue
            title = _title(node)
            if (title, binding.id) in seen and binding.id not in rows:
                continue  # the same widget class twice (two TextAreas): list it once
            row = rows.setdefault(binding.id, HelpRow([], binding.description, binding.id, False, binding.tooltip))
            display = app.get_key_display(Binding(key, binding.action))
            if display not in row.keys:
                row.keys.append(display)
            row.active = row.active or (binding.id, key) in active_now
        if rows:
            title = _title(node)
            group = groups.setdefault(title, HelpGroup(title))
            for row in rows.values():
                if (title, row.binding_id) not in seen:
                    seen.add((title, row.binding_id))
                    group.rows.append(row)
    order = ["Everywhere", "Workbench", "Composer", "Thread", "Document viewer", "Find box"]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(groups.values(), key=lambda g: rank.get(g.title.split(" (")[0], len(order)))


def _table(group: HelpGroup) -> Table:
    table = Table(title=Text(group.title, style="bold"), title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("Keys", style="bold cyan", no_wrap=True, ratio=2)
    table.add_column("Does", ratio=5)
    table.add_column("Keymap id", style="dim", no_wrap=True, ratio=2)
    for row in group.rows:
        does = Text(row.description)
        if row.tooltip:
            does.append(f" — {row.tooltip}", style="dim")
        marker = "● " if row.active else "  "
        table.add_row(Text(marker + ", ".join(row.keys)), does, row.binding_id, style="" if row.active else "dim")
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen it was opened from; ● marks keys that work with the current focus."""

    BINDINGS = HELP_BINDINGS

    def __init__(self, groups: list[HelpGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape closes · remap any id in ~/.config/planner-tui/config.toml [keymap]"
            for group in self.groups:
                yield Static(_table(group), classes="help-group")
        yield QuietFooter()  # this dialog's own keys, not the workbench's

    def action_close(self) -> None:
        self.dismiss(None)
