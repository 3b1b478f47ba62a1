"""The composer: where the next entry of the thread is written, its kind chosen from the keyboard."""

from __future__ import annotations


from textual.app import SuspendNotSupported
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import TextArea
from typing import NamedTuple

from planner_tui.core.discussion.numbering import split_ref
from planner_tui.core.models import ENTRY_KINDS, KINDS, PRIMARY_KIND, Citation
from planner_tui.core.text.display import one_line
from planner_tui.keymap import COMPOSER_BINDINGS
from planner_tui.widgets.discussion.editor import EditorError, edit_in_editor, editor_command
from planner_tui.widgets.ordered import OrderedKeys
from planner_tui.widgets.textstyle import KIND_LABEL

__all__ = ["Composer", "Target", "parse_answer_ref", "short_cite"]

# The composer's title names the kind keys, e.g. `alt+q/a/d/n/r`.
_KIND_KEYS = "/".join(k.key.rsplit("+", 1)[-1] if i else k.key for i, k in enumerate(k for k in KINDS.values() if k.key))


def parse_answer_ref(text: str) -> tuple[int, str] | None:
    """(question number, answer text) when text starts with `#2 `, `2: `, `2. ` or `2) ` and an answer, else None.

    The grammar is core.discussion.numbering's, the same as batch answers (a fast typist never
    leaves the composer).
    """
    ref = split_ref(text)
    return ref if ref is not None and ref[1] else None


def short_cite(cite: Citation) -> str:
    """A citation as a person reads it: inside an epic folder the path starts below it."""
    path = cite.path
    for marker in (".task-master/epics/", ".taskmaster/epics/"):
        if path.startswith(marker) and path.count("/") > marker.count("/"):
            path = path[len(marker) :].split("/", 1)[1]
            break
    return one_line(f"{path}:{cite.line}" if cite.line else path, 70)


class Target(NamedTuple):
    """What the composer's text is for, besides a plain new entry."""

    mode: str
    """`answer` (a question) or `edit` (an existing entry)."""
    entry_id: str
    label: str
    """How the border shows it, e.g. `#2`."""


