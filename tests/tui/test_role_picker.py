"""Pilot tests: F4 lists every role of the epic with its state and reopens the workbench on another one."""

from __future__ import annotations

import asyncio

from workbench_kit import DEMO_EPIC, SIZE
from planner_tui.core.engine import Planner
from planner_tui.screens.preparation import PreparationScreen
from planner_tui.dialogs.role_picker import RolePicker
from planner_tui.screens.workbench.screen import WorkbenchScreen


def run(coro):
    return asyncio.run(coro)


async def pick_role(drive, pilot, key: str) -> None:
    await pilot.press("f4")
    await drive.until(pilot, lambda: isinstance(pilot.app.screen, RolePicker) and pilot.app.screen.loaded, what="role picker")
    picker = pilot.app.screen
    keys = [k for k, _, _ in picker.roles]
    listing = picker.query_one("#role-list")
    listing.highlighted = keys.index(key)
    await pilot.press("enter")


def test_f4_lists_the_roles_with_their_state_and_marks_the_open_one(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await pilot.press("f4")
            await drive.until(pilot, lambda: isinstance(pilot.app.screen, RolePicker) and pilot.app.screen.loaded, what="role picker")
            picker = pilot.app.screen
            states = {k: s for k, _, s in picker.roles}
            assert states["01-devops"] == "committed" and states["02-architect"] == "committed"
            assert states["04-frontend"] == "not started"
            listing = picker.query_one("#role-list")
            lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
            current = next(line for line in lines if "03-backend" in line)
            assert "← open now" in current
            assert lines[0].startswith("✓ 01-devops")
            assert listing.highlighted == [k for k, _, _ in picker.roles].index("03-backend")
            await pilot.press("escape")
            assert isinstance(pilot.app.screen, WorkbenchScreen)

    run(scenario())


def test_switching_role_reopens_the_workbench_on_that_roles_own_session(drive):
    async def scenario():
        app = drive.app(preparation=True)
        async with app.run_test(size=SIZE) as pilot:
            backend = await drive.workbench(pilot)
            await drive.write(pilot, "Photos are stored on the media disk", kind_key="alt+d")
            await pick_role(drive, pilot, "04-frontend")
            # A new session: the preparation view opens first, and says which roles are done.
            await drive.until(pilot, lambda: isinstance(app.screen, PreparationScreen) and app.screen.loaded, what="preparation of the frontend role")
            roles = str(app.screen.query_one("#roles").render())
            assert "Roles of this epic" in roles
            assert "✓ 02-architect  Architect  committed" in roles
            assert "04-frontend  Frontend  not started   ← this one" in roles
            frontend = await drive.workbench(pilot)
            assert frontend is not backend
            assert frontend.planner.role.key == "04-frontend"
            assert frontend.planner.plan_path.endswith("roles/04-frontend.md")
            assert [s for s in app.screen_stack if isinstance(s, WorkbenchScreen)] == [frontend]
            assert frontend.planner.session.topics == [] or not any(t.entries for t in frontend.planner.session.topics)
            assert "Frontend plan" in str(frontend.query_one("#top-bar").render())
            await drive.write(pilot, "The photo list is a Livewire page", kind_key="alt+d")
            # And back: the backend discussion is where it was left.
            await pick_role(drive, pilot, "03-backend")
            await drive.until(pilot, lambda: isinstance(app.screen, WorkbenchScreen) and app.screen.planner.role.key == "03-backend", what="backend again")
            again = await drive.workbench(pilot)
            texts = [e.text for t in again.planner.session.topics for e in t.entries]
            assert texts == ["Photos are stored on the media disk"]
        other = Planner.open(drive.project, epic=DEMO_EPIC, role="04-frontend")
        frontend_texts = [e.text for t in other.session.topics for e in t.entries]
        assert frontend_texts == ["The photo list is a Livewire page"]

    run(scenario())


def test_choosing_the_open_role_changes_nothing(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pick_role(drive, pilot, "03-backend")
            await pilot.pause(0.2)
            assert pilot.app.screen is screen

    run(scenario())
