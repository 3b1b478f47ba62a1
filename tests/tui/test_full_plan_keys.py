"""The whole demo plan from the keyboard: every topic, one question flagged and answered, the commit; special keys counted."""

from __future__ import annotations

import asyncio

import pygit2
import pytest

from workbench_kit import SIZE

SPECIAL_KEYS_BEFORE = 197
"""What the same plan took before the blockers list, the keyboard modes and answered questions as decisions."""


@pytest.mark.slow
def test_the_full_demo_plan_takes_under_half_the_special_keys(drive):
    pressed: list[str] = []

    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:

            async def press(*keys: str) -> None:
                pressed.extend(keys)  # every key that is not text typed into the composer
                await pilot.press(*keys)
                await drive.settle(pilot)

            async def write(text: str) -> None:
                pilot.app.screen.composer.insert(text)  # typed letters: text, not special keys
                await press("enter")

            pressed.append("enter")  # `planner-tui demo` asks for the epic first: enter takes the newest
            pressed.append("escape")  # the preparation view a new session opens on
            screen = await drive.workbench(pilot)
            topics = screen.planner.role.topics
            for index, topic in enumerate(topics):
                assert screen.topic.id == topic.id
                await write(f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
                if index == 1:  # one decision flagged as a question, then answered
                    await press("escape", "f", "a")
                    await write("Yes: cursor pagination, 25 per page")
                if index == len(topics) - 1:
                    await press("alt+r")
                    await write("Large photos may slow the first sync.")
                await press("ctrl+o", "alt+right")
            await press("ctrl+s")
            await drive.until(pilot, lambda: type(pilot.app.screen).__name__ == "CommitDialog", what="commit dialog")
            await drive.until(pilot, lambda: not pilot.app.screen.busy, what="dialog ready")
            await press("enter")  # the Commit button has the focus
            await drive.until(pilot, lambda: pilot.app.return_value is not None, timeout=10, what="committed")
        return app.return_value

    reply = asyncio.run(scenario())
    assert reply == "The Backend role path is .task-master/epics/009_photo-annotations/roles/03-backend.md"
    repo = pygit2.Repository(str(drive.project))
    plan = (repo[repo.head.target].tree / ".task-master/epics/009_photo-annotations/roles/03-backend.md").data.decode()
    assert "Yes: cursor pagination, 25 per page (answers: API surface:" in plan  # the answered question decided
    assert len(pressed) <= SPECIAL_KEYS_BEFORE // 2, pressed
    print(f"special keys for the full demo plan: {len(pressed)}")
