"""Pilot tests: the global search (F3, ctrl+k, the command palette) and going to what it found."""

from __future__ import annotations

import asyncio

from textual.widgets import OptionList

from workbench_kit import DEMO_EPIC, SIZE
from planner_tui.screens.search import DEBOUNCE, SearchScreen
from planner_tui.widgets.artifacts.text_view import TextLines

PRD = f".task-master/epics/{DEMO_EPIC}/04-prd.md"


def run(coro):
    return asyncio.run(coro)


async def search(drive, pilot, text: str, key: str = "f3") -> SearchScreen:
    await pilot.press(key)
    await drive.until(pilot, lambda: isinstance(pilot.app.screen, SearchScreen), what="search screen")
    screen = pilot.app.screen
    await pilot.press(*text)
    await drive.until(pilot, lambda: not screen.pending, timeout=10, what="search done")
    await pilot.pause()
    return screen


async def choose(pilot, screen: SearchScreen, index: int) -> None:
    results = screen.query_one("#search-results", OptionList)
    results.focus()
    results.highlighted = index
    await pilot.press("enter")
    await pilot.pause()


def test_search_lists_artifact_discussion_and_plan_hits_and_opens_an_artifact_at_its_line(drive):
    drive.planner().add("domain-data-model", "decision", "Originals are never rewritten")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            workbench = await drive.workbench(pilot)
            await pilot.press("escape")  # from the thread: the search opens from anywhere
            found = await search(drive, pilot, "originals")
            assert found.searched == "originals"
            kinds = {h.kind for h in found.hits}
            assert kinds == {"artifact", "session", "plan"}
            options = found.query_one("#search-results", OptionList)
            assert options.option_count == len(found.hits)
            shown = str(options.get_option_at_index(next(i for i, h in enumerate(found.hits) if h.path == PRD)).prompt)
            assert shown.startswith("file 04-prd.md:")  # below the epic folder
            assert "line" in str(found.query_one("#search-status").render())
            index = next(i for i, h in enumerate(found.hits) if h.path == PRD)
            hit = found.hits[index]
            await choose(pilot, found, index)
            assert pilot.app.screen is workbench
            document = workbench.artifact_pane.document
            area = document.query_one("#doc-text", TextLines)
            await drive.until(pilot, lambda: document.artifact.path == PRD and document.mode == "text", what="PRD at the hit")
            assert area.selection.start == (hit.line - 1, 0)
            assert "originals" in area.selected_text.lower()

    run(scenario())


def test_a_discussion_hit_goes_to_its_topic_and_entry(drive):
    agent = drive.planner()
    agent.add("domain-data-model", "note", "First topic note")
    entry = agent.add("events", "decision", "PhotoAnnotated event is queued on renders")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            workbench = await drive.workbench(pilot)
            assert workbench.topic.id == "domain-data-model"
            await pilot.press("ctrl+k")  # in the composer ctrl+k deletes to the end of the line…
            await pilot.pause()
            assert pilot.app.screen is workbench
            await pilot.press("escape")  # …from the thread it searches
            found = await search(drive, pilot, "photoannotated", key="ctrl+k")
            index = next(i for i, h in enumerate(found.hits) if h.kind == "session")
            assert found.hits[index].path == f"session:events#{entry.id}"
            await choose(pilot, found, index)
            assert workbench.topic.id == "events"
            assert workbench.thread.selected_entry.id == entry.id
            assert workbench.focused is workbench.thread

    run(scenario())


def test_a_plan_hit_scrolls_the_preview_to_it(drive):
    agent = drive.planner()
    for n in range(1, 41):  # a plan much longer than the pane
        agent.add("domain-data-model", "decision", f"Entity number {n} is kept as it is")
    agent.add("observability", "decision", "Log every render with the photo id and its duration")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            workbench = await drive.workbench(pilot)
            preview = workbench.plan_pane.preview
            start = preview.scroll_y  # on the current topic's section, near the top
            found = await search(drive, pilot, "its duration")
            index = next(i for i, h in enumerate(found.hits) if h.kind == "plan")
            await choose(pilot, found, index)
            await drive.until(pilot, lambda: preview.scroll_y > start + 10, what="preview scrolled")
            index = next(i for i, s in enumerate(preview.sections) if "its duration" in s.source)
            top, bottom = preview.scroll_y, preview.scroll_y + preview.scrollable_content_region.height
            assert top <= preview.section_start(index) + 1 <= bottom
            assert workbench.focused is preview

    run(scenario())


def test_search_says_when_nothing_matches_and_escape_keeps_the_workbench(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            workbench = await drive.workbench(pilot)
            found = await search(drive, pilot, "zebra crossing")
            assert found.hits == []
            assert "No match for 'zebra crossing'" in str(found.query_one("#search-status").render())
            await pilot.press("escape")
            assert pilot.app.screen is workbench
            # The next search starts from the last query.
            await pilot.press("f3")
            again = pilot.app.screen
            assert again.query_one("#search-input").value == "zebra crossing"

    run(scenario())


def test_typing_waits_for_a_pause_before_searching(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await pilot.press("f3")
            screen = pilot.app.screen
            await pilot.press(*"photo")
            assert screen.searched is None and screen.pending  # not yet: still typing
            await pilot.pause(DEBOUNCE * 3)
            await drive.until(pilot, lambda: not screen.pending, timeout=10, what="search done")
            assert screen.searched == "photo" and screen.hits
            assert screen._seq == 1  # five keys, one search

    run(scenario())


def test_the_command_palette_lists_the_new_commands(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            workbench = await drive.workbench(pilot)
            titles = {c.title for c in pilot.app.get_system_commands(workbench)}
            assert {"Search everything", "Switch role", "Answer in batch", "Export decision log"} <= titles

    run(scenario())
