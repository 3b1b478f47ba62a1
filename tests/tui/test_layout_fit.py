"""The workbench fits the terminal: maximize keeps the pane whole; narrow terminals show fewer panes, F6 switches."""

from __future__ import annotations

import asyncio

import pytest

from planner_tui.screens.workbench.fit import PANES


def run(coro):
    return asyncio.run(coro)


def shown(screen) -> list[str]:
    return [name for name in PANES if screen.fit.pane(name).display]


@pytest.mark.parametrize("pane_key", ["t", "p"])
def test_maximize_keeps_the_right_border_on_screen(drive, pane_key):
    async def scenario():
        async with drive.app().run_test(size=(120, 40)) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("escape", pane_key, "z")
            await drive.settle(pilot)
            pane = screen.maximized
            assert pane is not None and pane.id in ("discussion", "plan")
            assert pane.region.x == 0 and pane.region.right == 120  # the whole width, border included

    run(scenario())


def test_two_panes_at_80_columns_and_the_focus_shows_its_pane(drive):
    async def scenario():
        async with drive.app().run_test(size=(80, 24)) as pilot:
            screen = await drive.workbench(pilot)
            assert shown(screen) == ["discussion", "plan"]
            assert screen.query_one("#pane-tabs").display
            await pilot.press("escape", "g")  # the artifacts take the plan's place
            await drive.settle(pilot)
            assert shown(screen) == ["artifacts", "discussion"] and screen.focused is screen.artifact_pane.tree
            await pilot.press("f6")
            await drive.settle(pilot)
            assert shown(screen) == ["discussion", "plan"] and screen.plan_pane in screen.focused.ancestors

    run(scenario())


def test_one_pane_below_80_columns_f6_cycles_and_too_small_says_so(drive):
    async def scenario():
        async with drive.app().run_test(size=(60, 20)) as pilot:
            screen = await drive.workbench(pilot)
            assert shown(screen) == ["discussion"]
            await pilot.press("escape", "f6")
            await drive.settle(pilot)
            assert shown(screen) == ["plan"] and screen.plan_pane in screen.focused.ancestors
            await pilot.press("t")  # the thread's pane comes back with the focus
            await drive.settle(pilot)
            assert shown(screen) == ["discussion"]
            await pilot.resize_terminal(40, 12)
            await drive.settle(pilot)
            assert shown(screen) == []
            assert "make the terminal larger" in str(screen.query_one("#too-small").content)
            await pilot.resize_terminal(130, 40)
            await drive.settle(pilot)
            assert shown(screen) == ["artifacts", "discussion", "plan"] and not screen.query_one("#pane-tabs").display

    run(scenario())
