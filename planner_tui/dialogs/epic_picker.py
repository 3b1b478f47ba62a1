"""The epic picker: choose which epic folder to plan, with the role plans each one already has."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from planner_tui.core.models import Epic
from planner_tui.core.text.display import one_line, shown_name

__all__ = ["EpicPicker", "EPIC_PICKER_BINDINGS", "epic_order", "epic_label"]

EPIC_PICKER_BINDINGS: list[Binding] = [
    Binding("enter", "choose", "Choose", id="epic_picker.choose", tooltip="Plan the highlighted epic."),
    Binding("escape", "cancel", "Cancel", id="epic_picker.cancel", tooltip="Close without choosing."),
]
"""Work while the epic picker is open."""


def epic_order(epics: list[Epic]) -> list[Epic]:
    """Newest first (the folder changed last), then by id and folder name for equal times."""
    return sorted(epics, key=lambda e: (-e.mtime, e.id if e.id is not None else 1 << 30, e.folder))


def _role_names(epic: Epic) -> str:
    # `01-devops` reads better as `devops`; the numbers only order them.
    names = [r.split("-", 1)[1] if "-" in r and r.split("-", 1)[0].isdigit() else r for r in epic.roles]
    return ", ".join(one_line(n, 40) for n in names)


def epic_label(epic: Epic, folder_width: int = 0, title_width: int = 0) -> Text:
    """One row of the list: id, folder, title and the role plans present (all literal text)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{epic.id if epic.id is not None else '-':>4}  ", style="dim")
    text.append(one_line(shown_name(epic.folder), 60).ljust(folder_width), style="bold")  # invisible characters show
    text.append("  ")
    text.append(one_line(epic.title, 60).ljust(title_width))
    text.append("  ")
    if epic.roles:
        text.append(f"plans: {_role_names(epic)}", style="green")
    else:
        text.append("no role plans yet", style="dim")
    return text


class EpicPicker(ModalScreen["Epic | None"]):
    """Pick one epic; dismisses with the chosen Epic, or None on escape."""

    BINDINGS = EPIC_PICKER_BINDINGS

    DEFAULT_CSS = """
    EpicPicker { align: center middle; }
    EpicPicker #picker {
        width: 90%; max-width: 140; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    EpicPicker #heading { text-style: bold; margin-bottom: 1; }
    EpicPicker #hint { color: $text-muted; }
    EpicPicker OptionList { height: auto; max-height: 30; }
    EpicPicker #empty { color: $warning; }
    """

    def __init__(
        self,
        epics: list[Epic],
        *,
        current: str | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.epics = epic_order(epics)
        self.current = current
        """Folder of the epic to highlight first (the one being planned), if any."""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text("Choose an epic"), id="heading")
            if self.epics:
                folder_w = max(len(one_line(shown_name(e.folder), 60)) for e in self.epics)
                title_w = max(len(one_line(e.title, 60)) for e in self.epics)
                rows = [Option(epic_label(e, folder_w, title_w), id=e.folder) for e in self.epics]
                yield OptionList(*rows, id="epics")
                yield Static(Text("Newest first. Enter chooses, Escape cancels."), id="hint")
            else:
                yield Static(Text("No epic folders under .task-master/epics or .taskmaster/epics."), id="empty")
        yield Footer()

    def on_mount(self) -> None:
        if not self.epics:
            return
        options = self.query_one("#epics", OptionList)
        index = next((i for i, e in enumerate(self.epics) if e.folder == self.current), 0)
        options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected, "#epics")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.epics[event.option_index])

    def action_choose(self) -> None:
        """Choose the highlighted epic (Enter on the list selects it too)."""
        if not self.epics:
            return
        index = self.query_one("#epics", OptionList).highlighted
        if index is not None:
            self.dismiss(self.epics[index])

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
