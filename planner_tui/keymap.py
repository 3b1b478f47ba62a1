"""Every key binding of the workbench, each with an id and a description: the one source for the
footer, the F1 help screen, the command palette and the user's keymap overrides."""

from __future__ import annotations

from textual.binding import Binding

from planner_tui.core.models import KINDS

__all__ = [
    "APP_BINDINGS",
    "WORKBENCH_BINDINGS",
    "THREAD_BINDINGS",
    "COMPOSER_BINDINGS",
    "FIND_BINDINGS",
    "BLOCKER_BINDINGS",
    "HELP_BINDINGS",
    "PROMPT_BINDINGS",
    "CONFIRM_BINDINGS",
    "PROMPT_INPUT_BINDINGS",
    "DOCUMENT_BINDINGS",
    "SEARCH_BINDINGS",
    "BATCH_BINDINGS",
    "ROLE_PICKER_BINDINGS",
    "ALL_BINDINGS",
    "binding_ids",
    "keymap_conflicts",
    "theme_problem",
    "settings_problems",
]

_TOPIC = Binding.Group("Topic")

# Keys were chosen to survive tmux and ordinary terminals: no shift+enter (most terminals send a
# plain Enter), no ctrl+m (it *is* Enter), no ctrl+b (the tmux prefix). Printable keys such as
# `q`, `]` or `r` are only reached when the focused widget does not type them (Textual removes a
# key from the binding chain when an Input or TextArea would consume it), so the same binding
# works "when not typing" without a second table.

APP_BINDINGS: list[Binding] = [
    Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Quit; everything is already saved."),
    Binding("f1", "help", "Help", id="app.help", tooltip="Show every key that works here."),
    Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False, priority=True),
    Binding("ctrl+c", "help_quit", show=False, system=True),
]
"""Work on every screen."""

WORKBENCH_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "commit", "Commit", id="plan.commit", tooltip="Commit the plan, or show what still blocks it."),
    Binding("alt+left,ctrl+left,[", "previous_topic", "Prev topic", id="topic.previous", key_display="alt+←", group=_TOPIC),
    Binding("alt+right,ctrl+right,]", "next_topic", "Next topic", id="topic.next", key_display="alt+→", group=_TOPIC),
    Binding("ctrl+o", "toggle_confirm", "Confirm", id="topic.confirm", tooltip="Confirm the topic (or take the confirmation back)."),
    Binding("ctrl+t,r", "toggle_raw", "Raw", id="plan.raw", tooltip="Switch the plan between rendered and raw markdown."),
    Binding("ctrl+f,/", "find", "Find", id="doc.find", tooltip="Find in the artifact shown on the left."),
    Binding("f2", "preparation", "Preparation", id="app.preparation", show=False, tooltip="Rules, MCP servers and pipeline position."),
    Binding("f11,z", "maximize_pane", "Maximize", id="pane.maximize", show=False, tooltip="Maximize the focused pane (again to restore)."),
    Binding("f6", "next_pane", "Next pane", id="pane.next", show=False, tooltip="The next pane (on a narrow terminal, shows it in place of the one shown)."),
    Binding("g", "focus_artifacts", "Artifacts", id="focus.artifacts", show=False, tooltip="Go to the artifact list."),
    Binding("t", "focus_thread", "Thread", id="focus.thread", show=False, tooltip="Go to the discussion thread."),
    # Shown in the footer: outside the composer the keyboard is in command mode, `i` leaves it.
    Binding("i", "focus_composer", "Write", id="focus.composer", tooltip="Go to the composer (letters become text)."),
    Binding("p", "focus_plan", "Plan", id="focus.plan", show=False, tooltip="Go to the plan preview."),
    Binding("b", "jump_blocker", "First blocker", id="plan.blocker", show=False, tooltip="Go to the topic of the first blocker."),
    # ctrl+k is the composer's "delete to the end of the line" while typing; f3 works there too.
    Binding("f3,ctrl+k", "search", "Search everything", id="app.search", show=False, tooltip="Search the artifacts, the discussion and the plan."),
    Binding("f4", "switch_role", "Switch role", id="app.role", show=False, tooltip="Plan another role of this epic (each role has its own session)."),
    Binding("B", "batch_answer", "Answer in batch", id="thread.batch", show=False, tooltip="Answer several open questions of the topic at once, by number."),
    Binding("E", "export_log", "Export decision log", id="app.export", show=False, tooltip="Write the decision log to .planner-tui/exports/."),
    Binding("q", "app.quit", "Quit", id="app.quit_key", show=False),
]
"""Work anywhere on the workbench (printable ones only when not typing)."""

