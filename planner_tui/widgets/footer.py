"""Textual's footer, rebuilt only when the keys it shows change, led by the keyboard's mode."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, TextArea

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


class QuietFooter(Footer):
    """A Footer that skips its rebuild when the keys it would show are the ones it shows.

    Textual's footer unmounts and mounts every key on each focus move or binding refresh,
    a full layout of the screen (tens of milliseconds with three panes); moving through a
    thread refreshes bindings on every entry, mostly without changing any of them.

    With `show_mode` it starts with the keyboard's mode: TYPING while a text box has the focus
    (every letter is text), COMMANDS elsewhere (letters are keys).
    """

    DEFAULT_CSS = """
    QuietFooter .footer-mode { padding: 0 1; text-style: bold; background: $accent; color: $text; }
    QuietFooter .footer-mode.-typing { background: $success; }
    """

    _shown: tuple | None = None

    def __init__(self, *, show_mode: bool = False) -> None:
        super().__init__()
        self.show_mode = show_mode

    def _mode(self) -> str | None:
        if not self.show_mode or not self.is_attached:
            return None
        return "TYPING" if takes_text(self.screen.focused) else "COMMANDS"

    def compose(self) -> ComposeResult:
        mode = self._mode()
        if mode is not None and self._bindings_ready:
            yield Label(mode, classes="footer-mode" + (" -typing" if mode == "TYPING" else ""))
        for widget in super().compose():
            # Each key is born compact and then bound to the footer's `compact`: two restyles of
            # every key (about 4 ms each, 12 keys) on each rebuild. Given the footer's value before
            # it mounts, the binding changes nothing and no style is computed twice. (The command
            # palette's key is not bound: it stays compact, as Textual draws it.)
            compact = getattr(type(widget), "compact", None)
            if isinstance(compact, Reactive) and not widget.has_class("-command-palette"):
                widget.set_reactive(compact, self.compact)
            yield widget
        if mode is not None and self._bindings_ready:
            self.styles.grid_size_columns = (self.styles.grid_size_columns or 0) + 1

    def bindings_changed(self, screen: Screen) -> None:
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            super().bindings_changed(screen)
            return
        keys = (shown_keys(screen), self.app.current_theme.name if self.app.current_theme else None, self._mode())
        if keys == self._shown and self._bindings_ready:
            return
        self._shown = keys
        super().bindings_changed(screen)
