"""The key bar at the bottom: one widget that draws the screen's keys on one line, led by the keyboard's mode."""

from __future__ import annotations

from itertools import groupby

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea
from typing import NamedTuple

__all__ = ["QuietFooter", "shown_keys", "takes_text"]


def takes_text(widget: Widget | None) -> bool:
    """True when the widget types letters as text (an Input, an editable TextArea)."""
    return isinstance(widget, Input) or (isinstance(widget, TextArea) and not widget.read_only)


def shown_keys(screen: Screen) -> tuple:
    """What the footer shows for this screen: each shown binding's key, label, state and tooltip."""
    return tuple(
        (binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
        for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show
    )


class _Span(NamedTuple):
    """Where one key sits on the line (cells), and what pressing it does."""

    start: int
    end: int
    key: str
    enabled: bool
    tooltip: str


class QuietFooter(Widget, can_focus=False):
    """The screen's keys on one line, drawn by one widget, redrawn only when they change.

    Textual's Footer is a container of a widget per key (fifteen here), remounted on every
    binding change: a layout of the screen each time (30-60 ms just after start) and about
    1 MB for widgets that only show text. This draws the same keys, groups and command-palette
    key as one line; a click presses the key under it, hovering shows its tooltip.

    With `show_mode` it starts with the keyboard's mode: TYPING while a text box has the focus
    (every letter is text), COMMANDS elsewhere (letters are keys).
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer--key",
        "footer--description",
        "footer--mode",
        "footer--mode-typing",
        "footer--hover",
        "footer--palette",
    }
    DEFAULT_CSS = """
    QuietFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .footer--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .footer--mode { text-style: bold; background: $accent; color: $text; }
        & > .footer--mode-typing { text-style: bold; background: $success; color: $text; }
        & > .footer--hover { background: $block-hover-background; }
        & > .footer--palette { color: $foreground 20%; }
    }
    """

    def __init__(self, *, show_mode: bool = False) -> None:
        super().__init__()
        self.show_mode = show_mode
        self._shown: tuple | None = None
        self._spans: list[_Span] = []
        self._hover: int | None = None

    # ------------------------------------------------------------------ keys

    def _mode(self) -> str | None:
        if not self.show_mode or not self.is_attached:
            return None
        return "TYPING" if takes_text(self.screen.focused) else "COMMANDS"

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Redraw when the keys shown (or the mode, or the theme) changed; nothing to lay out."""
        if not (self.is_attached and screen is self.screen):
            return
        shown = (shown_keys(screen), self.app.current_theme.name if self.app.current_theme else None, self._mode())
        if shown != self._shown:
            self._shown = shown
            self._hover = None
            self.refresh()

    def _keys(self) -> tuple[list[tuple[list[tuple[Binding, bool, str]], str | None]], tuple[Binding, bool, str] | None]:
        """The keys as Textual's Footer groups them (one per action, a group's keys before its
        label), and the command palette's key; from one reading of the screen's bindings."""
        if not self.is_attached:
            return [], None
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        palette = None
        by_action: dict[str, list[tuple[Binding, bool, str]]] = {}
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if key == palette_key:
                palette = (binding, enabled, tooltip)
            elif binding.show:
                by_action.setdefault(binding.action, []).append((binding, enabled, tooltip))
        entries: list[tuple[list[tuple[Binding, bool, str]], str | None]] = []
        for group, members in groupby(by_action.values(), lambda found: found[0][0].group):
            members = list(members)
            if group is not None and len(members) > 1:
                entries.append(([found[0] for found in members], group.description))
            else:
                entries.extend(([found[0]], None) for found in members)
        return entries, palette

    # ------------------------------------------------------------------ drawing

    def render(self) -> Text:
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[_Span] = []
        key_style = self.get_component_rich_style("footer--key")
        description_style = self.get_component_rich_style("footer--description")
        hover_style = self.get_component_rich_style("footer--hover")
        dim = Style(dim=True)

        def key(binding: Binding, enabled: bool, tooltip: str, label: str, lead: str = " ", gap: str = " ") -> None:
            start = line.cell_len
            index = len(spans)
            extra = (hover_style if index == self._hover and enabled else Style()) + (Style() if enabled else dim)
            line.append(lead + self.app.get_key_display(binding) + gap, key_style + extra)
            if label:
                line.append(label + " ", description_style + extra)
            spans.append(_Span(start, line.cell_len, binding.key, enabled, tooltip or binding.tooltip or binding.description))

        mode = self._mode()
        if mode is not None:
            style = "footer--mode-typing" if mode == "TYPING" else "footer--mode"
            line.append(f" {mode} ", self.get_component_rich_style(style))
        entries, palette = self._keys()
        for members, group_label in entries:
            if group_label is None:
                binding, enabled, tooltip = members[0]
                key(binding, enabled, tooltip, binding.description)
                continue
            line.append(" ")
            for binding, enabled, tooltip in members:
                key(binding, enabled, tooltip, "", "", "")
                line.append(" ")
            line.append(group_label + " ", description_style)  # the group's keys, then what they do
        if palette is not None:
            binding, enabled, tooltip = palette
            # At the right edge, always: the keys that do not fit go under it, as in Textual's footer.
            room = width - Text(f"▏{self.app.get_key_display(binding)} {binding.description} ").cell_len
            if room >= 0:
                if line.cell_len > room:
                    line.truncate(room, overflow="crop")
                    spans[:] = [_Span(sp.start, min(sp.end, room), sp.key, sp.enabled, sp.tooltip) for sp in spans if sp.start < room]
                line.append(" " * (room - line.cell_len))
                line.append("▏", self.get_component_rich_style("footer--palette"))
                key(binding, enabled, tooltip, binding.description, lead="")
        self._spans = spans
        return line

    # ------------------------------------------------------------------ mouse

    def _span_at(self, x: int) -> int | None:
        return next((i for i, span in enumerate(self._spans) if span.start <= x < span.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._span_at(event.x)
        if index != self._hover:
            self._hover = index
            self.tooltip = self._spans[index].tooltip if index is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._span_at(event.x)
        if index is None:
            return
        span = self._spans[index]
        if span.enabled:
            self.app.simulate_key(span.key)
        else:
            self.app.bell()
