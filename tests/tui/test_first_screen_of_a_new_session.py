"""A new session opens on the preparation view, or straight on the workbench with `preparation = false`."""

from __future__ import annotations

import asyncio

import pytest
from workbench_kit import SIZE

from planner_tui.screens.preparation import PreparationScreen
from planner_tui.screens.workbench.screen import WorkbenchScreen


@pytest.mark.parametrize(("preparation", "first"), [(True, PreparationScreen), (False, WorkbenchScreen)])
def test_the_preparation_setting_decides_the_first_screen_and_f2_always_opens_it(drive, preparation, first):
    async def scenario():
        app = drive.app(preparation=preparation)
        async with app.run_test(size=SIZE) as pilot:
            await drive.until(pilot, lambda: isinstance(app.screen, (WorkbenchScreen, PreparationScreen)), what="first screen")
            assert type(app.screen) is first
            if first is PreparationScreen:
                await pilot.press("escape")
                await drive.until(pilot, lambda: isinstance(app.screen, WorkbenchScreen), what="workbench")
            await pilot.press("f2")
            await drive.until(pilot, lambda: isinstance(app.screen, PreparationScreen), what="preparation on F2")

    asyncio.run(scenario())


def test_a_session_that_exists_opens_on_the_workbench_whatever_the_setting(drive):
    drive.planner().add(1, "note", "Already started.")

    async def scenario():
        app = drive.app(preparation=True)
        async with app.run_test(size=SIZE) as pilot:
            await drive.until(pilot, lambda: isinstance(app.screen, WorkbenchScreen), what="workbench")
            await pilot.pause()
            assert not isinstance(app.screen, PreparationScreen)

    asyncio.run(scenario())
