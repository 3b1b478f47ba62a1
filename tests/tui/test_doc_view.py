"""Pilot tests of the markdown view drawn line by line (MarkdownLines) inside the document viewer."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

from textual.app import App, ComposeResult

import planner_tui
from planner_tui.core.models import Artifact
from planner_tui.core.text.reading import ReadResult
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.artifacts.text_view import TextLines
from workbench_kit import open_document

CSS = Path(planner_tui.__file__).parent / "app.tcss"


def run(coro):
    return asyncio.run(coro)


def artifact(path: str) -> Artifact:
    return Artifact(path=path, group="planning", label=path.rsplit("/", 1)[-1], state="present")


def result(path: str, text: str) -> ReadResult:
    return ReadResult(path=path, state="present", text=text, size=len(text.encode()))


class Viewer(App):
    """The document viewer alone, with the workbench's stylesheet."""

    CSS_PATH = str(CSS)

    def __init__(self, files: dict[str, str] | None = None, *, early: tuple[str, str] | None = None, **limits) -> None:
        super().__init__()
        self.files = files or {}
        self.early = early
        self.limits = limits

    def compose(self) -> ComposeResult:
        document = DocumentView(id="document", **self.limits)
        if self.early is not None:  # shown before it is even mounted, as the workbench may do
            document.show_loaded(artifact(self.early[0]), result(*self.early))
        yield document

    def read(self, item: Artifact) -> ReadResult:
        return result(item.path, self.files[item.path])

    @property
    def document(self) -> DocumentView:
        return self.query_one(DocumentView)


def paragraphs(count: int, words: int = 30) -> str:
    """Paragraphs whose every word names its source line: `p7w3` is word 3 of line 7 (1-based)."""
    lines = ["# Notes", ""]
    for n in range(count):
        number = len(lines) + 1
        lines.append(" ".join(f"p{number}w{w}" for w in range(words)))
        lines.append("")
    return "\n".join(lines)


def test_the_workbench_imports_no_markdown_widget():
    code = "import planner_tui.screens.workbench.screen, sys; assert 'textual.widgets._markdown' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_show_loaded_shows_a_small_document_at_once_even_before_mounting():
    text = "# Photo annotations\n\n- keep **originals**\n- `annotations` table\n"

    async def scenario():
        app = Viewer(early=("docs/idea.md", text))
        async with app.run_test(size=(80, 20)) as pilot:
            document = app.document
            assert document.mode == "markdown" and document.text == text and document._loaded
            await pilot.pause()
            shown = document.markdown_view.shown_text()
            assert shown.startswith("Photo annotations\n\n• keep originals\n• annotations table")
            document.show_loaded(artifact("docs/flow.mmd"), result("docs/flow.mmd", "graph TD\n  A --> B\n"))
            assert document.mode == "text"  # synchronous: no worker, no frame needed
            assert document.query_one("#doc-text", TextLines).text.startswith("graph TD")
            assert not [w for w in app.workers if w.group == "artifact"]
            gone = ReadResult(path="docs/gone.md", state="missing", reason="file not found")
            document.show_loaded(artifact("docs/gone.md"), gone)
            assert document.mode == "empty"

    run(scenario())


def test_only_the_lines_on_screen_are_styled_in_a_64_kb_document():
    text = paragraphs(420, words=20)
    assert 60_000 < len(text) < 64 * 1024
    last = text.rstrip("\n").rsplit("\n", 1)[-1].split()[-1]  # the last word of the last line

    async def scenario():
        app = Viewer({"docs/big.md": text})
        async with app.run_test(size=(100, 30)) as pilot:
            document = await open_document(pilot, "docs/big.md")
            view = document.markdown_view
            assert document.mode == "markdown" and view.line_count == 842
            first = view.rendered_lines  # the worker rendered the first screen; the rest waits
            assert first < 60
            view.focus()
            await pilot.press("pagedown", "pagedown")
            await pilot.pause()
            assert view.rendered_lines - first < 60  # two more screens, not the document
            assert view.top_line() > 20
            await pilot.press("end")
            await pilot.pause()
            rows = view.shown_text().split("\n")
            assert last in rows[-1] or last in rows[-2]  # the real end, heights made exact
            assert view.scroll_offset.y == view.max_scroll_y
            await pilot.press("home")
            await pilot.pause()
            assert view.scroll_offset.y == 0 and view.top_line() == 1
            await pilot.press("down", "down")
            await pilot.pause()
            assert view.scroll_offset.y == 2

    run(scenario())


