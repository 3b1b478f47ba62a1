"""Tests for listing and reading an epic's prior artifacts, on a real temp project."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner_tui.core.epic.artifacts import (
    GROUP_ORDER,
    FOLDER_CAP,
    LINK_COUNT,
    LINK_PER_DOC,
    LINK_OUTSIDE,
    extract_links,
    prior_artifacts,
    read_artifact,
    render_task,
)
from planner_tui.core.epic.epics import choose_epic, list_epics, load_epic_tasks
from planner_tui.core.models import Artifact, Epic

EPIC = ".task-master/epics/012_team-invitations"

PRD = """# Team Invitations — Product Requirements Document

See the [idea](./02-idea.md) and the [API notes](../../../docs/api.md#errors).
The same notes again: [again](../../../docs/./api.md?raw=1) and [spaced](<../../../docs/with space.md>).
Reference style: [spec][spec-ref].

[spec-ref]: ../../../docs/spec.md "Spec"

Never followed: [site](https://example.com/x.md), [mail](mailto:owner@example.com),
[js](javascript:alert(1)), [data](data:text/html,hi).

Outside: [passwd](../../../../etc/passwd), [abs](/etc/passwd), [file](file:///etc/passwd),
[ssh](~/.ssh/id_rsa), [win](C:\\Windows\\win.ini), [pct](%2e%2e/%2e%2e/secret),
[evil](../../../../proj-evil/secret.md), [evil-missing](../../../../proj-evil/none.md).

```
[in a code block](../../../docs/ignored.md)
```
Anchor only: [top](#summary). Windows style: [win-rel](..\\012_team-invitations\\01-discuss.md).
"""


def build_project(tmp_path: Path) -> Path:
    """A small project: pack, tasks.json, one epic folder with docs, links and role plans."""
    root = tmp_path / "proj"
    files = {
        ".cursor/commands/01-forbidden.md": "# Forbidden\n\n- ❌ No raw SQL\n",
        ".cursor/commands/02-mcp.md": "# MCP\n\n- context7\n",
        ".cursor/commands/03-pipeline.md": "## Pipeline\n",
        f"{EPIC}/01-discuss.md": "# Team Invitations — Discussion\n",
        f"{EPIC}/02-idea.md": "# Team Invitations — Idea\n\n- Discussion: ./01-discuss.md\n",
        f"{EPIC}/04-prd.md": PRD,
        f"{EPIC}/05-stories.md": "| 001 | Invite | ./stories/owner.md |\n",
        f"{EPIC}/stories/owner.md": "# Story-001\n\n## Source\n- ./04-prd.md\n",
        f"{EPIC}/packages/mail.md": "# Mail package\n",
        f"{EPIC}/diagrams/flow.mmd": "flowchart TD\n  A-->B\n",
        f"{EPIC}/roles/01-devops.md": "# DevOps Plan\n",
        f"{EPIC}/roles/02-architect.md": "# Architect Plan\n",
        f"{EPIC}/roles/03-backend.md": "# Backend Plan\n",
        f"{EPIC}/roles/04-frontend.md": "# Frontend Plan\n",
        "docs/api.md": "# API\n\nSee [guide](guide.md) and [back to the PRD](../" + EPIC + "/04-prd.md).\n",
        "docs/guide.md": "# Guide\n\n[deep](deep.md)\n",
        "docs/deep.md": "# Deep\n\n[deeper](deeper.md)\n",
        "docs/deeper.md": "# Deeper\n",
        "docs/spec.md": "# Spec\n\n[self](spec.md)\n",
        "docs/with space.md": "# Spaced\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "proj-evil").mkdir()
    (tmp_path / "proj-evil" / "secret.md").write_text("SECRET\n", encoding="utf-8")
    details = "\n".join(
        [
            "Artifacts:",
            f"1. {EPIC}/",
            f"2. {EPIC}/01-discuss.md",
            f"3. {EPIC}/04-prd.md",
            f"4. {EPIC}/03-packages.md",
            "5. ../proj-evil/secret.md",
            "6. https://example.com/board",
            f"7. {EPIC}/roles/01-devops.md",
        ]
    )
    tasks = {"epics": {"tasks": [{"id": 12, "title": "EPIC: Team Invitations", "description": "Invite people.", "details": details}]}}
    (root / ".taskmaster/tasks").mkdir(parents=True)
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Epic, list[Artifact]]:
    root = build_project(tmp_path)
    epic = choose_epic(list_epics(root), "12")
    return root, epic, prior_artifacts(root, epic, "03-backend", root / ".cursor/commands")


def by_path(arts: list[Artifact]) -> dict[str, Artifact]:
    return {a.path: a for a in arts}


def test_groups_are_ordered_and_each_file_listed_once(project: tuple[Path, Epic, list[Artifact]]) -> None:
    _root, _epic, arts = project
    ranks = [GROUP_ORDER.index(a.group) for a in arts]
    assert ranks == sorted(ranks)
    paths = [a.path for a in arts]
    assert len(paths) == len(set(paths))
    assert [a.label for a in arts if a.group == "rules"] == ["01-forbidden.md", "02-mcp.md", "03-pipeline.md"]
    assert [a.path for a in arts if a.group == "task"] == ["task:12"]


def test_planning_docs_subfolders_and_earlier_roles(project: tuple[Path, Epic, list[Artifact]]) -> None:
    _root, _epic, arts = project
    group = lambda g: [a.label for a in arts if a.group == g]  # noqa: E731
    assert group("planning") == ["01-discuss.md", "02-idea.md", "03-packages.md", "04-prd.md", "05-stories.md"]
    assert group("stories") == ["stories/owner.md"]
    assert group("packages") == ["packages/mail.md"]
    assert group("diagrams") == ["diagrams/flow.mmd"]
    assert group("roles") == ["roles/01-devops.md", "roles/02-architect.md"]


def test_task_list_entries(project: tuple[Path, Epic, list[Artifact]]) -> None:
    _root, _epic, arts = project
    found = by_path(arts)
    missing = found[f"{EPIC}/03-packages.md"]
    assert (missing.state, missing.reason) == ("missing", "listed in the epic task but not found")
    assert found["../proj-evil/secret.md"].state == "refused"
    assert not any(a.path.startswith("http") or a.path.endswith("/") for a in arts)
    assert all(a.state == "present" for a in arts if a.group in ("rules", "planning", "roles") and a is not missing)


def test_links_are_followed_inside_the_project_only(project: tuple[Path, Epic, list[Artifact]]) -> None:
    _root, _epic, arts = project
    linked = {a.path: a for a in arts if a.group == "linked"}
    for rel in ("docs/api.md", "docs/guide.md", "docs/deep.md", "docs/spec.md", "docs/with space.md"):
        assert linked[rel].state == "present", rel
    assert "docs/ignored.md" not in linked  # inside a code block
    assert "docs/deeper.md" not in linked  # beyond the depth cap
    assert linked["note:link-limit"].reason and "link limit reached" in linked["note:link-limit"].reason
    outside = [a for a in linked.values() if a.state == "refused" and a.path != "note:link-limit"]
    assert sorted(a.path for a in outside) == sorted(
        [
            "../../../../etc/passwd",
            "/etc/passwd",
            "file:///etc/passwd",
            "~/.ssh/id_rsa",
            "C:\\Windows\\win.ini",
            "%2e%2e/%2e%2e/secret",
            "../../../../proj-evil/secret.md",
            "../../../../proj-evil/none.md",
            "../proj-evil/secret.md",
        ]
    )
    assert {a.reason for a in outside} == {LINK_OUTSIDE}  # no oracle: exists or not, same words
    assert not any(a.path.startswith(("https:", "mailto:", "javascript:", "data:")) for a in arts)


def test_story_links_written_relative_to_the_epic_folder_resolve(project: tuple[Path, Epic, list[Artifact]]) -> None:
    _root, _epic, arts = project
    assert not any(a.path == f"{EPIC}/stories/04-prd.md" for a in arts)
    assert all(a.state != "missing" or a.path.endswith("03-packages.md") for a in arts)


def test_current_and_later_roles_are_left_out(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    epic = choose_epic(list_epics(root), "12")
    roles = lambda key: [a.label for a in prior_artifacts(root, epic, key, None) if a.group == "roles"]  # noqa: E731
    assert roles("04-frontend") == ["roles/01-devops.md", "roles/02-architect.md", "roles/03-backend.md"]
    # the task lists roles/01-devops.md, yet it is the devops role's own plan, not a prior one
    assert roles("01-devops") == []
    assert not any(a.group == "rules" for a in prior_artifacts(root, epic, "03-backend", None))


def test_read_artifact_renders_the_task_and_reads_files(project: tuple[Path, Epic, list[Artifact]]) -> None:
    root, epic, arts = project
    found = by_path(arts)
    task_text = read_artifact(root, found["task:12"]).text
    assert task_text.startswith("# EPIC: Team Invitations\n")
    assert "Invite people." in task_text and "03-packages.md" in task_text
    assert epic.task is not None and render_task(epic.task) == read_artifact(root, found["task:12"], [epic.task]).text
    assert read_artifact(root, found[f"{EPIC}/04-prd.md"]).text == PRD
    refused = read_artifact(root, found["/etc/passwd"])
    assert (refused.state, refused.reason, refused.text) == ("refused", LINK_OUTSIDE, "")
    evil = read_artifact(root, found["../proj-evil/secret.md"])
    assert evil.state == "refused" and "SECRET" not in evil.text
    gone = read_artifact(root, Artifact(path="task:99", group="task", label="x", state="present"), load_epic_tasks(root))
    assert gone.state == "missing"


def test_epic_without_task_shows_a_missing_task(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    (root / ".taskmaster/tasks/tasks.json").write_text("{ broken", encoding="utf-8")
    epic = choose_epic(list_epics(root), "12")
    task = [a for a in prior_artifacts(root, epic, "03-backend", None) if a.group == "task"]
    assert [(a.path, a.state) for a in task] == [("task:12", "missing")]


def test_symlinked_docs_and_special_files(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    folder = root / EPIC
    (folder / "stories" / "leak.md").symlink_to(tmp_path / "proj-evil" / "secret.md")
    (folder / "stories" / "alias.md").symlink_to(folder / "stories" / "owner.md")
    os.mkfifo(folder / "diagrams" / "pipe.md")
    epic = choose_epic(list_epics(root), "12")
    found = by_path(prior_artifacts(root, epic, "03-backend", None))
    assert found[f"{EPIC}/stories/leak.md"].state == "refused"
    assert found[f"{EPIC}/diagrams/pipe.md"].reason == "not a regular file"
    # the alias resolves to owner.md, which is listed once
    assert f"{EPIC}/stories/alias.md" not in found and f"{EPIC}/stories/owner.md" in found


def test_link_graph_cycles_spellings_and_count_cap(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    folder = root / ".task-master/epics/001_graph"
    folder.mkdir(parents=True)
    (folder / "01-discuss.md").write_text("[a](a.md) [a again](./sub/../a.md) [self](01-discuss.md)\n", encoding="utf-8")
    (folder / "a.md").write_text("[b](b.md)\n", encoding="utf-8")
    (folder / "b.md").write_text("[a](a.md) [a2](./a.md#top)\n", encoding="utf-8")
    many = "\n".join(f"- [n{i}](gen/n{i}.md)" for i in range(1000))
    (folder / "02-idea.md").write_text(many, encoding="utf-8")
    epic = list_epics(root)[0]
    arts = prior_artifacts(root, epic, "03-backend", None)
    paths = [a.path for a in arts]
    assert paths.count(".task-master/epics/001_graph/a.md") == 1
    assert paths.count(".task-master/epics/001_graph/b.md") == 1
    linked = [a for a in arts if a.group == "linked" and not a.path.startswith("note:")]
    # one link farm gets its per-document share and does not starve a.md and b.md
    assert len(linked) == LINK_PER_DOC + 2
    assert all(a.reason == "linked but not found" for a in linked if "/gen/" in a.path)
    assert paths[-1] == "note:link-limit"


def test_link_count_cap_over_all_documents(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    folder = root / ".task-master/epics/001_graph"
    folder.mkdir(parents=True)
    for doc in ("01-a.md", "02-b.md", "03-c.md"):
        links = "\n".join(f"- [x](gen/{doc}-{i}.md)" for i in range(90))
        (folder / doc).write_text(links, encoding="utf-8")
    arts = prior_artifacts(root, list_epics(root)[0], "03-backend", None)
    linked = [a for a in arts if a.group == "linked" and not a.path.startswith("note:")]
    assert len(linked) == LINK_COUNT
    assert arts[-1].path == "note:link-limit" and arts[-1].state == "refused"


def test_no_limit_note_when_nothing_was_left_out(tmp_path: Path) -> None:
    root = tmp_path / "small"
    folder = root / ".task-master/epics/002_small"
    folder.mkdir(parents=True)
    (folder / "01-discuss.md").write_text("[a](a.md)\n", encoding="utf-8")
    (folder / "a.md").write_text("[back](01-discuss.md)\n", encoding="utf-8")
    arts = prior_artifacts(root, list_epics(root)[0], "03-backend", None)
    assert [a.path for a in arts if a.group == "linked"] == [".task-master/epics/002_small/a.md"]


def test_extract_links_kinds() -> None:
    text = (
        "[a](a.md) ![img](img.png \"title\") <docs/b.md> <details> <br/> <me@x.org> <https://x.y>\n"
        "[ref]: <c d.md>\n"
        "| ./e.md | `./code.md` |\n"
        "~~~\n[hidden](h.md)\n~~~\n"
    )
    assert extract_links(text) == ["a.md", "img.png", "docs/b.md", "https://x.y", "c d.md", "./e.md"]


@pytest.mark.parametrize("outside_exists", [True, False])
def test_fallback_lookup_gives_no_oracle_through_symlinks(tmp_path: Path, outside_exists: bool) -> None:
    root = tmp_path / "proj"
    folder = root / ".task-master/epics/003_x"
    (folder / "stories").mkdir(parents=True)
    (folder / "leak").mkdir()
    (folder / "leak" / "secret.md").write_text("inside copy\n", encoding="utf-8")
    (folder / "05-stories.md").write_text("# Stories\n", encoding="utf-8")
    (folder / "stories" / "s.md").write_text("- ./leak/secret.md\n", encoding="utf-8")
    evil = tmp_path / "evil"
    evil.mkdir()
    if outside_exists:
        (evil / "secret.md").write_text("SECRET\n", encoding="utf-8")
    (folder / "stories" / "leak").symlink_to(evil, target_is_directory=True)
    arts = prior_artifacts(root, list_epics(root)[0], "03-backend", None)
    linked = [(a.path, a.state, a.reason) for a in arts if a.group == "linked"]
    assert linked == [(".task-master/epics/003_x/stories/leak/secret.md", "refused", LINK_OUTSIDE)]


def test_huge_subfolder_is_capped_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    stories = root / ".task-master/epics/004_big/stories"
    stories.mkdir(parents=True)
    for i in range(FOLDER_CAP + 25):
        (stories / f"s{i:04d}.md").write_text(f"# Story {i}\n", encoding="utf-8")
    (stories / "nested").mkdir()
    arts = prior_artifacts(root, list_epics(root)[0], "03-backend", None)
    listed = [a for a in arts if a.group == "stories"]
    assert len(listed) == FOLDER_CAP + 1
    assert listed[-1].path.startswith("note:") and "25 more files" in (listed[-1].reason or "")