THREAD_BINDINGS: list[Binding] = [
    Binding("a", "answer", "Answer", id="thread.answer", tooltip="Answer the selected open question."),
    Binding("x", "drop", "Drop", id="thread.drop", tooltip="Drop the selected open question, with a reason."),
    Binding("f", "flag", "Flag", id="thread.flag", tooltip="Turn the selected entry into an open question."),
    Binding("e", "edit", "Edit", id="thread.edit", show=False, tooltip="Edit the selected entry's text."),
    Binding("delete", "remove", "Remove", id="thread.remove", show=False, tooltip="Remove the selected entry."),
    Binding("o", "open_cite", "Open citation", id="thread.open_cite", tooltip="Show the cited artifact at the cited line."),
    Binding("R", "reconfirm", "Re-confirm", id="thread.reconfirm", tooltip="Keep the entry as it is (its source changed, or it differs from an earlier plan)."),
]
"""Work on the selected entry while the thread has focus."""

# The composer and the find box run their own bindings from their key handler (OrderedKeys), in
# order with the characters typed before them, so none of these may be a priority binding: a
# priority binding runs before the queued characters land, and Enter would submit half the text.
COMPOSER_BINDINGS: list[Binding] = [
    Binding("enter", "submit", "Add", id="composer.submit", tooltip="Add the entry (#2 text answers question #2)."),
    Binding("ctrl+j", "newline", "New line", id="composer.newline", show=False),
    Binding("ctrl+g", "cycle_kind", "Kind", id="composer.kind", tooltip="Cycle the entry kind."),
    # One key per entry kind that has one, from the table of kinds (core.models.KINDS).
    *(
        Binding(k.key, f"set_kind('{k.name}')", k.label, id=f"composer.{k.name}", show=False, tooltip=f"The entry being written becomes {'an' if k.label[0] in 'AEIOU' else 'a'} {k.label.lower()}.")
        for k in KINDS.values()
        if k.key
    ),
    # Shown in the footer: in the composer every letter is text, escape goes back to commands.
    Binding("escape", "leave", "Commands", id="composer.leave", tooltip="Cancel an answer or edit, else go to the thread (letters become commands)."),
    Binding("alt+c", "uncite", "Drop citation", id="composer.uncite", show=False, tooltip="The next entry will not cite the line chosen with c."),
    Binding("alt+e", "external_edit", "Editor", id="composer.editor", show=False, tooltip="Write the text in $VISUAL or $EDITOR (the workbench waits, then takes the text back)."),
]
"""Work while the composer has focus."""

BLOCKER_BINDINGS: list[Binding] = [
    Binding("b", "select", "Go there", id="blockers.go", show=False, tooltip="Go to the selected blocker's topic and entry (enter too)."),
]
"""Work in the blockers list above the plan."""

FIND_BINDINGS: list[Binding] = [
    Binding("enter", "next_match", "Next match", id="find.next"),
    Binding("shift+enter,ctrl+up", "previous_match", "Prev match", id="find.previous", show=False),
    Binding("escape", "close", "Close find", id="find.close"),
]
"""Work in the find box."""

DOCUMENT_BINDINGS: list[Binding] = [
    Binding("c", "cite", "Cite line", id="doc.cite", tooltip="Cite the cursor line (the top line in a rendered view) in the entry being written."),
    Binding("escape", "rendered_view", "Rendered view", id="doc.rendered", tooltip="From the line view back to the rendered document."),
]
"""Work while the document viewer (left pane, below the list) has focus."""

SEARCH_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Close", id="search.close"),
    Binding("down", "results", "Results", id="search.results", show=False, tooltip="From the search box down to the hits."),
]
"""Work on the search screen (enter on a hit goes to it)."""

BATCH_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "submit", "Answer them", id="batch.submit", tooltip="Save every numbered answer (all or nothing)."),
    Binding("escape", "cancel", "Cancel", id="batch.cancel"),
]
"""Work in the batch answer dialog."""

