"""Textual's footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["QuietFooter", "shown_keys"]


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
    """

    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            super().bindings_changed(screen)
            return
        keys = (shown_keys(screen), self.app.current_theme.name if self.app.current_theme else None)
        if keys == self._shown and self._bindings_ready:
            return
        self._shown = keys
        super().bindings_changed(screen)