class Composer(OrderedKeys, TextArea):
    """A TextArea where enter adds the entry and ctrl+j starts a new line."""

    BINDINGS = COMPOSER_BINDINGS
    ALLOW_MAXIMIZE = False

    kind: reactive[str] = reactive(PRIMARY_KIND)
    target: reactive[Target | None] = reactive(None)
    cite: reactive[Citation | None] = reactive(None)
    """The line chosen with `c` in the document viewer; the next new entry carries it."""

    class Submitted(Message):
        """The person pressed enter on some text; the screen decides what it becomes: `topic_id`
        is the topic shown when enter was pressed (a topic key right after it must not move it),
        `cite` the citation the new entry carries (only plain new entries carry one)."""

        def __init__(
            self, composer: Composer, kind: str, text: str, target: Target | None, topic_id: str | None, cite: Citation | None = None
        ) -> None:
            super().__init__()
            self.composer, self.kind, self.text, self.target, self.topic_id, self.cite = composer, kind, text, target, topic_id, cite

    class Left(Message):
        """Escape in the composer with nothing to cancel: the screen moves focus to the thread."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, compact=False)
        self.topic_id: str | None = None
        """Set by the screen: the topic new entries go to."""
        self.placeholder = "Write an entry; enter adds it, #2 text answers question #2"
        self._before_edit: str | None = None
        """The text when `e` was pressed: what is typed after it joins the entry's text."""

    def on_mount(self) -> None:
        self._update_title()

    def watch_kind(self, _old: str, _new: str) -> None:
        self._update_title()

    def watch_target(self, _old: Target | None, _new: Target | None) -> None:
        self._update_title()

    def watch_cite(self, _old: Citation | None, _new: Citation | None) -> None:
        self._update_title()

    def _update_title(self, focused: bool | None = None) -> None:
        target = self.target
        if target is not None and target.mode == "edit":
            self.border_title = f"Edit {target.label} (escape cancels)"
        elif target is not None:
            self.border_title = f"Answer to {target.label} (escape cancels)"
        else:
            self.border_title = f"{KIND_LABEL.get(self.kind, self.kind)}  ·  {_KIND_KEYS} or ctrl+g to change"
        # The keyboard's mode, where the eyes are: typing here (every letter is text), or
        # commands elsewhere (letters are keys, `i` comes back here).
        if not (self.has_focus if focused is None else focused):
            mode = "COMMANDS: letters are keys · i writes here"
        else:
            enter = "enter save" if target is not None and target.mode == "edit" else "enter answer" if target is not None else "enter add"
            mode = f"TYPING · {enter} · ctrl+j new line · esc commands"
        if self.cite is not None:
            # The chip: what the next entry cites (alt+c drops it).
            mode = f"cites {short_cite(self.cite)} · alt+c drops · {mode}"
        self.border_subtitle = mode

    def on_focus(self) -> None:
        self._update_title(focused=True)

    def on_blur(self) -> None:
        self._update_title(focused=False)

    # ------------------------------------------------------------------ actions

    def action_submit(self) -> None:
        text = self.text.strip()
        if not text:
            self.app.bell()
            return
        target = self.target
        kind = "answer" if target is not None and target.mode == "answer" else self.kind
        # Only a new entry can carry a citation (answers and edits cannot): for those the chip
        # stays for the next new entry.
        cite = self.cite if target is None and kind != "answer" and parse_answer_ref(text) is None else None
        # Emptied now, in order with the keys: what is typed next belongs to the next entry.
        # The screen hands the text back with `restore` if saving it is refused.
        self.clear()
        self.target = None
        if cite is not None:
            self.cite = None
        self.post_message(self.Submitted(self, kind, text, target, self.topic_id, cite))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_cycle_kind(self) -> None:
        self.target = None
        kinds = list(ENTRY_KINDS)
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)] if self.kind in kinds else PRIMARY_KIND

    def action_set_kind(self, kind: str) -> None:
        self.target = None
        self.kind = kind

    def action_leave(self) -> None:
        if self.target is not None:
            if self.target.mode == "edit":
                self.clear()
            self.target = None
            return
        self.post_message(self.Left())

    def action_external_edit(self) -> None:
        """The composer's text in the person's editor; what they save comes back here (enter adds it)."""
        command = editor_command()
        if command is None:
            self.notify("Set $VISUAL or $EDITOR to write entries in your own editor.", severity="warning", markup=False)
            return
        try:
            with self.app.suspend():
                text = edit_in_editor(self.text, command)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand the screen to an editor.", severity="warning", markup=False)
            return
        except EditorError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.load_text(text)
        self.move_cursor(self.document.end)
        self.focus()

    def action_uncite(self) -> None:
        if self.cite is None:
            self.app.bell()
        self.cite = None

    def cite_line(self, cite: Citation) -> None:
        """Set the citation the next new entry carries (replacing any chosen before)."""
        self.cite = cite

    def restore(self, text: str, target: Target | None, cite: Citation | None = None) -> None:
        """Put back text whose saving was refused (before anything typed since), and its target."""
        rest = self.text
        self.load_text(text + ("\n" + rest if rest else ""))
        self.target = target
        if cite is not None:
            self.cite = cite
        self.move_cursor(self.document.end)

    def start_answer(self, question_id: str, label: str) -> None:
        """Answer a question: the composer's next text becomes its answer."""
        self.target = Target("answer", question_id, label)
        self.focus()

    def begin_edit(self) -> None:
        """`e` was pressed: take the focus now, so the keys typed before the entry's text arrives land here."""
        self._before_edit = self.text
        self.focus()

    def start_edit(self, entry_id: str, label: str, text: str) -> None:
        """Edit an entry: its text is loaded into the composer, followed by anything typed since `e`."""
        before = self._before_edit
        typed = self.text[len(before) :] if before is not None and self.text.startswith(before) else ""
        self._before_edit = None
        self.load_text(text + typed)
        self.target = Target("edit", entry_id, label)
        self.move_cursor(self.document.end)
        self.focus()
