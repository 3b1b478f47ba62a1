"""The keyboard model: a key is text while typing, a command elsewhere; a letter that does nothing says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from planner_tui.widgets.footer import takes_text

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["is_typing", "unbound_notice", "say_unbound"]


def is_typing(screen: WorkbenchScreen) -> bool:
    """True when the focused widget takes letters as text (the composer, a find or search box)."""
    return takes_text(screen.focused)


def unbound_notice(screen: WorkbenchScreen, key: str, character: str) -> str | None:
    """What a letter tells the person when it runs nothing here; None when a binding takes it."""
    shown = f"`{character}`"
    active = screen.active_bindings.get(key)
    if active is not None:
        _node, binding, enabled, tooltip = active
        if enabled:
            return None  # the app runs it once the key has bubbled up to it
        what = tooltip or binding.tooltip or binding.description
        return f"{shown} does not apply here ({what.rstrip('.')}). i writes an entry; F1 lists the keys."
    return f"{shown} is not a key here: nothing was typed. i writes an entry; F1 lists the keys."


def say_unbound(screen: WorkbenchScreen, event: events.Key) -> None:
    """Outside a text box a printable key no binding takes: say so briefly instead of doing nothing.

    Called as the key bubbles through the screen, before the app looks for a binding: a key a
    binding takes is left alone for it.
    """
    if not event.is_printable or not event.character or event.character.isspace() or is_typing(screen):
        return
    notice = unbound_notice(screen, event.key, event.character)
    if notice is not None:
        screen.notify(notice, title="Command keys", timeout=2.5, markup=False)
