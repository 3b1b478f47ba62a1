"""Pilot tests of committing (blocked and successful), quitting, live reload and run_workbench."""

from __future__ import annotations

import asyncio

import pygit2

from workbench_kit import SIZE


def run(coro):
    return asyncio.run(coro)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def test_commit_while_blocked_says_why_and_b_goes_to_the_blocking_topic(drive):
    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            topics = screen.planner.role.topics
            await drive.write(pilot, "Entities Photo and Annotation; relationships: Photo has many", kind_key="alt+d")
            await pilot.press("ctrl+o")
            await pilot.press("alt+right", "alt+right", "alt+right", "alt+right")
            assert screen.topic.id == topics[4].id
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert type(pilot.app.screen).__name__ == "WorkbenchScreen"  # no dialog while blocked
            message = notes(pilot.app)[-1]
            assert message.startswith(f"{len(screen.blockers)} things block the commit")
            assert "Topic 2 of 10, API surface, is not confirmed." in screen.plan_pane.blocker_list.text
            await pilot.press("escape", "b")  # from the list: b goes to the first blocker's topic
            await drive.settle(pilot)
            assert screen.topic.id == topics[1].id

    run(scenario())


def test_quit_keys_and_what_they_leave_behind(drive):
    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Photos on S3", kind_key="alt+d")
            await pilot.press("q")  # typed, not quit: the composer has focus
            assert screen.composer.text == "q"
            await pilot.press("escape", "q")
            await pilot.pause()
        assert app.return_value is None
        # Everything was saved as it happened: a new Planner sees the entry.
        [entry] = drive.planner().session.topics[0].entries
        assert entry.text == "Photos on S3"

    run(scenario())


def test_ctrl_q_quits_even_while_typing(drive):
    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            await drive.workbench(pilot)
            await pilot.press("h", "i", "ctrl+q")
            await pilot.pause()
            assert not app.is_running
        assert app.return_value is None

    run(scenario())


def test_ready_plan_commits_and_the_app_returns_the_reply_line(drive):
    drive.ready()  # typed through the keys in test_full_plan_keys

    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            assert screen.blockers == []
            assert "Nothing blocks the commit" in screen.plan_pane.blocker_list.text
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: type(app.screen).__name__ == "CommitDialog", what="commit dialog")
            dialog = app.screen
            await drive.until(pilot, lambda: not dialog.busy, what="dialog loaded")
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: not app.is_running, timeout=15, what="app exit after commit")
        reply = drive.planner().reply()
        assert app.return_value == reply
        assert reply.startswith("The Backend role path is ") and reply.endswith("roles/03-backend.md")
        repo = pygit2.Repository(str(drive.project))
        head = repo.head.peel(pygit2.Commit)
        assert head.message.startswith("Backend plan documented for")
        plan = (drive.project / drive.planner().plan_path).read_text(encoding="utf-8")
        assert "Large photos may slow the first sync." in plan

    run(scenario())


def test_cancelled_commit_dialog_returns_to_the_workbench(drive):
    drive.ready()

    async def scenario():
        app = drive.app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: type(app.screen).__name__ == "CommitDialog", what="commit dialog")
            await drive.until(pilot, lambda: not app.screen.busy, what="dialog loaded")
            await pilot.press("escape")
            await drive.until(pilot, lambda: app.screen is screen, what="back on the workbench")
            assert app.is_running
        assert app.return_value is None

    run(scenario())


def test_an_agents_entry_appears_live_and_the_composer_keeps_its_text(drive):
    async def scenario():
        async with drive.app(poll_interval=0.2).run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.write(pilot, "Photos on S3", kind_key="alt+d")
            await pilot.press(*"half a thought")
            agent = drive.planner()
            agent.add(screen.topic.id, "question", "Should annotations be versioned?")
            thread = screen.thread

            def shown() -> bool:
                return any("Should annotations be versioned?" in str(o.prompt) for o in thread.options)

            await drive.until(pilot, shown, timeout=3, what="agent's entry in the thread")
            assert screen.composer.text == "half a thought"
            assert screen.focused is screen.composer
            assert "?1" in str(screen.query_one("#topic-bar").render())
            # And the other way: the person answers, the agent's Planner reads it.
            await pilot.press("ctrl+a", "ctrl+k")  # clear the line the TextArea way
            await drive.write(pilot, "#1 Yes, every save is a revision", kind_key="alt+d")
            agent.refresh()
            question = next(e for e in agent.session.topic(screen.topic.id).entries if e.kind == "question")
            assert question.status == "answered"

    run(scenario())


def test_run_workbench_prints_one_sentence_when_the_project_cannot_load(tmp_path, capsys):
    from planner_tui.factory import run_workbench

    empty = tmp_path / "nothing"
    empty.mkdir()
    code = run_workbench(project=empty)
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner-tui: ")


def test_make_app_opens_the_picker_when_several_epics_and_none_named(drive):
    async def scenario():
        app = drive.app(epic=None)
        assert app.planner is None
        async with app.run_test(size=SIZE) as pilot:
            await drive.until(pilot, lambda: type(app.screen).__name__ == "EpicPicker", what="epic picker")
            await pilot.press("enter")  # the newest epic is first
            screen = await drive.workbench(pilot)
            assert screen.planner.epic.folder == "009_photo-annotations"

    run(scenario())
