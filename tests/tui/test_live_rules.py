"""The workbench's rule checks follow 01-forbidden.md as it changes on disk, without a restart."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE

RULES = ".cursor/commands/01-forbidden.md"
ESTIMATE_RULE = "- ❌ Never state **time estimates** of any kind (hours, days, story points, sprints).\n"
REWORDED = "- ❌ No **time estimate** may appear in a plan, not even a rough one.\n"


def test_a_reworded_rule_reaches_the_blockers_while_the_workbench_is_open(drive):
    async def scenario():
        async with drive.app(watch=True).run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            await drive.until(pilot, lambda: screen.watch_ready.is_set(), what="watcher ready")
            await drive.write(pilot, "The sync endpoint ships after about 3 days of work.")
            quoted = [b.rule or "" for b in screen.blockers if b.kind == "rule"]
            assert any("time estimates" in rule for rule in quoted), quoted

            rules = drive.project / RULES
            rules.write_text(rules.read_text(encoding="utf-8").replace(ESTIMATE_RULE, REWORDED), encoding="utf-8")
            await drive.until(
                pilot,
                lambda: any("not even a rough one" in (b.rule or "") for b in screen.blockers),
                timeout=5,
                what="the reworded rule quoted",
            )
            # The blocker's sentence, what the person reads, quotes the new wording too.
            assert any("not even a rough one" in b.message for b in screen.blockers if b.kind == "rule")

    asyncio.run(scenario())
