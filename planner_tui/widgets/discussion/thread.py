"""The current topic's thread: one line per entry, marked by kind, every question numbered `#N`."""

from __future__ import annotations


from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from planner_tui.core.discussion.numbering import question_numbers
from planner_tui.core.models import KINDS, Entry, TopicState
from planner_tui.core.text.display import one_line
from planner_tui.keymap import THREAD_BINDINGS
from planner_tui.widgets.discussion.composer import short_cite
from planner_tui.widgets.textstyle import inline_markdown

# question_numbers is the core's (core.discussion.numbering), re-exported for the screens.
__all__ = ["ThreadView", "question_numbers", "entry_text"]


def entry_text(entry: Entry, numbers: dict[str, int], mark: str | None = None) -> Text:
    """The thread line of one entry: kind badge, number and status, text, author and citation.

    `mark` is a warning shown after it (a stale source, a difference with an earlier plan).
    """
    kind = KINDS[entry.kind]
    line = Text()
    line.append(f" {kind.letter} ", style=f"bold reverse {kind.style}")
    if kind.asks:
        number = numbers.get(entry.id, 0)
        if entry.status == "open":
            line.append(f" #{number} OPEN ", style="bold yellow")
        elif entry.status == "answered":
            line.append(f" #{number} ✓ ", style="green")
        else:
            line.append(f" #{number} ✗ ", style="dim")
    elif kind.replies and entry.reply_to and entry.reply_to in numbers:
        line.append(f" → #{numbers[entry.reply_to]} ", style="cyan")
    else:
        line.append(" ")
    body = inline_markdown(entry.text)
    if kind.asks and entry.status == "dropped":
        body.stylize("dim strike")
    elif entry.is_open:
        body.stylize("bold")
    line.append_text(body)
    if kind.asks and entry.status == "dropped" and entry.drop_reason:
        line.append(f"  dropped: {one_line(entry.drop_reason, 200)}", style="dim italic")
    meta = []
    if entry.author == "agent":
        meta.append(one_line(entry.author_name or "agent", 40))
    if entry.flagged_from:
        meta.append(f"flagged from {entry.flagged_from}")
    if entry.edited_at is not None:
        meta.append("edited")
    if meta:
        line.append("  · " + " · ".join(meta), style="dim")
    if entry.cite is not None:
        # Looks like a link: `o` on the selected entry opens it in the left pane.
        line.append("  ")
        line.append(f"↗ {short_cite(entry.cite)}", style="underline cyan")
    if mark:
        line.append(f"  {one_line(mark, 200)}", style="bold yellow")
    return line


def _fingerprint(entry: Entry) -> tuple:
    """What an entry's thread line is drawn from (cheap to compare, unlike its JSON)."""
    cite = entry.cite
    return (
        entry.id,
        entry.kind,
        entry.text,
        entry.status,
        entry.reply_to,
        entry.drop_reason,
        entry.author,
        entry.author_name,
        entry.flagged_from,
        entry.edited_at is not None,
        (cite.path, cite.line) if cite is not None else None,
    )


