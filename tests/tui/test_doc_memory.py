"""The document viewer holds one copy of a big file: no safe-text copy, no split to cite, no stale markdown behind it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App, ComposeResult

import planner_tui
from planner_tui.core.models import Artifact
from planner_tui.core.text.reading import ReadResult, read_text_safely
from planner_tui.widgets.artifacts.doc_lines import line_text, utf8_size
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.artifacts.text_view import TextLines
from workbench_kit import open_document

CSS = Path(planner_tui.__file__).parent / "app.tcss"


class DiskViewer(App):
    """The document viewer alone, reading real files under a project folder."""

    CSS_PATH = str(CSS)

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.cited: list[DocumentView.CiteRequested] = []

    def compose(self) -> ComposeResult:
        yield DocumentView(id="document")

    def read(self, item: Artifact) -> ReadResult:
        return read_text_safely(self.root, item.path)

    def on_document_view_cite_requested(self, message: DocumentView.CiteRequested) -> None:
        self.cited.append(message)


def big_markdown(lines: int) -> str:
    return "# Big\n\n" + "".join(f"- requirement {n}: the server keeps the newest edit\n" for n in range(3, lines + 1))


def test_utf8_size_counts_bytes_without_encoding_ascii():
    assert utf8_size("plain") == 5 and utf8_size("é\ud800") == len("é\ud800".encode("utf-8", "replace"))


def test_line_text_finds_a_line_without_splitting_the_text():
    text = "one\ntwo\n\nfour"
    assert [line_text(text, n) for n in range(0, 7)] == ["", "one", "two", "", "four", "", ""]
    assert line_text("a\n", 2) == "" and line_text("", 1) == ""


def test_a_big_clean_file_is_held_once_and_cited_from_the_line_index(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    text = big_markdown(20_000)  # about 1 MB: over the markdown limit, shown in the line view
    (docs / "prd.md").write_text(text)

    async def scenario():
        app = DiskViewer(tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            document = await open_document(pilot, "docs/prd.md")
            area = document.query_one("#doc-text", TextLines)
            assert document.mode == "text"
            assert document.text == text and area.text is document.text  # one copy, shared
            assert area.document._starts.itemsize == 4  # 4 bytes a line
            area.selection = area.selection.cursor((12_344, 0))
            document.action_cite()
            await pilot.pause()
            cited = app.cited[-1]
            assert cited.line == 12_345 and cited.text == "- requirement 12345: the server keeps the newest edit"

    asyncio.run(scenario())


def test_a_file_with_controls_is_still_shown_safe(tmp_path):
    (tmp_path / "log.txt").write_text("start\n\x1b]0;title\x07 bell\nend\n" * 40_000)

    async def scenario():
        app = DiskViewer(tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            document = await open_document(pilot, "log.txt")
            assert "\x1b" not in document.text and "␛]0;title␇ bell" in document.text
            assert document.query_one("#doc-text", TextLines).document.get_line(1) == "␛]0;title␇ bell"

    asyncio.run(scenario())


def test_a_markdown_document_is_not_kept_behind_a_big_file(tmp_path):
    (tmp_path / "task.md").write_text("# Task\n\n" + "A short paragraph of the task.\n\n" * 30)
    (tmp_path / "prd.md").write_text(big_markdown(5_000))

    async def scenario():
        app = DiskViewer(tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            document = await open_document(pilot, "task.md")
            assert document.mode == "markdown" and document.markdown_view.line_count > 30
            document = await open_document(pilot, "prd.md")
            assert document.mode == "text"
            assert document.markdown_view.line_count == 0 and not document.markdown_view._strips
            # The small one again: shown as markdown, from the top.
            document = await open_document(pilot, "task.md")
            assert document.mode == "markdown" and document.current_line() == 1

    asyncio.run(scenario())
