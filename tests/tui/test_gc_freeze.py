"""Start-up objects are kept out of GC passes while the app runs, and released when it ends."""

from __future__ import annotations

import asyncio
import gc

from workbench_kit import SIZE


def test_startup_objects_are_frozen_while_running_and_unfrozen_after(drive):
    assert gc.get_freeze_count() == 0

    async def scenario() -> int:
        async with drive.app().run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await drive.until(pilot, lambda: gc.get_freeze_count() > 0, timeout=5, what="start-up frozen")
            # Most of the heap (modules, classes, the screen) is out of the collector's walk.
            return gc.get_freeze_count()

    frozen = asyncio.run(scenario())
    assert frozen > 10_000
    # Gone with the app: a process that runs the app again (tests, scripts) collects as usual.
    assert gc.get_freeze_count() == 0


def test_the_collector_pauses_from_make_app_until_the_first_view_and_runs_after(drive):
    assert gc.isenabled()
    app = drive.app()
    assert not gc.isenabled()  # start-up makes objects, not garbage: nothing to walk them for

    async def scenario() -> bool:
        async with app.run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            return gc.isenabled()

    try:
        assert asyncio.run(scenario())
    finally:
        gc.enable()  # whatever happened above, the next test collects as usual
    assert gc.isenabled()


def test_a_project_that_cannot_be_loaded_leaves_the_collector_running(tmp_path):
    import pytest

    from planner_tui.core.errors import PlannerError
    from planner_tui.factory import make_app

    with pytest.raises(PlannerError):
        make_app(tmp_path / "no-such-project")
    assert gc.isenabled()


def test_what_the_settled_workbench_built_is_frozen_too_and_released_after(drive):
    # A plan long enough that its lines are drawn by a worker after the first view: what that
    # builds (the sections' rows) is frozen once the plan is shown checked and fully drawn.
    agent = drive.planner()
    entry = "\n".join(f"Line {n} of a long decision about annotation storage and the sync queue." for n in range(6))
    for spec in agent.role.topics:
        for _ in range(20):
            agent.add(spec.id, "decision", entry)

    async def scenario() -> bool:
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            preview = screen.plan_pane.preview
            await drive.until(pilot, lambda: screen.plan_current and not screen.plan_pending and not preview.pending,
                              timeout=20, what="the plan shown, checked and drawn")
            await pilot.pause()
            rows = preview.sections[-2].rows  # a section below the first screen: drawn by the worker
            assert rows
            return all(obj is not rows for obj in gc.get_objects())  # a list is tracked unless frozen

    assert asyncio.run(scenario())
    assert gc.get_freeze_count() == 0


def test_full_collections_wait_for_the_first_checked_plan_and_resume_after(drive, monkeypatch):
    from planner_tui.app import PlannerApp

    original = gc.get_threshold()
    at_settle: list[tuple[int, int, int]] = []
    settle = PlannerApp.freeze_settled

    def recorded(app):
        at_settle.append(gc.get_threshold())
        settle(app)

    monkeypatch.setattr(PlannerApp, "freeze_settled", recorded)

    async def scenario() -> tuple[int, int, int]:
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, lambda: screen.plan_current and not screen.plan_pending, timeout=20, what="the plan checked")
            await pilot.pause()
            return gc.get_threshold()

    after = asyncio.run(scenario())
    # Before the first checked plan only young generations were collected; from it on, all.
    assert at_settle and at_settle[0][2] > 1_000_000 and at_settle[0][:2] == original[:2]
    assert after == original
    assert gc.get_threshold() == original


def test_garbage_left_before_settling_is_collected_not_frozen_while_a_full_pass_is_cheap(drive, monkeypatch):
    import weakref

    import planner_tui.app as app_module
    from planner_tui.app import PlannerApp

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    dead: dict[int, bool] = {}
    settle = PlannerApp.freeze_settled

    def settle_with_old_garbage(app):
        kept = Cycle()
        gc.collect(1)  # survives into the oldest generation, which only a full pass walks
        ref = weakref.ref(kept)
        del kept  # garbage now, but only a full collection finds it
        settle(app)
        dead.setdefault(app_module._FULL_PASS_OBJECTS, ref() is None)

    monkeypatch.setattr(PlannerApp, "freeze_settled", settle_with_old_garbage)

    async def scenario() -> None:
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, lambda: screen.plan_current and not screen.plan_pending, timeout=20, what="the plan checked")

    monkeypatch.setattr(app_module, "_FULL_PASS_OBJECTS", 10_000_000)  # a small heap: a full pass first
    asyncio.run(scenario())
    monkeypatch.setattr(app_module, "_FULL_PASS_OBJECTS", 0)  # a large one: young generations only
    asyncio.run(scenario())
    assert dead == {10_000_000: True, 0: False}
    gc.collect()
