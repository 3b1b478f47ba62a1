"""The speed-minded widgets: a line view that opens megabytes, cached plan lines, a quiet footer."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from textual.app import App, ComposeResult
from textual.geometry import Region, Size

import planner_tui
from planner_tui.widgets.artifacts.text_index import wrap_starts
from planner_tui.widgets.artifacts.text_view import TextLines, prepare_text
from planner_tui.widgets.footer import QuietFooter, shown_keys
from planner_tui.widgets.lines import LineCache


def run(coro):
    return asyncio.run(coro)


def test_a_prepared_text_shows_every_line_selects_and_scrolls():
    text = "".join(f"line {n}: photo uploaded\n" for n in range(50_000)) + "last line"
    prepared = prepare_text(text)
    assert prepared.line_count == 50_001 and prepared.size.width == len("line 49999: photo uploaded")
    assert prepared.text is text and prepared.get_line(50_000) == "last line"  # one copy of the text

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TextLines(id="area")

    async def scenario():
        async with Host().run_test(size=(80, 24)) as pilot:
            area = pilot.app.query_one(TextLines)
            area.show_prepared(prepared)
            await pilot.pause()
            assert area.text == text and area.document.line_count == 50_001
            assert area.virtual_size.height == 50_001
            area.selection = ((40_000, 12), (40_000, 18))
            assert area.selected_text == "photo "
            area.scroll_cursor_visible(center=True)
            await pilot.pause()
            assert area.scroll_y > 39_000
            rows = [strip.text for strip in area.render_lines(Region(0, 0, 80, 24))]
            assert any(row.startswith("40001  line 40000: photo uploaded") for row in rows)
            area.focus()
            await pilot.press("down")
            assert area.selection.end[0] == 40_001
            assert area.selection.end == (40_001, 18)  # down from the selection's end, same column
            await pilot.press("shift+end")
            assert area.selected_text == "uploaded"
            await pilot.press("f6")
            assert area.selected_text == "line 40001: photo uploaded"
            await pilot.press("pagedown")
            assert area.cursor_location[0] > 40_010 and area.scroll_y > 40_000

    run(scenario())


def test_soft_wrapped_text_keeps_lines_numbered_and_the_cursor_moves_by_rows():
    text = "short\n" + " ".join(f"word{n}" for n in range(40)) + "\n\tafter a tab\n漢字とかな"

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TextLines(text, soft_wrap=True, id="area")

    async def scenario():
        async with Host().run_test(size=(40, 12)) as pilot:
            area = pilot.app.query_one(TextLines)
            await pilot.pause()
            rows = [strip.text.rstrip() for strip in area.render_lines(Region(0, 0, 40, 12))]
            assert rows[0] == "1  short" and rows[1].startswith("2  word0 word1")
            assert all(len(row) <= 40 for row in rows)
            wrapped = [row for row in rows if row.startswith("   word")]  # continuation rows: no number
            assert len(wrapped) >= 5 and area.row_count == area.document.line_count + len(wrapped)
            assert "3      after a tab" in rows  # a tab drawn to the next stop
            assert "4  漢字とかな" in rows
            area.focus()
            await pilot.press("down", "down")
            row, column = area.cursor_location
            assert row == 1 and column > 10  # the second row of the long line, not the next line
            await pilot.press("ctrl+right")
            assert area.document.get_line(1)[area.cursor_location[1] - 1] != " "
            area.load_text("one\ntwo")
            assert area.text == "one\ntwo" and area.cursor_location == (0, 0) and area.soft_wrap

    run(scenario())


def test_a_click_puts_the_cursor_and_a_drag_selects():
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TextLines("alpha beta\ngamma delta\nepsilon", id="area")

    async def scenario():
        async with Host().run_test(size=(40, 8)) as pilot:
            area = pilot.app.query_one(TextLines)
            await pilot.click(TextLines, offset=(3 + 6, 1))  # gutter of 3 cells, then "gamma |delta"
            assert area.cursor_location == (1, 6) and pilot.app.focused is area
            await pilot.mouse_down(TextLines, offset=(3, 0))
            await pilot.hover(TextLines, offset=(3 + 5, 2))
            await pilot.mouse_up(TextLines, offset=(3 + 5, 2))
            assert area.selected_text == "alpha beta\ngamma delta\nepsil"

    run(scenario())


def test_tabs_and_wide_characters_are_measured_in_cells():
    assert prepare_text("a\tb\n漢字とかな\nplain").size == Size(10, 3)
    assert prepare_text("tab\tafter\n" * 3).size == Size(len("tab after"), 4)
    assert prepare_text("ascii only\nlonger ascii line\n").size == Size(17, 3)
    assert prepare_text("").size == Size(0, 1) and prepare_text("").get_line(0) == ""
    assert wrap_starts("aaa bbb ccc", 7) == [8] and wrap_starts("aaa bbb ccc", 6) == [4, 8] and wrap_starts("x" * 10, 4) == [4, 8]
    assert wrap_starts("fits", 4) == [] and wrap_starts("漢字とかな", 4) == [2, 4]


def test_the_widgets_import_no_private_textual_module_or_name():
    """Textual's underscore modules and names may change in any release: the package uses none."""
    found = []
    for path in Path(planner_tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "textual" and any(part.startswith("_") for part in parts):
                    found.append(f"{path.name}:{node.lineno} {module}")
    assert not found, found


def test_line_cache_renders_each_new_line_once():
    cache = LineCache()
    lines = ["## Heading", "- one **bold** item", "- two", "```", "- in a fence", "```"]
    def text(row) -> str:
        return "".join(segment.text for segment in row)

    first = cache.render(lines, 30)
    assert [text(row) for row in first][:3] == ["Heading", "• one bold item", "• two"]
    assert cache.missing(lines + ["- three"], 30) == 1
    again = cache.render(lines + ["- three"], 30)
    assert all(a is b for a, b in zip(again, first)) and text(again[-1]) == "• three"  # the same rows, not rendered again
    assert "- in a fence" in [text(row) for row in first]  # inside a fence: kept as written


def test_the_footer_is_one_widget_redrawn_only_when_its_keys_change_and_a_click_presses_a_key():
    class Host(App[None]):
        BINDINGS = [("ctrl+k", "count", "Count"), ("ctrl+l", "nothing", "Nothing")]
        counted = 0

        def compose(self) -> ComposeResult:
            yield QuietFooter()

        def action_count(self) -> None:
            self.counted += 1

    async def scenario():
        async with Host().run_test(size=(80, 5)) as pilot:
            footer = pilot.app.query_one(QuietFooter)
            await pilot.pause()
            assert not footer.children  # the keys are drawn, not mounted as widgets
            line = str(footer.render())
            assert "Count" in line and "Nothing" in line
            keys = shown_keys(pilot.app.screen)
            assert any(key[2] == "Nothing" for key in keys)
            drawn = footer._shown
            pilot.app.screen.refresh_bindings()
            await pilot.pause()
            assert footer._shown is drawn  # same keys: nothing recomputed
            x = line.index("Count")
            await pilot.click(QuietFooter, offset=(x, 0))
            await pilot.pause()
            assert pilot.app.counted == 1

    run(scenario())
