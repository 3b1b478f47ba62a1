"""Plan templates: a project's own template overrides the bundled one, `check` names the one used,
and the bundled ones ship inside the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from planner_tui.cli.main import main
from planner_tui.core.engine import Planner
from planner_tui.core.plan.render import packaged_templates, project_templates, template_source
from planner_tui.demo import make_demo

REPO = Path(__file__).resolve().parents[2]
EPIC = "009_photo-annotations"

# Extends the bundled generic layout and changes one block: the headings stay the scaffold's.
OVERRIDE = """{% extends "plan.md.j2" %}
{% block title %}
{{ title }}

_Planned with the Fieldnote house template._
{% endblock %}
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return make_demo(tmp_path_factory.mktemp("demo") / "fieldnote", git=False)


def _override(project: Path, name: str = "03-backend.md.j2", text: str = OVERRIDE) -> Path:
    folder = project_templates(project)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _check(capsys, project: Path, *args: str) -> str:
    main(["--project", str(project), "--epic", EPIC, "check", *args])
    return capsys.readouterr().out


def test_without_an_override_the_bundled_template_is_used_and_check_says_so(capsys, demo):
    planner = Planner.open(demo, epic=EPIC)
    assert "house template" not in planner.render()
    assert template_source(planner.role, project_templates(demo)) == (packaged_templates() / "03-backend.md.j2", False)
    text = _check(capsys, demo)
    assert f"Plan template: {packaged_templates() / '03-backend.md.j2'} (bundled)" in text
    data = json.loads(_check(capsys, demo, "--json"))
    assert data["template"] == {"path": str(packaged_templates() / "03-backend.md.j2"), "source": "bundled"}


def test_the_projects_template_overrides_the_bundled_one_in_render_and_check(capsys, tmp_path):
    project = make_demo(tmp_path / "fieldnote", git=False)
    path = _override(project)
    planner = Planner.open(project, epic=EPIC)
    plan = planner.render()
    assert plan.splitlines()[2] == "_Planned with the Fieldnote house template._"
    assert not [b for b in planner.blockers() if b.kind == "template"]  # still the scaffold's outline
    assert "Plan template: .planner-tui/templates/03-backend.md.j2 (the project's own)" in _check(capsys, project)
    assert json.loads(_check(capsys, project, "--json"))["template"] == {
        "path": ".planner-tui/templates/03-backend.md.j2",
        "source": "project",
    }
    # Edited while a planner is open: the next render uses the new text.
    path.write_text(OVERRIDE.replace("house template", "revised house template"), encoding="utf-8")
    assert "revised house template" in planner.render()


def test_a_projects_generic_template_serves_roles_without_their_own(tmp_path):
    project = make_demo(tmp_path / "fieldnote", git=False)
    _override(project, "plan.md.j2", (packaged_templates() / "plan.md.j2").read_text(encoding="utf-8") + "{# ours #}")
    planner = Planner.open(project, epic=EPIC)
    # The backend role has a bundled template of its own, which wins over any generic one.
    assert template_source(planner.role, project_templates(project)) == (packaged_templates() / "03-backend.md.j2", False)
    frontend = Planner.open(project, epic=EPIC, role="frontend")
    assert template_source(frontend.role, project_templates(project))[1] is False  # bundled 04-frontend.md.j2
    planner.role = planner.role.model_copy(update={"key": "07-odd"})
    assert template_source(planner.role, project_templates(project)) == (project_templates(project) / "plan.md.j2", True)


# A section body laid out item by item, as a project's own template may do it.
ITEM_BY_ITEM = """{% extends "plan.md.j2" %}
{% block section_body scoped %}
{% for item in section.items %}
{{ "\n" if section.prose and not loop.first else "" }}{{ item }}
{% endfor %}
{% endblock %}
"""


def test_a_template_laying_out_the_items_one_by_one_prints_what_the_bundled_body_prints(tmp_path):
    project = make_demo(tmp_path / "fieldnote", git=False)
    planner = Planner.open(project, epic=EPIC)
    for text in ("Store annotations in `photo_annotations`.", "Index photo_id.\n\n  and author_id"):
        planner.add(1, "decision", text)
    for text in ("Keep revisions for audit.", "Nothing is deleted.\n\nNot even by admins."):
        planner.add(2, "note", text)
    bundled = planner.render()
    assert "- Index photo_id." in bundled and "Keep revisions for audit.\n\nNothing is deleted." in bundled
    _override(project, text=ITEM_BY_ITEM)
    assert planner.render() == bundled


@pytest.mark.slow
def test_the_wheel_ships_the_bundled_templates(tmp_path):
    """Build the wheel as pip would and look inside: the scaffolds are package data."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("planner_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {f"planner_tui/templates/{p.name}" for p in (REPO / "templates").glob("*.j2")}
    assert bundled and bundled <= names
