"""Pilot tests: a committed plan opens as a confirmed discussion, and its revision commits."""

from __future__ import annotations

import asyncio

import pygit2

from workbench_kit import SIZE

REVISED = "004_offline-sync"


def run(coro):
    return asyncio.run(coro)


def test_a_committed_plan_opens_as_its_discussion_with_every_topic_confirmed(drive):
    async def scenario():
        app = drive.app(epic=REVISED)
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            planner = screen.planner
            assert planner.imported is not None and planner.imported.entries > 10
            assert all(t.confirmed for t in planner.session.topics)
            assert len(planner.session.topics) == len(planner.role.topics)
            # The person is told where the discussion came from and what ctrl+s will do.
            said = [n for n in app._notifications if n.title == "Revising a committed plan"]
            assert said and "roles/03-backend.md" in said[0].message and "section diff" in said[0].message
            # Nothing blocks: the import is the approval of the committed text.
            assert screen.blockers == []
            assert "10/10 confirmed" in str(screen.query_one("#topic-bar").render())
            first = planner.session.topic(planner.role.topics[0].id)
            shown = [str(o.prompt) for o in screen.thread.options]
            assert len(shown) == len(first.entries)
            assert any("Device belongsTo User" in line for line in shown)
            # Rendering the untouched import gives the committed bytes back.
            assert planner.render() == planner.committed_plan()

    run(scenario())


def test_a_revised_committed_plan_shows_its_section_diff_and_commits(drive):
    async def scenario():
        app = drive.app(epic=REVISED)
        async with app.run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            before = screen.planner.committed_plan()
            await drive.write(pilot, "Conflict copies are kept for 30 days, then pruned", kind_key="alt+d")
            assert screen.blockers == []
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: type(app.screen).__name__ == "CommitDialog", what="commit dialog")
            dialog = app.screen
            await drive.until(pilot, lambda: not dialog.busy, what="dialog loaded")
            shown = "\n".join(str(w.render()) for w in dialog.query("Static"))
            assert "1 section changed" in shown
            assert "+- Conflict copies are kept for 30 days, then pruned" in shown
            await pilot.press("ctrl+s")
            await drive.until(pilot, lambda: not app.is_running, timeout=15, what="app exit after commit")
        assert app.return_value and app.return_value.endswith("roles/03-backend.md")
        repo = pygit2.Repository(str(drive.project))
        head = repo.head.peel(pygit2.Commit)
        assert head.message.startswith("Backend plan documented for Offline Sync")
        after = drive.planner(REVISED).committed_plan()
        assert after != before and "Conflict copies are kept for 30 days, then pruned" in after
        # Every other section kept its committed bytes.
        assert after.replace("- Conflict copies are kept for 30 days, then pruned\n", "") == before

    run(scenario())