class ThreadView(OptionList):
    """Shows one topic's entries; the binding keys act on the highlighted entry (messages up)."""

    BINDINGS = THREAD_BINDINGS
    ALLOW_MAXIMIZE = False

    class EntryAction(Message):
        """The person asked to answer, drop, flag or edit the entry with this id."""

        def __init__(self, action: str, entry_id: str) -> None:
            super().__init__()
            self.action, self.entry_id = action, entry_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: TopicState | None = None
        self.numbers: dict[str, int] = {}
        self.marks: dict[str, str] = {}
        """Entry id -> warning shown on its line (`⚠ stale: …`), set by the screen."""
        self._signature: tuple = ()
        self._lines_cache: dict[tuple, Text] = {}

    @property
    def selected_entry(self) -> Entry | None:
        """The highlighted entry, if any."""
        option = self.highlighted_option
        if option is None or option.id is None or self.state is None:
            return None
        return next((e for e in self.state.entries if e.id == option.id), None)

    def show_thread(self, state: TopicState | None, *, empty_hint: str = "") -> None:
        """Show a topic's entries, keeping the highlight on the same entry when it still exists.

        New entries at the end of the same thread (the usual change) are appended: the lines
        already shown are not rebuilt or measured again, so a change costs the same in a thread
        of ten entries or of a thousand.
        """
        entries = list(state.entries) if state else []
        keys = tuple(_fingerprint(e) for e in entries)
        signature = (state.id if state else None, keys, empty_hint, tuple(sorted(self.marks.items())))
        self.state = state
        self.numbers = question_numbers(state)
        old = self._signature
        # Rebuilding options resets scrolling; skip it when nothing visible changed.
        if signature == old:
            return
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        same_topic = bool(old) and old[0] == signature[0]
        self._signature = signature
        if not entries:
            self.set_options([Option(Text(empty_hint or "No entries yet.", style="dim italic"), disabled=True)])
            self.highlighted = None
            return
        shown = len(old[1]) if same_topic else 0
        appended = 0 < shown < len(keys) and old[1] == keys[:shown] and old[2:] == signature[2:]
        if appended:
            self.add_options([self._option(e) for e in entries[shown:]])
        else:
            self.set_options([self._option(e) for e in entries])
        ids = [e.id for e in entries]
        if same_topic and keep in ids:
            self.highlighted = ids.index(keep)
        else:
            # A new topic opens on its first open question, else on the newest entry.
            open_ids = [e.id for e in entries if e.is_open]
            self.highlighted = ids.index(open_ids[0]) if open_ids else len(ids) - 1
        self.scroll_to_highlight()

    def _option(self, entry: Entry) -> Option:
        """The entry's line as an option; the styled line is remembered while it reads the same."""
        number = self.numbers.get(entry.reply_to or entry.id)
        key = (_fingerprint(entry), number, self.marks.get(entry.id))
        line = self._lines_cache.get(key)
        if line is None:
            if len(self._lines_cache) > 4096:
                self._lines_cache.clear()
            line = self._lines_cache[key] = entry_text(entry, self.numbers, self.marks.get(entry.id))
        return Option(line, id=entry.id)

    def set_marks(self, marks: dict[str, str]) -> None:
        """Show these warnings on their entries' lines (redraws only when they changed)."""
        if marks == self.marks:
            return
        self.marks = dict(marks)
        self.show_thread(self.state, empty_hint=self._signature[2] if self._signature else "")
        self.refresh_bindings()

    def highlight_entry(self, entry_id: str) -> bool:
        """Put the highlight on this entry; False when it is not in the thread."""
        try:
            self.highlighted = self.get_option_index(entry_id)
        except Exception:  # OptionDoesNotExist
            return False
        self.scroll_to_highlight()
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        entry = self.selected_entry
        if action in ("answer", "drop"):
            return None if entry is None or not entry.is_open else True
        if action in ("flag",):
            return None if entry is None or entry.is_open else True
        if action in ("edit", "remove"):
            return None if entry is None else True
        # Hidden (not dimmed) when they do not apply: most entries cite nothing and warn of nothing.
        if action == "open_cite":
            return entry is not None and entry.cite is not None
        if action == "reconfirm":
            return entry is not None and entry.id in self.marks
        return True

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self.refresh_bindings()  # the footer dims what the new entry does not allow

    def _post(self, action: str) -> None:
        entry = self.selected_entry
        if entry is not None:
            self.post_message(self.EntryAction(action, entry.id))

    def action_answer(self) -> None:
        self._post("answer")

    def action_drop(self) -> None:
        self._post("drop")

    def action_flag(self) -> None:
        self._post("flag")

    def action_edit(self) -> None:
        self._post("edit")

    def action_remove(self) -> None:
        self._post("remove")

    def action_open_cite(self) -> None:
        self._post("open_cite")

    def action_reconfirm(self) -> None:
        self._post("reconfirm")
