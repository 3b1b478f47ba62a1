"""Snapshot tests of the workbench on the demo project (epic 009), each built through make_app."""

from __future__ import annotations

from workbench_kit import WIDE_SIZE


def test_fresh_session(drive, snap_compare):
    """A new session after the preparation view was closed: topic 1 of 10 "not started", the
    epic task rendered on the left, an empty thread with the topic's text as a hint, the
    composer (Decision) focused, 19 blockers above a plan of empty scaffold headings."""
    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=drive.workbench)


def test_mid_discussion_with_an_open_question(drive, snap_compare):
    """Topic 1 with a decision, an agent's note, an answered question (#1 ✓ with its answer
    → #1) and an open question #2 in bold; the topic bar shows 1●?1; the checklist has
    entities ticked; the Domain & Data section of the plan is highlighted and filled."""
    agent = drive.planner()
    agent.add("domain-data-model", "note", "The PRD keeps originals untouched (04-prd.md).")

    async def run_before(pilot):
        await drive.workbench(pilot)
        await drive.write(pilot, "Entities: Photo, Annotation, AnnotationRevision", kind_key="alt+d")
        await drive.write(pilot, "Keep every revision of an annotation?", kind_key="alt+q")
        await drive.write(pilot, "#1 Yes: a new revision per save", kind_key="alt+d")
        await drive.write(pilot, "Who may delete a photo with annotations?", kind_key="alt+q")
        await pilot.press("escape")
        await drive.settle(pilot)

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_commit_blocked(drive, snap_compare):
    """ctrl+s on topic 5 while topics 2-10 are unconfirmed: the "Not ready to commit" toast gives
    the count the blockers list gives, and the focus is on that list; the workbench stays open."""

    async def run_before(pilot):
        await drive.workbench(pilot)
        await drive.write(pilot, "Entities Photo and Annotation; relationships: Photo has many", kind_key="alt+d")
        await pilot.press("ctrl+o", "alt+right", "alt+right", "alt+right", "alt+right")
        await drive.settle(pilot)
        pilot.app.clear_notifications()  # "Topic 1 confirmed." times out sooner or later: not in the picture
        await pilot.press("ctrl+s")
        await drive.settle(pilot)  # the toast comes once the queued changes are saved

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_ready_to_commit(drive, snap_compare):
    """A session with every topic decided and confirmed, reopened: 10/10 ✓ chips, "✓ Nothing blocks
    the commit" above the filled plan, on topic 1."""
    drive.ready()

    async def run_before(pilot):
        await drive.workbench(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)


def test_help_screen(drive, snap_compare):
    """F1 over the workbench with the composer focused: the keys grouped as Everywhere, Workbench,
    Composer, Thread and Find box; ● marks the ones active now; keymap ids in the last column."""

    async def run_before(pilot):
        await drive.workbench(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(drive.app(), terminal_size=WIDE_SIZE, run_before=run_before)
