"""The workbench keeps the plan it shows when it closes; the next start draws its first view from it (no render on the UI thread), and the worker's render confirms it."""

from __future__ import annotations

import asyncio
import threading

from workbench_kit import SIZE

import planner_tui.core.engine as engine
from planner_tui.core.plan import last_view


def test_the_plan_shown_at_close_is_the_next_starts_first_view(drive, monkeypatch):
    drive.planner().add(1, "decision", "Photos live on the media disk.")
    rendered_on: list[str] = []
    real_render = engine.render_plan

    def render_plan(*args, **kwargs):
        rendered_on.append(threading.current_thread().name)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(engine, "render_plan", render_plan)

    async def run_once() -> str:
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            shown = screen.plan_text
        return shown

    first = asyncio.run(run_once())
    assert threading.main_thread().name in rendered_on  # nothing kept yet: the first view rendered it
    assert last_view.shown_plan(drive.planner()) == first  # kept when the workbench closed

    rendered_on.clear()
    second = asyncio.run(run_once())
    assert second == first
    assert rendered_on and threading.main_thread().name not in rendered_on  # only the worker's checked render


def test_a_plan_changed_by_an_agent_meanwhile_is_rendered_again_for_the_first_view(drive, monkeypatch):
    drive.planner().add(1, "decision", "Photos live on the media disk.")
    first_views: list[str] = []
    real_render = engine.render_plan

    def render_plan(*args, **kwargs):
        text = real_render(*args, **kwargs)
        if threading.current_thread() is threading.main_thread():
            first_views.append(text)
        return text

    monkeypatch.setattr(engine, "render_plan", render_plan)

    async def run_once() -> str:
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            return screen.plan_text

    first = asyncio.run(run_once())
    drive.planner().add(1, "note", "Thumbnails are made on upload.")  # another process, between two starts
    second = asyncio.run(run_once())
    assert "Thumbnails are made on upload." in second and "Thumbnails" not in first
    assert len(first_views) == 2 and first_views[-1] == second == drive.planner().render()
