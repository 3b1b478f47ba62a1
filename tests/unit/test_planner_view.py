"""The engine's read-only view: a frozen copy of the session, read with the Planner's own rules."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation
from planner_tui.core.view import PlannerView
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
EPIC = "009_photo-annotations"
PRD = ".task-master/epics/009_photo-annotations/04-prd.md"


@pytest.fixture
def planner(tmp_path) -> Planner:
    return Planner.open(make_demo(tmp_path / "demo", now=NOW.timestamp()), epic=EPIC, clock=lambda: NOW)


def test_view_reads_like_the_planner(planner):
    planner.add(2, "decision", "Photos are listed with cursor pagination")
    planner.add(2, "question", "Do photos need a per-page override?")
    view = planner.view()
    assert isinstance(view, PlannerView)
    assert view.render() == planner.render()
    assert [b.message for b in view.blockers()] == [b.message for b in planner.blockers()]
    assert view.status() == planner.status()
    assert (view.project, view.epic, view.role, view.plan_path) == (planner.project, planner.epic, planner.role, planner.plan_path)
    assert view.session_path == planner.store.path and view.read_only is planner.read_only


def test_view_is_frozen_while_the_planner_changes(planner):
    planner.add(1, "note", "Before the view")
    view = planner.view()
    plan_before = view.render()
    planner.add(1, "decision", "After the view: notes keep twelve photos at most")
    assert "After the view" in planner.render()
    assert "After the view" not in view.render() and view.render() == plan_before
    texts = [e.text for t in view.session.topics for e in t.entries]
    assert texts == ["Before the view"]
    assert view.session.revision < planner.session.revision


def test_view_never_writes(planner):
    planner.add(1, "note", "Saved once")
    view = planner.view()
    revision = planner.session.revision
    with pytest.raises(PlannerError, match="read-only view"):
        view._reader.add(1, "note", "through the view")  # noqa: SLF001 - the write path must refuse
    assert planner.session.revision == revision
    assert planner.refresh() is False  # nothing reached the session file


def test_view_of_a_new_session_before_the_first_save(planner):
    assert planner.store.session is None
    view = planner.view()
    assert view.session.topics and not [e for t in view.session.topics for e in t.entries]
    assert view.render() == planner.render()
    assert not (planner.project.root / ".planner-tui").exists()  # a view never creates the state folder


def test_view_searches_the_frozen_session(planner):
    planner.add(2, "decision", "Photos are listed with cursor pagination")
    view = planner.view()
    planner.add(2, "note", "Cursor again, after the view")
    hits = view.search("cursor")
    kinds = {h.kind for h in hits}
    assert "session" in kinds and "plan" in kinds
    assert not [h for h in hits if "after the view" in h.text.lower()]
    with pytest.raises(PlannerError, match="empty"):
        view.search("  ")


def test_view_checks_read_citations_and_earlier_plans(planner):
    prd = planner.project.root / PRD
    planner.add(1, "decision", "A note holds at most 12 photos", cite=Citation(path=PRD, line=3))
    planner.add(2, "decision", "Store shapes in the `photo_annotation` table")
    view = planner.view()
    assert view.checks().stale == []
    prd.write_text(prd.read_text(encoding="utf-8") + "\nchanged\n", encoding="utf-8")
    checked = view.checks()
    [stale] = checked.stale
    assert stale.entry.text == "A note holds at most 12 photos"
    assert checked.contradictions == planner.contradictions() != []
    # The blockers name each of them: one list, one pass of checks.
    named = {b.entry for b in checked.blockers if b.kind in ("stale", "question")}
    assert {stale.entry.id, *(c.entry for c in checked.contradictions)} <= named


def test_view_is_read_from_another_thread(planner):
    planner.add(2, "decision", "Photos are listed with cursor pagination")
    view = planner.view()
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(view.render()))
    worker.start()
    planner.add(2, "decision", "Changed while the worker renders")
    worker.join(10)
    assert out and "Changed while the worker renders" not in out[0]


def test_the_workbench_snapshot_places_the_entries_once_for_the_render_and_the_checks(planner, monkeypatch):
    from planner_tui.core import report, view as view_module
    from planner_tui.core.plan import placing, readiness, render
    from planner_tui.screens.workbench.live import render_snapshot

    planner.add(1, "decision", "Store annotations in `photo_annotations`")
    planned: list[int] = []
    place = placing.place_entries

    def counted(role, session):
        planned.append(1)
        return place(role, session)

    for module in (report, view_module, readiness, render, placing):
        monkeypatch.setattr(module, "place_entries", counted)
    snapshot = render_snapshot(planner.view(), 1)
    assert snapshot.text == planner.render()
    assert [b.message for b in snapshot.blockers] == [b.message for b in planner.blockers()]
    planned.clear()
    render_snapshot(planner.view(), 2)
    assert len(planned) == 1
