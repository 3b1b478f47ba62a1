"""Snapshot tests of the tool screens (batch answers, roles, search, stale marks) on the demo project (epic 009), built through make_app."""

from __future__ import annotations



from workbench_kit import DEMO_EPIC, WIDE_SIZE
from planner_tui.core.models import Citation

PRD = f".task-master/epics/{DEMO_EPIC}/04-prd.md"



async def until(drive, pilot, predicate, what: str) -> None:
    await drive.until(pilot, predicate, timeout=10, what=what)


def test_search_screen_with_hits(drive, snap_compare):
    """F3, "originals": the epic task, the idea, the PRD and the devops plan hold it (cyan `file`
    lines, paths below the epic folder), the agent's note in the discussion (magenta `talk`), the
    plan's Notes (green `plan`); "6 lines hold 'originals'" above the list, the first hit
    highlighted."""
    drive.planner().add("domain-data-model", "note", "The originals are never rewritten")

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("f3", *"originals")
        screen = pilot.app.screen
        await until(drive, pilot, lambda: not screen.pending, "search done")
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_stale_and_contradicting_entries(drive, snap_compare):
    """Topic 1 with the thread focused: e-000001 cites 04-prd.md:4 (underlined ↗ link) and is marked
    "⚠ stale: 04-prd.md changed"; e-000002 names `photo_annotation` and is marked "⚠ differs from
    02-architect.md:13: `photo_annotations`"; the plan pane's title says "⚠ 1 stale · 1 contradiction",
    the Domain & Data heading is followed by "⚠ 1 stale · 1 contradiction"; the footer offers o and R; the composer's
    border shows the chip "cites 04-prd.md:12"."""
    agent = drive.planner()
    agent.add("domain-data-model", "decision", "Originals stay untouched", cite=Citation(path=PRD, line=4))
    agent.add("domain-data-model", "decision", "Annotations live in the table `photo_annotation`")
    prd = drive.project / PRD
    prd.write_text(prd.read_text(encoding="utf-8") + "\n- Originals are kept for 7 years\n", encoding="utf-8")

    async def run_before(pilot):
        screen = await drive.workbench(pilot)
        await until(drive, pilot, lambda: len(screen.thread.marks) == 2, "marks")
        screen.composer.cite_line(Citation(path=PRD, line=12))
        await pilot.press("escape")
        screen.thread.highlight_entry("e-000001")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_batch_answer_dialog(drive, snap_compare):
    """B on topic 1 with three open questions: the numbered list, the help line, two answers typed
    ("2: cursor pagination, 25 per page", "3: only the uploader"), ctrl+s and escape in the border."""
    agent = drive.planner()
    for text in ("Keep every revision of an annotation?", "How are photo lists paginated?", "Who may delete a photo?"):
        agent.add("domain-data-model", "question", text)

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("escape", "B")
        await until(drive, pilot, lambda: type(pilot.app.screen).__name__ == "BatchAnswerScreen", "batch dialog")
        await pilot.press(*"2: cursor pagination, 25 per page", "enter", *"3: only the uploader")
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_role_picker(drive, snap_compare):
    """F4: the six roles of the demo pack for epic 009: devops and architect ✓ committed, backend
    "… in discussion ← open now" (highlighted), frontend, test and lead "· not started"."""
    drive.planner().add("domain-data-model", "note", "Started")

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("f4")
        await until(drive, pilot, lambda: getattr(pilot.app.screen, "loaded", False) and type(pilot.app.screen).__name__ == "RolePicker", "roles")
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)