ROLE_PICKER_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="role.cancel"),
]
"""Work in the role picker (enter opens the highlighted role)."""

HELP_BINDINGS: list[Binding] = [
    Binding("escape,f1,q", "close", "Close", id="help.close"),
]

PROMPT_INPUT_BINDINGS: list[Binding] = [
    Binding("enter", "submit", "OK", id="prompt.ok", tooltip="Save what was typed."),
]
"""The small prompt's text box: its enter, shown in the footer (an Input's own is hidden)."""

PROMPT_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
]

CONFIRM_BINDINGS: list[Binding] = [
    Binding("y", "yes", "Yes", id="confirm.yes", tooltip="Yes: do it."),
    Binding("n,escape", "no", "No", id="confirm.no", tooltip="No: leave it as it is."),
]

ALL_BINDINGS: dict[str, list[Binding]] = {
    "Everywhere": APP_BINDINGS,
    "Workbench": WORKBENCH_BINDINGS,
    "Thread (selected entry)": THREAD_BINDINGS,
    "Composer": COMPOSER_BINDINGS,
    "Blockers list": BLOCKER_BINDINGS,
    "Find box": FIND_BINDINGS,
    "Document viewer": DOCUMENT_BINDINGS,
    "Search": SEARCH_BINDINGS,
    "Batch answers": BATCH_BINDINGS,
    "Role picker": ROLE_PICKER_BINDINGS,
    "Help": HELP_BINDINGS,
    "Small prompts": PROMPT_INPUT_BINDINGS + PROMPT_BINDINGS,
    "Yes/no questions": CONFIRM_BINDINGS,
}
"""Every binding by where it works; the settings validator checks keymap ids against it."""


def binding_ids() -> set[str]:
    """Every binding id a user keymap may remap."""
    return {b.id for group in ALL_BINDINGS.values() for b in group if b.id}


_FOCUSED: dict[str, list[Binding]] = {
    "the thread": THREAD_BINDINGS,
    "the composer": COMPOSER_BINDINGS,
    "the find box": FIND_BINDINGS,
    "the document viewer": DOCUMENT_BINDINGS,
}
"""Where the focus can be on the workbench: there its own keys come before the workbench's."""


def _keys(binding: Binding, keymap: dict[str, str]) -> list[str]:
    keys = keymap.get(binding.id or "", binding.key)
    return [k.strip() for k in keys.split(",") if k.strip()]


def keymap_conflicts(keymap: dict[str, str]) -> list[str]:
    """Keys the user's keymap gives two bindings that work in the same place, each said once.

    E.g. `"topic.next" = "alt+n"`: in the composer alt+n makes the entry a note, so the next-topic
    key silently does nothing there. Only clashes a remapped binding takes part in are named.
    """
    found: dict[tuple[str, str, str], list[str]] = {}
    for where, own in _FOCUSED.items():
        # In the order Textual looks for a binding: priority ones, then from the focus outwards.
        chain = [b for b in APP_BINDINGS if b.priority] + own + WORKBENCH_BINDINGS + [b for b in APP_BINDINGS if not b.priority]
        owner: dict[str, Binding] = {}
        for binding in chain:
            if not binding.id:
                continue
            for key in _keys(binding, keymap):
                first = owner.setdefault(key, binding)
                if first.id != binding.id and (first.id in keymap or binding.id in keymap):
                    found.setdefault((key, first.id or "", binding.id), []).append(where)
    return [
        f"{key} is both {first} and {second}; in {' and in '.join(places)} it does {first} only"
        for (key, first, second), places in found.items()
    ]


def theme_problem(theme: str) -> str | None:
    """Why a theme name will not be used (the default is used instead), or None when it is known."""
    from textual.theme import BUILTIN_THEMES

    if theme in BUILTIN_THEMES:
        return None
    return f"unknown theme {theme!r}; the default is used (themes: {', '.join(sorted(BUILTIN_THEMES))})"


def settings_problems(keymap: dict[str, str], theme: str) -> list[str]:
    """What the settings file asks for that will not work as written: key clashes, an unknown theme."""
    problems = [f"keymap: {line}" for line in keymap_conflicts(keymap)]
    if (problem := theme_problem(theme)) is not None:
        problems.append(problem)
    return problems
