"""The epics folder as the pipeline lays it out: a shared `packages/` beside the epics, rule files
of the pipeline, links that the pipeline resolves against the epics folder, and many epics."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner_tui.core.epic.artifacts import prior_artifacts
from planner_tui.core.epic.epics import choose_epic, find_epic, list_epics, load_epic_tasks
from planner_tui.core.errors import ProjectError
from planner_tui.core.project import Project

EPICS = ".taskmaster/epics"
EPIC = f"{EPICS}/012_team-invitations"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Split layout: commands and support folders, epics under .taskmaster with a shared packages/."""
    root = tmp_path / "proj"
    write(root, {
        ".cursor/support/01-forbidden.md": "# Forbidden\n\n### 1. Code\n- ❌ No code while planning.\n",
        ".cursor/support/02-mcp.md": "# MCP\n\n1. `context7`\n",
        ".cursor/support/03-pipeline.md": "# Pipeline\n\n```\n20-roles/\n  23-backend.md\n```\n",
        ".cursor/support/04-rules.md": "# Working rules\n\nOne epic at a time.\n",
        ".cursor/rules/epics/planning.mdc": "---\ndescription: planning\n---\nPlan by the PRD.\n",
        ".cursor/rules/epics/notes.txt": "not a rule file\n",
        f"{EPIC}/04-prd.md": (
            "# Team Invitations — PRD\n\nMail goes through [the mail package](./packages/mail.md);"
            " all packages: [packages](./packages/).\n"
        ),
        f"{EPICS}/packages/mail.md": "# Mail package\n",
        f"{EPICS}/packages/queue.md": "# Queue package\n",
    })
    details = f"Artifacts:\n1. {EPIC}/04-prd.md\n2. {EPICS}/packages/mail.md\n"
    tasks = {"master": {"tasks": [{"id": 12, "title": "EPIC: Team Invitations", "details": details}]}}
    write(root, {".taskmaster/tasks/tasks.json": json.dumps(tasks)})
    # The shared folder is the most recently changed: it must still never be chosen.
    os.utime(root / EPIC / "04-prd.md", (1_000, 1_000))
    os.utime(root / EPIC, (1_000, 1_000))
    return root


def test_the_shared_packages_folder_is_never_an_epic(project: Path) -> None:
    epics = list_epics(project)
    assert [e.folder for e in epics] == ["012_team-invitations"]
    tasks = load_epic_tasks(project)
    assert choose_epic(epics, None).folder == "012_team-invitations"
    assert find_epic(project, None, tasks).folder == "012_team-invitations"
    with pytest.raises(ProjectError, match="no epic 'packages'"):
        find_epic(project, "packages", tasks)
    # The task that links into packages/ is still the epic's own task.
    assert epics[0].task is not None and epics[0].task.id == 12
    assert epics[0].title == "Team Invitations"


def test_pipeline_rule_files_are_listed_with_the_rules(project: Path) -> None:
    epic = list_epics(project)[0]
    rules = [a for a in prior_artifacts(project, epic, "03-backend", project / ".cursor/support") if a.group == "rules"]
    assert [(a.label, a.state) for a in rules] == [
        ("01-forbidden.md", "present"),
        ("02-mcp.md", "present"),
        ("03-pipeline.md", "present"),
        ("04-rules.md", "present"),
        (".cursor/rules/epics/planning.mdc", "present"),
    ]


def test_a_pack_without_04_rules_does_not_list_it_as_missing(project: Path) -> None:
    (project / ".cursor/support/04-rules.md").unlink()
    epic = list_epics(project)[0]
    labels = [a.label for a in prior_artifacts(project, epic, "03-backend", project / ".cursor/support")]
    assert "04-rules.md" not in labels


def test_links_into_the_shared_packages_folder_resolve_against_the_epics_folder(project: Path) -> None:
    epic = list_epics(project)[0]
    arts = prior_artifacts(project, epic, "03-backend", project / ".cursor/support")
    assert [a for a in arts if a.state != "present"] == []
    packages = [(a.path, a.group) for a in arts if a.path.startswith(f"{EPICS}/packages/")]
    assert packages == [(f"{EPICS}/packages/mail.md", "packages"), (f"{EPICS}/packages/queue.md", "packages")]


def test_a_link_found_nowhere_is_still_reported_missing(project: Path) -> None:
    prd = project / EPIC / "04-prd.md"
    prd.write_text(prd.read_text(encoding="utf-8") + "\nAnd [gone](./packages/gone.md).\n", encoding="utf-8")
    epic = list_epics(project)[0]
    missing = [a.path for a in prior_artifacts(project, epic, "03-backend", None) if a.state == "missing"]
    assert missing == [f"{EPIC}/packages/gone.md"]


def test_naming_an_epic_reads_no_other_epic_and_a_prefix_still_finds_it(project: Path) -> None:
    for n in range(30):
        write(project, {f"{EPICS}/{100 + n:03d}_other-{n}/04-prd.md": f"# Other {n}\n"})
    loaded = Project.load(project, role=None)
    assert loaded.choose_epic("12").title == "Team Invitations"
    assert loaded.listed is None  # no title of the thirty others was read
    assert loaded.choose_epic("team-inv").folder == "012_team-invitations"  # a slug prefix reads them
    assert loaded.choose_epic("Other 7").folder == "107_other-7"  # and so does a title


def test_mcp_servers_come_from_02_mcp_with_their_uses_and_the_pipelines_client(project: Path) -> None:
    write(project, {
        ".cursor/support/02-mcp.md": "# MCP\n\n1. `context7`\n2. `deepwiki`\n\n## Uses\n- `context7` for library documentation\n",
        ".vscode/mcp.json": '{"servers": {"context7": {"command": "npx", "args": ["@upstash/context7-mcp"]}}}',
    })
    loaded = Project.load(project, role="backend", home=project / "nohome")
    mcp = loaded.preparation(loaded.choose_epic("12")).mcp
    first = [(s.server, s.state, s.use) for s in mcp[:2]]
    assert first == [("context7", "elsewhere", "for library documentation"), ("deepwiki", "missing", "")]
    assert mcp[0].detail == "configured for VS Code only (.vscode/mcp.json as `context7`), not for Cursor"
