"""A long plan's first frame shows the lines in view; the rest arrives without moving the view."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE

from planner_tui.screens.workbench.screen import WorkbenchScreen

ENTRY = "\n".join(f"Line {n} of a long decision about annotation storage and the sync queue." for n in range(6))


def test_the_first_frame_draws_what_is_in_view_and_the_view_stays_put(drive, monkeypatch):
    agent = drive.planner()
    topics = [t.id for t in agent.role.topics]
    for topic in topics:
        for _ in range(20):
            agent.add(topic, "decision", ENTRY)
    agent.set_cursor(topics[5])  # the workbench reopens on topic 6: its section is scrolled to the top

    frames: list[tuple[bool, bool]] = []
    original = WorkbenchScreen._compositor_refresh

    def recorded(screen):
        original(screen)
        preview = screen.plan_pane.preview
        frames.append((preview.pending, preview.lines_on_screen))

    monkeypatch.setattr(WorkbenchScreen, "_compositor_refresh", recorded)

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            preview = screen.plan_pane.preview
            await drive.until(pilot, lambda: not preview.pending, timeout=10, what="all lines rendered")
            await pilot.pause()
            current = next(i for i, s in enumerate(preview.sections) if s.has_class("-current"))
            assert preview.scroll_offset.y == preview.section_start(current)
            assert preview.lines_on_screen

    asyncio.run(scenario())
    assert frames, "no workbench frame was drawn"
    assert frames[0][1], "the first frame showed headings standing in for the plan's lines"
    assert any(pending for pending, _ in frames), "a plan this long renders the rest in a worker"


def test_lines_a_replaced_worker_made_are_kept_and_the_newer_worker_finishes_the_layout(drive):
    from planner_tui.widgets.lines import LineCache
    from planner_tui.widgets.plan.pane import PlanPreview

    lines = [f"- Partial line {n} rendered before a newer layout took over" for n in range(200)]

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            preview = screen.plan_pane.preview
            await drive.until(pilot, lambda: not preview.pending, timeout=10, what="first lines rendered")
            width = preview.scrollable_content_region.width - 2
            made = LineCache()
            assert not made.fill(lines, width, known=LineCache(), stop=lambda: True)  # given up after a few
            kept = len(lines) - made.missing(lines, width)
            assert 0 < kept < len(lines)
            preview.pending = True  # a newer worker is still rendering
            preview.post_message(PlanPreview.Rendered(made, width, complete=False))
            await pilot.pause()
            assert preview._cache.missing(lines, width) == len(lines) - kept  # what it made is the pane's now
            assert preview.pending  # the newer worker's layout is still to come
            preview.post_message(PlanPreview.Rendered(LineCache(), width))
            await pilot.pause()
            assert not preview.pending

    asyncio.run(scenario())
