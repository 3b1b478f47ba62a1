"""Search across the artifacts, the discussion and the rendered plan."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.epic.search import Hit, search_all, search_text
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
EPIC = "009_photo-annotations"


@pytest.fixture
def planner(tmp_path) -> Planner:
    return Planner.open(make_demo(tmp_path / "demo", now=NOW.timestamp()), epic=EPIC, clock=lambda: NOW)


def test_search_text_is_case_insensitive_and_numbers_lines():
    text = "First line\nthe Queue is `media`\n\x1b[31mQUEUE red\x1b[0m\n"
    assert list(search_text(text, "queue")) == [(2, "the Queue is `media`"), (3, "␛[31mQUEUE red␛[0m")]


def test_hits_in_artifacts_discussion_and_plan(planner):
    entry = planner.add(2, "decision", "Photos are listed with cursor pagination\nPage size: 25 per page for photos")
    question = planner.add(2, "question", "Do PHOTOS need a per-page override?")
    hits = search_all(planner, "per page")
    session = [h for h in hits if h.kind == "session"]
    assert session == [
        Hit(f"session:api-surface#{entry.id}", 2, "Page size: 25 per page for photos", "session"),
    ]
    plan = [h for h in hits if h.kind == "plan"]
    assert [h.path for h in plan] == [planner.plan_path] and plan[0].text == "Page size: 25 per page for photos"
    heic = search_all(planner, "heic")
    artifact_paths = {h.path for h in heic if h.kind == "artifact"}
    assert f".task-master/epics/{EPIC}/04-prd.md" in artifact_paths
    assert f".task-master/epics/{EPIC}/roles/01-devops.md" in artifact_paths
    assert any(h.path.startswith("task:") for h in heic)  # the epic task is searched too
    prd = next(h for h in heic if h.path.endswith("04-prd.md"))
    line = (planner.project.root / prd.path).read_text(encoding="utf-8").splitlines()[prd.line - 1]
    assert "heic" in line.lower() and prd.text == line.strip()
    assert str(prd) == f"{prd.path}:{prd.line}: {prd.text}"
    assert any(h.path == f"session:api-surface#{question.id}" for h in search_all(planner, "override"))


def test_limit_and_empty_text(planner):
    assert len(search_all(planner, "e", limit=7)) == 7
    with pytest.raises(PlannerError, match="empty"):
        search_all(planner, "   ")
    assert search_all(planner, "zebra-unicorn-nowhere") == []
