"""A checkbox whose state reads without colour (NO_COLOR): `[X]` when checked, `[ ]` when not."""

from __future__ import annotations

from textual.widgets import Checkbox

__all__ = ["StateCheckbox"]


class StateCheckbox(Checkbox):
    """Textual's checkbox draws an X in both states, told apart only by colour; this one empties it."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"

    def on_mount(self) -> None:
        self._show_state()

    def watch_value(self) -> None:
        super().watch_value()
        self._show_state()

    def _show_state(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        self.refresh()