def test_the_cited_line_is_exactly_the_one_at_the_top_even_inside_a_wrapped_paragraph():
    text = paragraphs(30, words=40)

    async def scenario():
        app = Viewer({"docs/notes.md": text})
        async with app.run_test(size=(70, 24)) as pilot:
            document = await open_document(pilot, "docs/notes.md")
            view = document.markdown_view
            checked = 0
            for y in range(0, 60):
                view.scroll_to(y=y, animate=False)
                await pilot.pause()
                rows = [row for row in view.shown_text().split("\n") if row.strip()]
                named = re.search(r"p(\d+)w", rows[0])
                line = document.current_line()
                if named is None:
                    assert rows[0] == "Notes" and line == 1
                    continue
                assert line == int(named.group(1)), (y, rows[0], line)
                assert document.text.split("\n")[line - 1].startswith(f"p{line}w0")
                checked += 1
            assert checked > 50

    run(scenario())


def test_a_resize_rewraps_and_keeps_the_line_at_the_top():
    text = paragraphs(40, words=40)

    async def scenario():
        app = Viewer({"docs/notes.md": text})
        async with app.run_test(size=(90, 24)) as pilot:
            document = await open_document(pilot, "docs/notes.md")
            view = document.markdown_view
            view.scroll_to_line(31)
            await pilot.pause()
            assert document.current_line() == 31
            wide = view.virtual_size.height
            await pilot.resize_terminal(50, 24)
            await pilot.pause()
            await pilot.pause()
            assert document.current_line() == 31
            assert view.virtual_size.height > wide  # narrower: more rows
            assert all(len(row) <= 50 for row in view.shown_text().split("\n"))

    run(scenario())


def test_go_to_line_selects_it_and_escape_returns_to_the_markdown_view_there():
    text = paragraphs(60, words=12)

    async def scenario():
        app = Viewer({"docs/notes.md": text})
        async with app.run_test(size=(100, 24)) as pilot:
            document = await open_document(pilot, "docs/notes.md")
            document.go_to_line(81)
            await pilot.pause()
            area = document.query_one("#doc-text", TextLines)
            assert document.mode == "text" and area.selected_text.startswith("p81w0")
            await pilot.press("escape")
            await pilot.pause()
            assert document.mode == "markdown" and app.focused is document.markdown_view
            assert "p81w0" in document.markdown_view.shown_text()

    run(scenario())


def test_hostile_and_huge_markdown_is_drawn_safely():
    long_words = "word " * 12_000
    blob = "x" * 60_000
    many = "\n".join(f"- item {n} [bold]x[/bold] \x1b[2J" for n in range(10_000))
    files = {
        "docs/long.md": f"# Long\n\n{long_words}\n\nafter\n",
        "docs/blob.md": f"{blob}\n",
        "docs/many.md": many,
        "docs/fence.md": "```php\n\x1b]0;PWNED\x07 [@click=app.quit]x[/]\n\t\u202eend\n",
    }

    async def scenario():
        app = Viewer(files, markdown_limit=1_000_000)
        async with app.run_test(size=(80, 24)) as pilot:
            for path in files:
                document = await open_document(pilot, path)
                view = document.markdown_view
                assert document.mode == "markdown", path
                view.focus()
                await pilot.press("pagedown", "end")
                await pilot.pause()
                shown = view.shown_text()
                assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
                assert view.rendered_lines < 200, path  # a screenful of lines, never the document
                await pilot.press("home")
                await pilot.pause()
            fence = app.document
            assert "␛]0;PWNED␇ [@click=app.quit]x[/]" in fence.markdown_view.shown_text()
            many = await open_document(pilot, "docs/many.md")
            many.markdown_view.scroll_to_line(9_000)
            await pilot.pause()
            assert many.current_line() == 9_000
            assert "• item 8999 [bold]x[/bold] ␛[2J" in many.markdown_view.shown_text()
            assert app.is_running

    run(scenario())


def test_a_reload_keeps_the_place_and_a_new_document_starts_at_the_top():
    text = paragraphs(40, words=12)

    async def scenario():
        app = Viewer({"docs/notes.md": text, "docs/other.md": paragraphs(40, words=12)})
        async with app.run_test(size=(100, 24)) as pilot:
            document = await open_document(pilot, "docs/notes.md")
            view = document.markdown_view
            view.scroll_to_line(41)
            await pilot.pause()
            app.files["docs/notes.md"] = text + "\n## Added while open\n"
            assert document.reload_if_showing("docs/notes.md", app.read)
            for _ in range(100):
                if "Added while open" in document.text:
                    break
                await pilot.pause(0.02)
            await pilot.pause()
            assert document.current_line() == 41
            other = await open_document(pilot, "docs/other.md")
            assert other.current_line() == 1

    run(scenario())
