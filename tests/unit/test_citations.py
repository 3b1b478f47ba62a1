"""Citations: checked inside the project, stamped with the file's hash, stale when the file changes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from planner_tui.core.discussion import actions
from planner_tui.core.epic.citations import parse_cite, restamp, stale_blockers, stale_entries, stamp, staleness
from planner_tui.core.engine import Planner
from planner_tui.core.errors import TopicError
from planner_tui.core.models import Citation, EpicTask
from planner_tui.core.pack.builtin import builtin_role
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
EPIC = "009_photo-annotations"
PRD = f".task-master/epics/{EPIC}/04-prd.md"


@pytest.fixture
def root(tmp_path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "prd.md").write_text("# Invitations\n\nInvites expire after 7 days.\nOnly owners invite.\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("not in the project\n", encoding="utf-8")
    inner = tmp_path / "project"
    inner.mkdir()
    (inner / "prd.md").write_text("Line one\nLine two\n", encoding="utf-8")
    (inner / "escape.md").symlink_to(tmp_path / "outside.md")
    return inner


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_parse_cite_reads_path_and_line():
    assert parse_cite("docs/prd.md:12") == Citation(path="docs/prd.md", line=12)
    assert parse_cite("docs/prd.md") == Citation(path="docs/prd.md")
    assert parse_cite("task:12") == Citation(path="task:12")
    assert parse_cite("task:12:3") == Citation(path="task:12", line=3)


def test_stamp_records_the_hash_and_normalises_the_path(root):
    cite = stamp(root, Citation(path="./prd.md", line=2))
    assert (cite.path, cite.line, cite.sha256) == ("prd.md", 2, _sha("Line one\nLine two\n"))
    absolute = stamp(root, Citation(path=str(root / "prd.md")))
    assert absolute.path == "prd.md" and absolute.line is None


@pytest.mark.parametrize(
    ("path", "line", "words"),
    [
        ("../docs/prd.md", None, "outside the project"),
        ("escape.md", None, "outside the project"),
        ("missing.md", None, "Cannot cite missing.md"),
        ("prd.md", 3, "the file has 2 lines"),
        ("prd.md", 0, "the file has 2 lines"),
        ("", None, "names no file"),
    ],
)
def test_stamp_refuses_with_one_sentence(root, path, line, words):
    with pytest.raises(TopicError, match=words):
        stamp(root, Citation(path=path, line=line))


def test_the_epic_task_can_be_cited_by_its_pseudo_path(root):
    task = EpicTask(id=12, title="Team invitations", description="Invite people", source="tasks.json")
    cite = stamp(root, Citation(path="task:12"), [task])
    assert cite.sha256 and cite.path == "task:12"
    with pytest.raises(TopicError, match="task:13"):
        stamp(root, Citation(path="task:13"), [task])


def test_an_entry_goes_stale_when_its_file_changes_or_vanishes_and_restamp_settles_it(root):
    project_role = builtin_role("03-backend")
    session = actions.new_session(project_role, "e", NOW)
    decision = actions.add_entry(session, project_role, 1, "decision", "Invites expire", now=NOW, cite=stamp(root, Citation(path="prd.md", line=1)))
    question = actions.add_entry(session, project_role, 1, "question", "Expiry?", now=NOW, cite=stamp(root, Citation(path="prd.md")))
    assert staleness(decision, root) is None and stale_entries(session, root) == []

    (root / "prd.md").write_text("Line one\nLine two changed\n", encoding="utf-8")
    assert staleness(decision, root) == "prd.md changed since it was cited"
    assert staleness(question, root) is None  # questions are the thread, not the plan
    [blocker] = stale_blockers(project_role, stale_entries(session, root))
    assert blocker.kind == "stale" and blocker.entry == decision.id
    assert f"planner-tui reconfirm {decision.id}" in blocker.message and "prd.md:1" in blocker.message

    restamp(decision, root)
    assert staleness(decision, root) is None and decision.cite.line == 1

    (root / "prd.md").unlink()
    assert "no longer readable" in staleness(decision, root)


def test_planner_add_checks_and_stamps_and_status_reports_stale(tmp_path):
    planner = Planner.open(make_demo(tmp_path / "demo", now=NOW.timestamp()), epic=EPIC, clock=lambda: NOW)
    entry = planner.add(1, "decision", "A note holds at most 12 photos", cite=Citation(path=PRD, line=3))
    prd = planner.project.root / PRD
    assert entry.cite.sha256 == _sha(prd.read_text(encoding="utf-8"))
    with pytest.raises(TopicError, match="outside the project"):
        planner.add(1, "decision", "x", cite=Citation(path="../../etc/passwd"))
    assert len(planner.session.topic("domain-data-model").entries) == 1

    status = planner.status()
    [cite] = status["topics"][0]["citations"]
    assert cite == {"entry": entry.id, "path": PRD, "line": 3, "sha256": entry.cite.sha256, "stale": False}

    prd.write_text(prd.read_text(encoding="utf-8") + "\nA late change.\n", encoding="utf-8")
    status = planner.status()
    assert status["topics"][0]["stale"] == [entry.id] and status["topics"][0]["citations"][0]["stale"] is True
    assert any(b["kind"] == "stale" and b["entry"] == entry.id for b in status["blockers"])

    planner.reconfirm(entry.id)
    assert planner.stale() == []
    prd.write_text("Rewritten.\n", encoding="utf-8")
    assert [s.entry.id for s in planner.stale()] == [entry.id]
    planner.edit(entry.id, "A note holds at most 10 photos")
    assert planner.stale() == []
    assert planner.session.find_entry(entry.id)[1].cite.line == 3
