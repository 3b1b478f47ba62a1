"""Pilot tests: stale citations and differences with earlier role plans are marked, block, and R settles them."""

from __future__ import annotations

import asyncio

from workbench_kit import DEMO_EPIC, SIZE
from planner_tui.core.models import Citation
from planner_tui.screens.workbench.live import LiveUpdates

PRD = f".task-master/epics/{DEMO_EPIC}/04-prd.md"


def run(coro):
    return asyncio.run(coro)


def thread_line(screen, entry_id: str) -> str:
    return next(str(o.prompt) for o in screen.thread.options if o.id == entry_id)


def section(screen, heading: str):
    return next(s for s in screen.plan_pane.preview.sections if s.heading == heading)


def test_an_entry_whose_source_changed_is_marked_blocks_and_R_reconfirms_it(drive):
    agent = drive.planner()
    entry = agent.add("domain-data-model", "decision", "Originals stay untouched", cite=Citation(path=PRD, line=4))
    prd = drive.project / PRD

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, lambda: entry.id in [o.id for o in screen.thread.options], what="entry shown")
            assert "stale" not in thread_line(screen, entry.id)
            prd.write_text(prd.read_text(encoding="utf-8") + "\n- Originals are kept for 7 years\n", encoding="utf-8")
            # What the file watcher posts when the PRD changes on disk.
            screen.post_message(LiveUpdates.FilesChanged({prd}))
            await drive.until(pilot, lambda: "⚠ stale: 04-prd.md changed" in thread_line(screen, entry.id), what="stale mark")
            await drive.settle(pilot)
            stale = [b for b in screen.blockers if b.kind == "stale"]
            assert [b.entry for b in stale] == [entry.id]
            # Behind the topic blockers in the list: the pane's title counts it.
            assert "Plan" in str(screen.plan_pane.border_title) and "⚠ 1 stale" in str(screen.plan_pane.border_title)
            # The preview marks the section after its heading; the plan text itself is untouched.
            domain = section(screen, "Domain & Data")
            assert domain.warning == "⚠ 1 stale"
            assert "⚠" not in screen.plan_text
            # R on the selected entry keeps it as it is.
            await pilot.press("escape")
            assert screen.thread.highlight_entry(entry.id)
            assert screen.thread.check_action("reconfirm", ()) is True
            await pilot.press("R")
            await drive.settle(pilot)
            await drive.until(pilot, lambda: "stale" not in thread_line(screen, entry.id), what="mark gone")
            assert not [b for b in screen.blockers if b.kind == "stale"]
            assert section(screen, "Domain & Data").warning is None
            assert str(screen.plan_pane.border_title) == "Plan"
            assert screen.thread.check_action("reconfirm", ()) is False
        assert drive.planner().stale() == []  # saved: the command line agrees

    run(scenario())


def test_a_difference_with_an_earlier_role_plan_is_marked_and_blocks_until_settled(drive):
    agent = drive.planner()
    entry = agent.add("domain-data-model", "decision", "Annotations live in the table `photo_annotation`")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, lambda: "differs from 02-architect.md" in thread_line(screen, entry.id), what="contradiction mark")
            assert "`photo_annotations`" in thread_line(screen, entry.id)
            assert "⚠ 1 contradiction" in str(screen.plan_pane.border_title)
            assert section(screen, "Domain & Data").warning == "⚠ 1 contradiction"
            against = [b for b in screen.blockers if b.entry == entry.id]
            assert against and "defines `photo_annotations`" in against[0].message
            # b goes to it like to any other blocker.
            await pilot.press("escape", "alt+right")
            await drive.settle(pilot)
            screen.blockers = [b for b in screen.blockers if b.entry == entry.id]
            await pilot.press("b")
            assert screen.topic.id == "domain-data-model"
            assert screen.thread.selected_entry.id == entry.id
            await pilot.press("R")
            await drive.settle(pilot)
            await drive.until(pilot, lambda: "differs" not in thread_line(screen, entry.id), what="settled")
            assert not [b for b in screen.blockers if b.entry == entry.id]
        assert drive.planner().contradictions() == []

    run(scenario())


def test_in_a_revised_plan_the_stale_entry_is_the_blocker_shown(drive):
    revised = "004_offline-sync"
    agent = drive.planner(revised)  # imports the committed plan: every topic confirmed
    prd = f".task-master/epics/{revised}/04-prd.md"
    entry = agent.add("api-surface", "decision", "Batches of up to 200 changes", cite=Citation(path=prd, line=3))
    (drive.project / prd).write_text("# PRD\n\nBatches of up to 500 changes.\n", encoding="utf-8")

    async def scenario():
        async with drive.app(epic=revised).run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            assert [b.kind for b in screen.blockers] == ["stale"]
            shown = screen.plan_pane.blocker_list.text
            assert "1 thing blocks the commit" in shown and f"Entry {entry.id}" in shown and "04-prd.md:3" in shown
            await pilot.press("ctrl+s")  # refused while it is stale
            await pilot.pause()
            assert type(pilot.app.screen).__name__ == "WorkbenchScreen"
            await pilot.press("escape", "b")
            assert screen.topic.id == "api-surface" and screen.thread.selected_entry.id == entry.id
            await drive.until(pilot, lambda: screen.thread.check_action("reconfirm", ()), what="mark shown")
            await pilot.press("R")
            await drive.settle(pilot)
            assert screen.blockers == []

    run(scenario())
