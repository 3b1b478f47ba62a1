"""Every role of every pipeline layout, driven through the command line to a real commit.

Packs come from `pack_kit`: split support/commands folders (Cursor, Claude Code, support copied
beside the commands), a flat folder, prompts without a git step, an instruction line in the topic
list, a fenced shell example inside the testing scaffold, an auditing lead role with its own
Recommendation section, and a `packages/` folder beside the epic.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import pack_kit as kit
from planner_tui.cli.main import main

CASES = [(shape.name, role.word) for shape in kit.SHAPES for role in kit.ROLES]


def run(repo: Path, *args: str, role: str | None = None) -> tuple[int, str, str]:
    """One in-process command line call: (exit code, stdout, stderr)."""
    argv = ["--project", str(repo), "--epic", kit.EPIC_FOLDER]
    if role is not None:
        argv += ["--role", role]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One git repository per layout, built once for the module; each role commits its own plan."""
    base = tmp_path_factory.mktemp("packs")
    return {shape.name: kit.build_pack(base / shape.name, shape) for shape in kit.SHAPES}


@pytest.mark.parametrize(("shape_name", "word"), CASES)
def test_every_role_of_every_layout_reaches_its_exact_commit(repos: dict[str, Path], shape_name: str, word: str) -> None:
    shape, role, repo = kit.SHAPE_BY_NAME[shape_name], kit.ROLE_BY_WORD[word], repos[shape_name]

    code, out, err = run(repo, "status", "--json", role=word)
    assert code == 1, err  # nothing confirmed yet
    status = json.loads(out)
    assert status["role"]["key"] == role.key and status["role"]["name"] == role.name
    assert status["role"]["prompt"] == f"{shape.roles}/{role.prompt}"
    assert status["role"]["builtin"] is False and status["role"]["fallback"] is None
    assert status["role"]["commit_message_derived"] is (not shape.git_step)
    assert [t["text"] for t in status["topics"]] == [line for line, _ in role.topics]
    assert [t["section"] for t in status["topics"]] == [heading for _, heading in role.topics]
    rules = [kit.INSTRUCTION] if shape.instruction and not role.checklist else []
    assert status["role"]["discussion_rules"] == rules
    mapped = {s["heading"]: s["topics"] for s in status["sections"]}
    for heading in role.fill_without_topic:
        assert mapped[heading] == []

    code, out, err = run(repo, "check", "--json", role=word)
    check = json.loads(out)
    assert code == 0, (err, check["notes"])  # rules read, servers configured, every artifact present
    assert check["commit_message"] == role.message()
    assert check["role"]["commit_message_derived"] is (not shape.git_step)
    assert [(s["server"], s["state"]) for s in check["mcp"]] == [("task-master-ai", "configured"), ("context7", "configured")]

    for number in range(1, len(role.topics) + 1):
        assert run(repo, "add", str(number), "decision", f"Decision {number} for the {role.name} plan.", role=word)[0] == 0
        assert run(repo, "confirm", str(number), role=word)[0] == 0
    for heading in role.fill_without_topic:
        assert run(repo, "add", "1", "decision", f"Filled by hand: {heading}.", "--section", heading, role=word)[0] == 0
    assert run(repo, "add", "1", "risk", "Calendar sync may lag behind edits.", role=word)[0] == 0

    code, plan, err = run(repo, "render", role=word)
    assert code == 0, err
    assert [line for line in plan.split("\n") if line.startswith("#")] == role.headings()

    before = kit.head(repo)
    session = repo / ".planner-tui" / "sessions" / kit.EPIC_FOLDER / f"{role.key}.json"
    saved = session.read_bytes()
    code, out, err = run(repo, "commit", "--dry-run", role=word)
    assert code == 0, err
    assert out == f"Would commit {role.plan_path()} with this message{' (derived: the role prompt has no git step)' if not shape.git_step else ''}:\n{role.message()}\n\nand print this reply line:\n{role.reply()}\n"
    assert kit.head(repo) == before and not (repo / role.plan_path()).exists() and session.read_bytes() == saved

    code, out, err = run(repo, "commit", role=word)
    assert code == 0, err
    assert out == role.reply() + "\n"
    assert ("The commit message was derived: the role prompt has no git step." in err) is (not shape.git_step)
    message, paths = kit.last_commit(repo)
    assert message == role.message()
    assert paths == [role.plan_path()]
    assert (repo / role.plan_path()).read_text(encoding="utf-8") == plan
