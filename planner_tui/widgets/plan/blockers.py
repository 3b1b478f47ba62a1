"""What blocks the commit: every blocker, grouped, focusable and scrollable; enter goes to one."""

from __future__ import annotations


from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from planner_tui.core.models import Blocker
from planner_tui.core.plan.blocker_groups import blocking, count_line, grouped
from planner_tui.core.text.display import one_line
from planner_tui.keymap import BLOCKER_BINDINGS

__all__ = ["BlockerList", "BlockerItems"]


class BlockerItems(OptionList):
    """One option per blocker under its group's heading (a heading cannot be chosen)."""

    BINDINGS = BLOCKER_BINDINGS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.blockers: list[Blocker] = []
        self._shown: tuple = ()

    def show(self, found: list[Blocker]) -> None:
        shown = tuple((b.kind, b.message, b.entry, b.topic) for b in found)
        if shown == self._shown:
            return  # rebuilding the options re-lays out the pane: only when the list changed
        self._shown = shown
        kept = self.highlighted
        self.blockers = list(found)
        options: list[Option] = []
        index = 0
        for title, items in grouped(found):
            options.append(Option(Text(f"{title} ({len(items)})", style="bold"), disabled=True))
            for blocker in items:
                line = Text("• ", style="red")
                line.append(one_line(blocker.message, 400))
                options.append(Option(line, id=f"b{self.blockers.index(blocker)}"))
                index += 1
        self.set_options(options)
        if options:
            first = next(i for i, o in enumerate(options) if not o.disabled)
            self.highlighted = kept if kept is not None and kept < len(options) and not options[kept].disabled else first

    def blocker_at(self, option_id: str | None) -> Blocker | None:
        if not option_id or not option_id.startswith("b"):
            return None
        index = int(option_id[1:])
        return self.blockers[index] if index < len(self.blockers) else None


class BlockerList(Vertical):
    """The count (the same number the commit and `planner-tui status` give) above the list."""

    class Chosen(Message):
        """The person chose a blocker: go to its topic and select its entry."""

        def __init__(self, blocker: Blocker) -> None:
            super().__init__()
            self.blocker = blocker

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.blockers: list[Blocker] = []

    def compose(self) -> ComposeResult:
        yield Static(id="blockers-count")
        yield BlockerItems(id="blockers-items")

    @property
    def items(self) -> BlockerItems:
        return self.query_one(BlockerItems)

    @property
    def text(self) -> str:
        """The count and every blocker as plain text (what the pane shows, scrolled or not)."""
        lines = [str(self.query_one("#blockers-count", Static).content)]
        for title, items in grouped(self.blockers):
            lines.append(title)
            lines += [f"• {b.message}" for b in items]
        return "\n".join(lines)

    def show(self, found: list[Blocker], *, checking: bool = False) -> None:
        """List what blocks; `checking`: these are what is known so far (the rest is being checked)."""
        self.blockers = list(found)
        stops = blocking(found)
        count = self.query_one("#blockers-count", Static)
        if checking:
            # Never a green tick before the rules, citations, earlier plans and git were asked.
            out = Text(f"… {count_line(found)} so far", style="bold yellow")
            out.append("  still checking rules, citations, earlier plans and git", style="dim")
        elif stops:
            out = Text(f"✗ {count_line(found)}", style="bold red")
            out.append("  enter/b on one goes there", style="dim")
        else:
            out = Text(f"✓ {count_line(found)}: ctrl+s commits.", style="bold green")
        if out != count.content:
            count.update(out)
        self.set_class(bool(stops), "-blocked")
        items = self.items
        items.display = bool(stops)
        items.show(stops)

    def focus_list(self) -> bool:
        """Focus the list; False when nothing blocks (nothing to go to)."""
        if not self.items.display:
            return False
        self.items.focus()
        return True

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        blocker = self.items.blocker_at(message.option_id)
        if blocker is not None:
            self.post_message(self.Chosen(blocker))
