"""Snapshots at 80x24, 120x40 and 200x50: the workbench, the blockers list and maximize; the small dialogs at 80x24."""

from __future__ import annotations


import pytest

SIZES = [(80, 24), (120, 40), (200, 50)]



def _with_question(drive):
    agent = drive.planner()
    agent.add("domain-data-model", "decision", "Entities: Photo, Annotation")
    return agent.add("domain-data-model", "question", "Keep every revision of an annotation?")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workbench(drive, snap_compare, size):
    """Three panes from 120 columns (footer led by TYPING, the composer focused); at 80x24 the
    discussion and the plan, the pane line above them says F6 switches; the top bar ends in …"""
    _with_question(drive)
    assert snap_compare(drive.app(), terminal_size=size, run_before=drive.workbench)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_blockers_list(drive, snap_compare, size):
    """ctrl+s while blocked: the toast gives the count, the focus is on the blockers list, grouped
    (Open questions first, #1 named as in the thread), every blocker there, scrollable."""
    _with_question(drive)

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("escape", "ctrl+s")
        await drive.settle(pilot)

    assert snap_compare(drive.app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_maximized_discussion(drive, snap_compare, size):
    """`z` on the thread: the discussion takes the whole screen, its right border drawn."""
    _with_question(drive)

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("escape", "z")
        await drive.settle(pilot)

    assert snap_compare(drive.app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("key", ["delete", "x", "B"])
def test_small_dialog_at_80x24(drive, snap_compare, key):
    """On the open question: remove asks yes/no (Keep focused), drop asks for a reason, B lists
    the open questions by #N; each dialog fits and shows its own keys in the footer."""
    question = _with_question(drive)

    async def run_before(pilot):
        screen = await drive.workbench(pilot)
        await pilot.press("escape")
        screen.thread.highlight_entry(question.id)
        await pilot.press(key)
        await drive.settle(pilot)
        await drive.until(pilot, lambda: pilot.app.screen is not screen, what="dialog")
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=(80, 24), run_before=run_before)
