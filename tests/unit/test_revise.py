"""Revising a committed plan: import into a session, byte-identical rendering, untouched sections kept."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from planner_tui.core.discussion import actions
from planner_tui.core.plan.diff import section_diff
from planner_tui.core.engine import Planner
from planner_tui.core.plan.render import render_plan
from planner_tui.core.project import Project
from planner_tui.core.plan.revise import apply_baseline, import_plan, imported_digest, parse_plan_items
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
OFFLINE = "004_offline-sync"
PLAN = f".task-master/epics/{OFFLINE}/roles/03-backend.md"


@pytest.fixture(scope="module")
def demo_role(tmp_path_factory):
    root = make_demo(tmp_path_factory.mktemp("demo") / "p", git=False)
    project = Project.load(root)
    return project, project.choose_epic(OFFLINE), (root / PLAN).read_text(encoding="utf-8")


def _imported(role, text: str, title: str):
    session = actions.new_session(role, OFFLINE, NOW)
    report = import_plan(session, role, text, title, now=NOW, path=PLAN)
    return session, report


def _thread(session, topic_id):
    return [(e.kind, e.text) for e in session.topic(topic_id).entries]


def test_the_demo_plan_renders_back_byte_for_byte_without_the_baseline(demo_role):
    project, epic, text = demo_role
    session, report = _imported(project.role, text, epic.title)
    assert report.entries == 23 and report.notes == []
    assert render_plan(project.role, session, epic.title) == text
    assert apply_baseline(render_plan(project.role, session, epic.title), session) == text
    assert all(t.confirmed for t in session.topics)


def test_bullets_go_to_the_topic_owning_their_section_and_slot(demo_role):
    project, epic, text = demo_role
    session, _ = _imported(project.role, text, epic.title)
    # Domain & Data: slot 0 belongs to the domain topic, slot 1 to database changes.
    assert _thread(session, "domain-data-model")[0] == ("decision", "Device belongsTo User; SyncBatch belongsTo Device; NoteRevision belongsTo Note")
    assert _thread(session, "database-changes") == [("decision", "Migrations as in the Architect plan; no seeds, factories for Device and SyncBatch")]
    assert _thread(session, "caching-strategy")[0][1].startswith("No cache on the sync path")
    assert _thread(session, "performance-targets")[0][1].startswith("Sync applies changes with one upsert")
    assert len(_thread(session, "api-surface")) == 4
    kinds = {e.kind: e for t in session.topics for e in t.entries}
    assert kinds["risk"].text.startswith("Two batches from one device")
    assert kinds["note"].text.startswith("Photos are out of this epic")
    assert all(e.section is None for t in session.topics for e in t.entries)
    assert getattr(kinds["risk"], "origin") == f"{PLAN}:41"


HAND_WRITTEN = """# Offline Sync — Backend Plan
Written by hand before planner-tui existed.

## Domain & Data
* Device belongsTo User

* Migrations: devices, sync_batches
* A third bullet that continues
on a lazy line

## API Surface
- POST /api/sync
  with a continuation line
  - and a nested detail
- GET /api/sync/{uuid}

## Controllers & Validation
- SyncController

## Livewire/Frontend Contracts
- NoteConflict props

## Events, Jobs & Queues
- SyncBatchApplied

## Search (Meilisearch)
- Reuse the notes index

## Caching & Performance
- devices:{userId} for 5 min

## Observability
- Sentry context: device id

## Risks
1. Two batches at once

## Open Points
- Decide the retention of sync batches

## Notes
First paragraph.

