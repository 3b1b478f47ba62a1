"""A new session opens on the preparation view (over the workbench), or straight on the workbench with `preparation = false`."""

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
            await drive.until(pilot, lambda: not app.preparation_due, what="the preparation view, when due")
            assert type(app.screen) is first
            # Over the workbench, which was drawn first (its after-first-frame work is not lost
            # with a preparation view closed at once).
            assert isinstance(app.screen_stack[-2 if first is PreparationScreen else -1], WorkbenchScreen)
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


def test_a_preparation_view_closed_at_once_leaves_the_workbench_checked_and_its_start_up_checks_run(drive):
    async def scenario():
        app = drive.app(preparation=True)
        async with app.run_test(size=SIZE) as pilot:
            await drive.until(pilot, lambda: isinstance(app.screen, PreparationScreen), what="preparation view")
            await pilot.press("escape")  # before the view has drawn anything of its own
            await drive.until(pilot, lambda: isinstance(app.screen, WorkbenchScreen), what="workbench")
            screen = app.screen
            await drive.until(pilot, lambda: not screen.plan_pending, what="the plan checked")
            assert app.running_marker not in (False, None)  # the start-up checks ran (crash marker written)
            assert not app.collection_paused

    asyncio.run(scenario())
