"""Pilot tests: `c` in the document viewer cites a line, the thread shows it, `o` opens it again."""

from __future__ import annotations

import asyncio

from workbench_kit import DEMO_EPIC, SIZE, WIDE_SIZE
from planner_tui.core.models import Citation
from planner_tui.widgets.artifacts.text_view import TextLines
from planner_tui.widgets.textstyle import markdown_line

EPIC_DIR = f".task-master/epics/{DEMO_EPIC}"
DIAGRAM = f"{EPIC_DIR}/diagrams/data-model.mmd"
PRD = f"{EPIC_DIR}/04-prd.md"


def run(coro):
    return asyncio.run(coro)


async def open_in_viewer(drive, pilot, screen, path: str):
    """Select the artifact in the tree and press enter: it is shown and the viewer has focus."""
    await pilot.press("escape", "g")
    tree = screen.artifact_pane.tree
    assert tree.select_path(path)
    await pilot.press("enter")
    document = screen.artifact_pane.document
    await drive.until(pilot, lambda: document.artifact.path == path and document._loaded, what=f"{path} shown")
    await drive.until(pilot, lambda: screen.focused is not None and document in screen.focused.ancestors_with_self, what=f"viewer focused {screen.focused}")
    return document


def test_c_cites_the_cursor_line_and_the_entry_carries_it(drive):
    async def scenario():
        async with drive.app().run_test(size=WIDE_SIZE) as pilot:
            screen = await drive.workbench(pilot)
            document = await open_in_viewer(drive, pilot, screen, DIAGRAM)
            assert document.mode == "text"  # a mermaid file is shown as lines
            area = document.query_one("#doc-text", TextLines)
            await pilot.press("down", "down", "down")
            assert area.cursor_location[0] == 3
            await pilot.press("c")
            composer = screen.composer
            assert composer.cite == Citation(path=DIAGRAM, line=4)
            assert screen.focused is composer  # straight on to writing the entry
            assert composer.border_subtitle.startswith("cites diagrams/data-model.mmd:4 · alt+c drops · TYPING")
            await pilot.press(*"Annotations belong to a note photo")
            await pilot.press("enter")
            await drive.settle(pilot)
            entry = screen.planner.session.topic(screen.topic.id).entries[-1]
            assert entry.text == "Annotations belong to a note photo"
            assert (entry.cite.path, entry.cite.line) == (DIAGRAM, 4)
            assert entry.cite.sha256  # the file's hash as of now: the entry can go stale later
            assert composer.cite is None and composer.border_subtitle.startswith("TYPING · enter add · ctrl+j new line")
            line = next(str(o.prompt) for o in screen.thread.options if o.id == entry.id)
            assert "↗ diagrams/data-model.mmd:4" in line

    run(scenario())


def test_c_in_a_rendered_view_cites_the_top_line_shown(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            document = await open_in_viewer(drive, pilot, screen, PRD)
            assert document.mode == "markdown"
            await pilot.press("c")
            assert screen.composer.cite == Citation(path=PRD, line=1)
            await pilot.press("escape", "escape", "g")  # back to the viewer, scrolled down this time
            await pilot.press("enter")
            view = document.query_one("#doc-md")
            await drive.until(pilot, lambda: screen.focused is view, what="viewer focused")
            view.scroll_to(y=12, animate=False)
            await pilot.pause()
            await pilot.press("c")
            line = screen.composer.cite.line
            assert line > 1
            # The cited line is the one drawn at the top of the view (the first with text on screen).
            cited = document.text.split("\n")[line - 1]
            assert cited.strip()
            first_row = next(row for row in view.shown_text().split("\n") if row.strip())
            assert first_row.strip() in markdown_line(cited)[0].plain
            said = [n.message for n in pilot.app._notifications if n.title == "Citation"][-1]
            assert said.startswith(f"The next new entry cites 04-prd.md:{line}: {cited.strip()[:40]}")

    run(scenario())


def test_o_opens_the_cited_line_and_escape_goes_back_to_the_rendered_view(drive):
    agent = drive.planner()
    cited = agent.add("domain-data-model", "decision", "Originals stay untouched", cite=Citation(path=PRD, line=4))

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape")  # to the thread
            assert screen.thread.highlight_entry(cited.id)
            await pilot.press("o")
            document = screen.artifact_pane.document
            area = document.query_one("#doc-text", TextLines)
            await drive.until(pilot, lambda: document.artifact.path == PRD and document.mode == "text", what="PRD at the line")
            assert area.selection.start == (3, 0)
            assert area.selected_text == document.text.split("\n")[3]
            assert "Originals stay untouched" in area.selected_text
            assert screen.focused is area
            await pilot.press("escape")
            assert document.mode == "markdown"  # the PRD is small: back to its rendered view
            # `o` is only offered on an entry that cites something.
            await pilot.press("t")
            await drive.write(pilot, "A note without a source", kind_key="alt+n")
            await pilot.press("escape")
            assert screen.thread.selected_entry.cite is None
            assert screen.thread.check_action("open_cite", ()) is False

    run(scenario())


def test_the_chip_waits_for_a_new_entry_and_alt_c_drops_it(drive):
    agent = drive.planner()
    agent.add("domain-data-model", "question", "Keep every revision?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            composer = screen.composer
            composer.cite_line(Citation(path=PRD, line=4))
            await pilot.pause()
            await drive.write(pilot, "#1 Yes, the last 20")  # an answer: it cannot carry a citation
            state = screen.planner.session.topic("domain-data-model")
            assert state.entries[-1].kind == "answer" and state.entries[-1].cite is None
            assert composer.cite == Citation(path=PRD, line=4)  # still waiting for a new entry
            await pilot.press("alt+c")
            assert composer.cite is None
            assert composer.border_subtitle.startswith("TYPING · enter add · ctrl+j new line")

    run(scenario())


def test_a_refused_citation_gives_back_the_text_and_the_chip(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            composer = screen.composer
            wrong = Citation(path=PRD, line=999)
            composer.cite_line(wrong)
            await drive.write(pilot, "Cites a line that is not there", kind_key="alt+d")
            assert composer.text == "Cites a line that is not there"
            assert composer.cite == wrong
            assert screen.planner.session.topic("domain-data-model") is None or not screen.planner.session.topic("domain-data-model").entries
            refused = [n.message for n in pilot.app._notifications if n.title == "Not done"]
            assert refused and "Cannot cite" in refused[-1] and "999" in refused[-1]

    run(scenario())
