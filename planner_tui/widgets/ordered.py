"""Run a typing widget's own key bindings in order with the characters typed before them."""

from __future__ import annotations

from textual import events

__all__ = ["OrderedKeys"]


class OrderedKeys:
    """Mixin for Input/TextArea subclasses whose bindings read the typed text (enter submits).

    Textual runs a priority binding as soon as the App sees the key, while the characters typed
    just before it still wait in the widget's queue; a non-priority binding runs after the key
    bubbled up, while later characters are already being typed. Either way a fast typist (or a
    paste followed by Enter) gets part of the text submitted and the rest cleared. Handling the
    widget's own bindings in its key handler keeps them in order; the keys still come from the
    widget's BINDINGS with the user's keymap applied.
    """

    def _own_action(self, key: str) -> str | None:
        bindings = self._bindings.copy()  # type: ignore[attr-defined]
        app = self.app  # type: ignore[attr-defined]
        keymap = getattr(app, "_keymap", None)  # normalized key names, as set_keymap stored them
        if keymap:
            bindings.apply_keymap(keymap)
        for binding in bindings.key_to_bindings.get(key, ()):
            return binding.action
        return None

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls every class's _on_key along the MRO until prevent_default(): returning
        # without it lets the Input/TextArea handler after us type the character as usual.
        action = self._own_action(event.key)
        if action is None:
            return
        event.stop()
        event.prevent_default()
        await self.run_action(action)  # type: ignore[attr-defined]