```text
a fenced block

with a blank line
```
Last line without a final newline"""


def test_a_hand_written_plan_is_kept_verbatim_until_something_changes(demo_role):
    project, epic, _ = demo_role
    role = project.role
    session, report = _imported(role, HAND_WRITTEN, epic.title)
    assert any("Open Points" in note for note in report.notes)
    rendered = render_plan(role, session, epic.title)
    assert rendered != HAND_WRITTEN  # the renderer's own layout differs...
    assert apply_baseline(rendered, session) == HAND_WRITTEN  # ...but nothing changed, so the bytes are kept

    # Third Domain & Data bullet: past the last slot, so it stays with the slot-1 topic, in order.
    assert _thread(session, "database-changes") == [
        ("decision", "Migrations: devices, sync_batches"),
        ("decision", "A third bullet that continues\non a lazy line"),
    ]
    api = _thread(session, "api-surface")
    assert api[0][1] == "POST /api/sync\nwith a continuation line\n- and a nested detail"
    notes = [e.text for t in session.topics for e in t.entries if e.kind == "note"]
    assert "```text\na fenced block\n\nwith a blank line\n```\nLast line without a final newline" in notes

    # Change one decision: only that section is re-rendered; the others keep their own bytes.
    entry = session.topic("api-surface").entries[-1]
    actions.edit(session, entry.id, "GET /api/sync/{uuid} returns the stored result", now=NOW)
    revised = apply_baseline(render_plan(role, session, epic.title), session)
    changed = [c.heading for c in section_diff(HAND_WRITTEN, revised) if c.status != "unchanged"]
    assert changed == ["API Surface", "Open Points"]  # Open Points is not in the scaffold: it moved to Notes once
    assert "* Device belongsTo User\n\n* Migrations: devices, sync_batches\n" in revised
    assert revised.startswith("# Offline Sync — Backend Plan\nWritten by hand before planner-tui existed.\n")


def test_a_section_whose_heading_differs_from_the_scaffold_is_rendered_again(demo_role):
    project, epic, text = demo_role
    odd = text.replace("## Risks\n", "## risks\n")
    session, _ = _imported(project.role, odd, epic.title)
    out = apply_baseline(render_plan(project.role, session, epic.title), session)
    assert "## Risks\n- Two batches" in out and "## risks" not in out
    assert out == text  # every other section was identical anyway


def test_parse_plan_items_reports_lines_and_headings(demo_role):
    project, _, text = demo_role
    items, notes = parse_plan_items(project.role, text)
    assert notes == []
    first = items[0]
    assert (first.heading, first.line, first.text) == ("Domain & Data", 4, "Device belongsTo User; SyncBatch belongsTo Device; NoteRevision belongsTo Note")
    assert items[-1].heading == "Notes" and items[-1].line == 44


def test_import_leaves_a_session_with_entries_alone(demo_role):
    project, epic, text = demo_role
    session = actions.new_session(project.role, OFFLINE, NOW)
    actions.add_entry(session, project.role, 1, "decision", "Already discussing", now=NOW)
    report = import_plan(session, project.role, text, epic.title, now=NOW)
    assert report.entries == 0 and imported_digest(session) is None
    assert [e.text for t in session.topics for e in t.entries] == ["Already discussing"]


# --------------------------------------------------------------------------- the engine, in a real repo


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_demo(tmp_path / "demo", now=NOW.timestamp())


def test_opening_a_committed_plan_imports_it_and_a_revision_touches_one_section(repo):
    planner = Planner.open(repo, epic=OFFLINE, clock=lambda: NOW)
    assert planner.imported is not None and planner.imported.entries == 23
    assert planner.store.path.exists()
    assert planner.render() == planner.committed_plan()
    assert planner.blockers() == []
    events = planner.session.topic("events").entries
    planner.edit(events[1].id, "Both listeners queued on `sync`, 5 tries, backoff 60 s")
    outcome = planner.commit()  # no --yes: the import was the approval
    assert outcome.created
    stat = _git(repo, "show", "--numstat", "--format=", "HEAD").split()
    assert stat == ["1", "1", PLAN]
    shown = _git(repo, "show", "HEAD")
    assert "\n-- Both listeners queued on `sync`, 3 tries, backoff 30 s\n+- Both listeners queued on `sync`, 5 tries, backoff 60 s\n" in shown
    # A second revision in the same session needs no approval either (its own commit).
    planner.add("events", "decision", "NotifyConflicts mails at most once per batch")
    assert [b for b in planner.blockers() if b.kind == "overwrite"] == []
    # Reopening resumes the session; nothing is imported twice.
    again = Planner.open(repo, epic=OFFLINE, clock=lambda: NOW)
    assert again.imported is None and len(again.session.topic("events").entries) == 3


def test_a_plan_someone_else_changed_since_the_import_still_needs_approval(repo):
    planner = Planner.open(repo, epic=OFFLINE, clock=lambda: NOW)
    path = repo / PLAN
    path.write_text(path.read_text(encoding="utf-8").replace("backoff 30 s", "backoff 45 s"), encoding="utf-8")
    _git(repo, "commit", "-qam", "A colleague edits the plan")
    planner.add("events", "note", "Revisit retries after the pilot")
    kinds = [b.kind for b in planner.blockers()]
    assert "overwrite" in kinds
    assert planner.blockers(approve_overwrite=True) == []


def test_an_epic_without_a_committed_plan_starts_empty(repo):
    planner = Planner.open(repo, epic="009_photo-annotations", clock=lambda: NOW)
    assert planner.imported is None and not planner.store.path.exists()
