"""Confirming a topic with no entries asks for a one-line reason, kept as a note in the plan."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE


def test_ctrl_o_on_an_empty_topic_asks_why_and_keeps_the_reason_as_a_note(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("ctrl+o")
            await drive.settle(pilot)
            assert type(pilot.app.screen).__name__ == "PromptScreen"
            await pilot.press("escape")  # cancelled: nothing confirmed
            await drive.settle(pilot)
            assert not screen.planner.session.topic(screen.topic.id).confirmed
            await pilot.press("ctrl+o")
            await drive.settle(pilot)
            await pilot.press("enter")  # an empty reason is refused (a bell), the prompt stays
            assert type(pilot.app.screen).__name__ == "PromptScreen"
            for key in "No model changes in this epic":
                await pilot.press("space" if key == " " else key)
            await pilot.press("enter")
            await drive.settle(pilot)
            state = screen.planner.session.topic(screen.topic.id)
            assert state.confirmed and [(e.kind, e.text) for e in state.entries] == [("note", "No model changes in this epic")]
            assert "No model changes in this epic" in screen.plan_pane.text

    asyncio.run(scenario())
