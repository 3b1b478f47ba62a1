"""The blockers list: every blocker, grouped, focusable and scrollable, one count everywhere, enter goes there."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE

from planner_tui.core.plan.blocker_groups import blocking, count_line


def run(coro):
    return asyncio.run(coro)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def test_every_blocker_is_listed_grouped_with_one_count(drive):
    agent = drive.planner()
    agent.add("api-surface", "question", "Cursor or offset pagination?")
    agent.add("api-surface", "question", "Rate limit per user?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            stops = blocking(screen.planner.blockers())
            shown = screen.plan_pane.blocker_list.text
            assert f"{len(stops)} things block the commit" in shown
            assert "more" not in shown  # nothing hidden behind "… and N more"
            for blocker in stops:
                assert blocker.message in shown
            # Open questions first, under their group's heading, numbered as the thread numbers them.
            groups = [line for line in shown.split("\n")[1:] if not line.startswith("•")]
            assert groups == ["Open questions", "Unconfirmed topics", "The plan"]
            assert "Open question #1 in topic 2" in shown and "Open question #2 in topic 2" in shown
            # ctrl+s says the same count and puts the focus on the list.
            await pilot.press("ctrl+s")
            await drive.settle(pilot)
            assert type(pilot.app.screen).__name__ == "WorkbenchScreen"
            assert notes(pilot.app)[-1].startswith(f"{len(stops)} things block the commit")
            items = screen.plan_pane.blocker_list.items
            assert screen.focused is items
            # The list scrolls: the last blocker can be reached with the keys.
            await pilot.press("end")
            await pilot.pause()
            assert items.highlighted == items.option_count - 1
            assert items.scroll_offset.y > 0 or items.max_scroll_y == 0

    run(scenario())


def test_enter_on_a_blocker_goes_to_its_topic_and_selects_the_entry(drive):
    agent = drive.planner()
    question = agent.add(6, "question", "Cache rendered annotations?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", "ctrl+s")  # from the thread, then commit: blocked
            await drive.settle(pilot)
            await pilot.press("enter")  # the first blocker: the open question
            await drive.settle(pilot)
            assert screen.topic.number == 6
            assert screen.focused is screen.thread and screen.thread.selected_entry.id == question.id
            # `b` on the list goes to the highlighted blocker, as enter does.
            screen.plan_pane.blocker_list.focus_list()
            await pilot.press("down")  # over the "Unconfirmed topics" heading (it cannot be chosen)
            await pilot.pause()
            await pilot.press("b")
            await drive.settle(pilot)
            assert screen.topic.id == screen.planner.role.topics[0].id

    run(scenario())


def test_one_blocker_reads_one_thing_blocks():
    from planner_tui.core.models import Blocker

    one = [Blocker(kind="topic", message="Topic 1 of 1 is not confirmed.", topic="a")]
    assert count_line(one) == "1 thing blocks the commit"
    overwrite = Blocker(kind="overwrite", message="would be overwritten")
    assert count_line(one + [overwrite]) == "1 thing blocks the commit"  # approved in the commit dialog
    assert count_line([overwrite]) == "Nothing blocks the commit"


def test_blockers_known_so_far_say_the_rest_is_still_being_checked_and_never_tick():
    from textual.app import App, ComposeResult

    from planner_tui.core.models import Blocker
    from planner_tui.widgets.plan.blockers import BlockerList

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield BlockerList(id="blockers")

    topic = Blocker(kind="topic", message="Topic 1 of 10, Domain, is not confirmed.", topic="domain")

    async def scenario():
        async with Host().run_test(size=(100, 20)) as pilot:
            listed = pilot.app.query_one(BlockerList)
            listed.show([], checking=True)  # the first frame's: nothing known yet beyond the session
            await pilot.pause()
            assert listed.text.startswith("… Nothing blocks the commit so far")
            assert "still checking rules, citations, earlier plans and git" in listed.text
            assert "ctrl+s commits" not in listed.text and "✓" not in listed.text
            listed.show([topic], checking=True)
            await pilot.pause()
            assert listed.text.startswith("… 1 thing blocks the commit so far") and topic.message in listed.text
            listed.show([], checking=False)  # every check answered
            await pilot.pause()
            assert listed.text.startswith("✓ Nothing blocks the commit: ctrl+s commits.")

    run(scenario())
