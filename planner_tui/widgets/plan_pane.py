"""The right pane: what blocks the commit, and the plan as a live preview or raw markdown."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Static, TextArea

from planner_tui.core.models import Blocker
from planner_tui.core.plan import section_spans
from planner_tui.core.textsafe import one_line, visible
from planner_tui.widgets.textstyle import markdown_lines

__all__ = ["PlanPane", "PlanPreview", "PlanSection", "BlockerList", "split_sections"]

MAX_BLOCKERS_SHOWN = 5


def split_sections(text: str) -> list[tuple[str, str]]:
    """(heading, markdown) per heading of the plan; text before the first heading comes first."""
    lines = text.split("\n")
    spans = section_spans(text)
    parts: list[tuple[str, str]] = []
    first = spans[0][1] if spans else len(lines)
    head = "\n".join(lines[:first]).strip("\n")
    if head:
        parts.append(("", head))
    for heading, start, end in spans:
        parts.append((heading, "\n".join(lines[start:end]).rstrip("\n")))
    return parts


class BlockerList(Static):
    """A compact list of what still blocks the commit (planner.blockers())."""

    def show(self, blockers: list[Blocker]) -> None:
        if not blockers:
            self.set_class(False, "-blocked")
            self.update(Text("✓ Nothing blocks the commit: ctrl+s commits.", style="bold green"))
            return
        self.set_class(True, "-blocked")
        out = Text()
        count = len(blockers)
        out.append(f"✗ {count} thing{'s' if count > 1 else ''} block the commit", style="bold red")
        out.append("  (b: go to the first)", style="dim")
        for blocker in blockers[:MAX_BLOCKERS_SHOWN]:
            out.append("\n• ", style="red")
            out.append(one_line(blocker.message, 160))
        if count > MAX_BLOCKERS_SHOWN:
            out.append(f"\n… and {count - MAX_BLOCKERS_SHOWN} more", style="dim")
        self.update(out)


class PlanSection(Static):
    """One heading of the plan and what is under it, as lightly styled text."""

    def __init__(self, heading: str, source: str) -> None:
        super().__init__(markdown_lines(source.split("\n")))
        self.heading = heading
        self.source = source

    def set_source(self, heading: str, source: str) -> bool:
        """Replace the text; False (and no redraw) when it did not change."""
        if source == self.source and heading == self.heading:
            return False
        self.heading, self.source = heading, source
        self.update(markdown_lines(source.split("\n")))
        return True


class PlanPreview(VerticalScroll):
    """The plan as one widget per section, so a change redraws only the sections it touched."""

    ALLOW_MAXIMIZE = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.updated_sections = 0
        """How many sections the last `show_plan` redrew (tests and benchmarks read it)."""

    @property
    def sections(self) -> list[PlanSection]:
        return list(self.query_children(PlanSection))

    def show_plan(self, text: str, parts: list[tuple[str, str]] | None = None) -> int:
        """Show the plan (split into sections already, or here); returns how many were redrawn."""
        parts = split_sections(text) if parts is None else parts
        current = self.sections
        changed = 0
        for widget, (heading, source) in zip(current, parts):
            changed += widget.set_source(heading, source)
        if len(parts) > len(current):
            new = [PlanSection(h, s) for h, s in parts[len(current) :]]
            self.mount_all(new)
            changed += len(new)
        for widget in current[len(parts) :]:
            widget.remove()
        self.updated_sections = changed
        return changed

    def mark_current(self, heading: str | None, *, scroll: bool = True) -> None:
        """Highlight the section with this heading and scroll it to the top."""
        wanted = (heading or "").strip().lower()
        target = None
        for widget in self.sections:
            is_it = bool(wanted) and widget.heading.strip().lower() == wanted and target is None
            widget.set_class(is_it, "-current")
            if is_it:
                target = widget
        if target is not None and scroll:
            self.call_after_refresh(self.scroll_to_widget, target, top=True, animate=False)


class PlanPane(Vertical):
    """Blockers above the plan; the plan rendered (default) or raw."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Plan"
        self.text = ""
        self._raw_text: str | None = None

    def compose(self) -> ComposeResult:
        yield BlockerList(id="blockers")
        with ContentSwitcher(initial="plan-preview", id="plan-switcher"):
            yield PlanPreview(id="plan-preview")
            yield TextArea(id="plan-raw", read_only=True, soft_wrap=True, show_line_numbers=True, language=None)

    @property
    def preview(self) -> PlanPreview:
        return self.query_one(PlanPreview)

    @property
    def raw(self) -> bool:
        """True while raw markdown is shown."""
        return self.query_one(ContentSwitcher).current == "plan-raw"

    def show(
        self,
        text: str,
        blockers: list[Blocker],
        heading: str | None,
        *,
        scroll: bool = True,
        parts: list[tuple[str, str]] | None = None,
    ) -> None:
        """Show a freshly rendered plan, its blockers, and the current topic's section."""
        self.text = text
        self.query_one(BlockerList).show(blockers)
        self.preview.show_plan(text, parts)
        self.preview.mark_current(heading, scroll=scroll)
        if self.raw:
            self._load_raw()

    def _load_raw(self) -> None:
        if self._raw_text != self.text:  # load_text re-parses the whole document: only on change
            self._raw_text = self.text
            self.query_one("#plan-raw", TextArea).load_text(visible(self.text))

    def toggle_raw(self) -> bool:
        """Switch between the preview and raw markdown; returns True when raw is now shown."""
        switcher = self.query_one(ContentSwitcher)
        if self.raw:
            switcher.current = "plan-preview"
        else:
            self._load_raw()
            switcher.current = "plan-raw"
        self.border_subtitle = "raw markdown" if self.raw else ""
        return self.raw
