"""The speed-minded widgets: a text area that opens megabytes, cached plan lines, a quiet footer."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Footer

from planner_tui.widgets.artifacts.text_view import FastTextArea, prepare_text
from planner_tui.widgets.footer import QuietFooter, shown_keys
from planner_tui.widgets.lines import LineCache


def run(coro):
    return asyncio.run(coro)


def test_a_prepared_text_shows_every_line_selects_and_scrolls():
    text = "".join(f"line {n}: photo uploaded\n" for n in range(50_000)) + "last line"
    prepared = prepare_text(text)
    assert prepared.document.line_count == 50_001 and prepared.size.width == len("line 49999: photo uploaded")
    assert prepared.wrapped.height == 50_001 and prepared.document.text is text  # one copy of the text

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield FastTextArea(id="area", read_only=True, show_line_numbers=True, soft_wrap=False)

    async def scenario():
        async with Host().run_test(size=(80, 24)) as pilot:
            area = pilot.app.query_one(FastTextArea)
            area.show_prepared(prepared)
            await pilot.pause()
            assert area.text == text and area.document.line_count == 50_001
            area.selection = ((40_000, 12), (40_000, 18))
            assert area.selected_text == "photo "
            area.scroll_cursor_visible(center=True)
            await pilot.pause()
            assert area.scroll_y > 39_000
            area.focus()
            await pilot.press("down")
            assert area.selection.end[0] == 40_001

    run(scenario())


def test_tabs_and_wide_characters_are_measured_like_textual_does():
    from textual.document._document import Document

    for text in ("a\tb\n漢字とかな\nplain", "tab\tafter\n" * 3, "ascii only\nlonger ascii line\n"):
        assert prepare_text(text).size == Document(text).get_size(4)
    assert prepare_text("漢字とかな").size.width == 10


def test_line_cache_renders_each_new_line_once():
    cache = LineCache()
    lines = ["## Heading", "- one **bold** item", "- two", "```", "- in a fence", "```"]
    first = cache.render(lines, 30)
    assert [s.text for s in first][:3] == ["Heading", "• one bold item", "• two"]
    assert cache.missing(lines + ["- three"], 30) == 1
    again = cache.render(lines + ["- three"], 30)
    assert again[: len(first)] == first and again[-1].text == "• three"
    assert "- in a fence" in [s.text for s in first]  # inside a fence: kept as written


def test_quiet_footer_rebuilds_only_when_its_keys_change():
    class Host(App[None]):
        BINDINGS = [("ctrl+k", "nothing", "Nothing")]

        def compose(self) -> ComposeResult:
            yield QuietFooter()

    async def scenario():
        async with Host().run_test() as pilot:
            footer = pilot.app.query_one(Footer)
            await pilot.pause()
            before = list(footer.children)
            keys = shown_keys(pilot.app.screen)
            assert any(key[2] == "Nothing" for key in keys)
            pilot.app.screen.refresh_bindings()
            await pilot.pause()
            assert list(footer.children) == before  # same keys: the same widgets, no rebuild

    run(scenario())
