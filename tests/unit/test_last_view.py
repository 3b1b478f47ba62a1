"""The plan as last shown is kept under `.planner-tui/cache/` and given back only while everything it was rendered from is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from workbench_kit import DEMO_EPIC

from planner_tui.core.engine import Planner
from planner_tui.core.plan import last_view
from planner_tui.core.plan.render import project_templates


def kept_file(project: Path, role: str = "03-backend") -> Path:
    return project / ".planner-tui" / "cache" / "plan-views" / DEMO_EPIC / f"{role}.json"


def opened(project: Path) -> Planner:
    return Planner.open(project, epic=DEMO_EPIC)


def test_a_kept_plan_comes_back_for_the_same_session_in_a_new_process(demo_project):
    planner = opened(demo_project)
    planner.add(1, "decision", "Photos live on the media disk.")
    text = planner.render()
    last_view.keep_shown_plan(planner, text)
    again = opened(demo_project)
    assert last_view.shown_plan(again) == text == again.render()


def test_no_kept_plan_before_one_was_kept_or_for_a_session_never_saved(demo_project):
    planner = opened(demo_project)
    assert last_view.shown_plan(planner) is None
    last_view.keep_shown_plan(planner, planner.render())  # no session file yet: its plan is kept too
    assert last_view.shown_plan(opened(demo_project)) == planner.render()


def test_a_change_to_the_session_from_anywhere_makes_the_kept_plan_unusable(demo_project):
    planner = opened(demo_project)
    planner.add(1, "decision", "Photos live on the media disk.")
    last_view.keep_shown_plan(planner, planner.render())
    other = opened(demo_project)  # another process (an agent's command) adds an entry
    other.add(2, "note", "Thumbnails are made on upload.")
    assert last_view.shown_plan(opened(demo_project)) is None


def test_an_edited_template_or_a_new_override_makes_the_kept_plan_unusable(demo_project):
    planner = opened(demo_project)
    last_view.keep_shown_plan(planner, planner.render())
    folder = project_templates(demo_project)
    folder.mkdir(parents=True)
    (folder / "notes.md.j2").write_text("{# a template another one may include #}\n")
    assert last_view.shown_plan(opened(demo_project)) is None
    last_view.keep_shown_plan(opened(demo_project), "kept with the override folder\n")
    assert last_view.shown_plan(opened(demo_project)) == "kept with the override folder\n"
    (folder / "notes.md.j2").write_text("{# edited #}\n")
    assert last_view.shown_plan(opened(demo_project)) is None
    last_view.keep_shown_plan(opened(demo_project), "kept again\n")
    (folder / "parts").mkdir()
    (folder / "parts" / "footer.md").write_text("an included file in a subfolder\n")
    assert last_view.shown_plan(opened(demo_project)) is None


def test_another_role_or_another_title_has_a_plan_of_its_own(demo_project):
    planner = opened(demo_project)
    last_view.keep_shown_plan(planner, planner.render())
    frontend = Planner.open(demo_project, epic=DEMO_EPIC, role="04-frontend")
    assert last_view.shown_plan(frontend) is None
    planner.epic.title = "Another title"
    assert last_view.shown_plan(planner) is None


def test_a_damaged_or_foreign_file_is_ignored(demo_project):
    planner = opened(demo_project)
    last_view.keep_shown_plan(planner, planner.render())
    path = kept_file(demo_project)
    data = json.loads(path.read_text())
    for bad in (b"{not json", b"[]", json.dumps({**data, "format": 99}).encode(), json.dumps({**data, "text": 7}).encode(),
                json.dumps({**data, "key": "0" * 40}).encode()):
        path.write_bytes(bad)
        assert last_view.shown_plan(opened(demo_project)) is None
