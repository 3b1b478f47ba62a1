"""How a pack is read around the roles: names people type, the built-in fallback said aloud, a broken
prompt that stops only its own role, moving entries between sections, and the preparation view."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static

import pack_kit as kit
from planner_tui.cli.main import main
from planner_tui.core.engine import Planner
from planner_tui.core.pack.prompts import parse_role_prompt
from planner_tui.core.text import markdown
from planner_tui.screens.preparation import PreparationScreen


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--project", str(repo), "--epic", kit.EPIC_FOLDER, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Cursor split layout, read only by the tests that take it."""
    return kit.build_pack(tmp_path_factory.mktemp("split") / "p", kit.SHAPE_BY_NAME["cursor-split"])


@pytest.mark.parametrize(
    ("typed", "key"),
    [("test", "05-testing"), ("testing", "05-testing"), ("Testing", "05-testing"), ("25", "05-testing"),
     ("5", "05-testing"), ("25-test", "05-testing"), ("25-test.md", "05-testing"), ("05-testing", "05-testing"),
     ("devops", "01-devops"), ("architect", "02-architect"), ("lead", "06-lead"), ("26", "06-lead")],
)
def test_a_role_is_chosen_by_its_natural_name_number_or_file_name(split: Path, typed: str, key: str) -> None:
    code, out, err = run(split, "--role", typed, "status", "--json")
    assert code == 1, err  # nothing is confirmed yet, so the status blocks
    assert json.loads(out)["role"]["key"] == key


def test_an_unknown_role_is_a_usage_error_listing_every_role(split: Path) -> None:
    code, out, err = run(split, "--role", "qa", "status")
    assert code == 2 and out == ""
    assert err.startswith("planner-tui: There is no role 'qa' (role prompts looked for in .cursor/support, .cursor/commands)")
    for role in kit.ROLES:
        assert f"{role.key} ({role.prompt})" in err
    assert err.count("\n") == 1


def test_the_packages_folder_beside_the_epics_is_never_an_epic(split: Path) -> None:
    code, out, _ = run(split, "epics", "--json")
    assert code == 0
    assert [epic["folder"] for epic in json.loads(out)] == [kit.EPIC_FOLDER]


def test_a_missing_role_prompt_falls_back_to_the_built_in_role_and_says_where_it_looked(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["claude-split"])
    (repo / ".claude/commands/20-roles/23-backend.md").unlink()
    code, out, _ = run(repo, "--role", "backend", "status", "--json")
    role = json.loads(out)["role"]
    assert role["builtin"] is True and role["prompt"] is None
    assert role["looked_in"] == [".cursor/support", ".claude/commands"]
    assert role["fallback"] == (
        "No Backend role prompt (writing roles/03-backend.md) in .cursor/support, .claude/commands; using the built-in Backend role."
    )
    code, out, _ = run(repo, "--role", "backend", "check", "--json")
    assert json.loads(out)["role"]["fallback"] == role["fallback"] and role["fallback"] in json.loads(out)["notes"]
    _, text, _ = run(repo, "--role", "backend", "check")
    assert f"Note: {role['fallback']}" in text
    _, text, _ = run(repo, "--role", "backend", "status")
    assert text.split("\n")[1] == f"  {role['fallback']}"


def test_a_broken_role_prompt_stops_only_that_role(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["flat"])
    (repo / ".cursor/commands/24-frontend.md").write_text(
        "# Frontend Planning\n\nWrite `.taskmaster/epics/<epic folder>/roles/04-frontend.md`; nothing else here.\n", encoding="utf-8"
    )
    assert run(repo, "--role", "frontend", "epics")[0] == 0
    assert run(repo, "epics")[0] == 0
    code, out, _ = run(repo, "--role", "backend", "status", "--json")
    assert code == 1 and json.loads(out)["role"]["key"] == "03-backend"
    code, out, err = run(repo, "--role", "backend", "check", "--json")
    roles = {r["key"]: r["name"] for r in json.loads(out)["roles"]}
    assert roles["04-frontend"] == "Frontend" and roles["05-testing"] == "Testing"  # listed all the same
    code, _, err = run(repo, "--role", "frontend", "status")
    assert code == 1 and err.startswith("planner-tui: .cursor/commands/24-frontend.md: cannot find the")


def test_a_derived_commit_message_takes_the_projects_own_template(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["flat"])
    settings = repo / ".planner-tui/project.toml"
    settings.parent.mkdir()
    settings.write_text('commit_message = "docs(<role>): plan for <epic title>\\n\\nPath: <path>"\n', encoding="utf-8")
    code, out, _ = run(repo, "--role", "lead", "status", "--json")
    data = json.loads(out)
    plan = kit.ROLE_BY_WORD["lead"].plan_path()
    assert data["commit_message"] == f"docs(Lead): plan for {kit.EPIC_TITLE}\n\nPath: {plan}"
    assert data["role"]["commit_message_derived"] is True
    settings.write_text("commit_message = 3\n", encoding="utf-8")
    code, _, err = run(repo, "--role", "lead", "status")
    assert code == 1 and "commit_message must be a non-empty string" in err


def test_an_entry_moves_to_another_section_and_back(split: Path) -> None:
    _, entry, _ = run(split, "--role", "frontend", "add", "1", "decision", "Dates follow the member's locale.")
    entry = entry.strip()
    code, _, err = run(split, "--role", "frontend", "move", entry, "internationalization")
    assert code == 0 and f"Moved {entry} to Internationalization." in err
    _, plan, _ = run(split, "--role", "frontend", "render")
    i18n = plan.split("## Internationalization\n", 1)[1].split("\n## ", 1)[0]
    assert "- Dates follow the member's locale." in i18n
    _, out, _ = run(split, "--role", "frontend", "status", "--json")
    sections = {s["heading"]: s for s in json.loads(out)["sections"]}
    assert sections["Internationalization"]["entries"] == 1 and sections["UI Surfaces"]["entries"] == 0
    assert sections["Accessibility"]["topics"] == [] and sections["Internationalization"]["topics"] == [2]
    code, _, err = run(split, "--role", "frontend", "move", entry, "Nowhere")
    assert code != 0 and "There is no section 'Nowhere'" in err
    assert run(split, "--role", "frontend", "move", entry, "")[0] == 0
    _, plan, _ = run(split, "--role", "frontend", "render")
    assert "- Dates follow the member's locale." in plan.split("## UI Surfaces\n", 1)[1].split("\n## ", 1)[0]


def test_a_section_no_topic_maps_to_says_how_to_fill_it(split: Path) -> None:
    _, out, _ = run(split, "--role", "frontend", "status", "--json")
    messages = [b["message"] for b in json.loads(out)["blockers"]]
    assert 'Section Accessibility is empty: add a decision to any topic with --section "Accessibility", or move one there.' in messages


def test_only_an_instruction_about_asking_leaves_the_topic_list() -> None:
    backend = kit.ROLE_BY_WORD["backend"]
    text = kit.role_prompt(backend, kit.SHAPE_BY_NAME["flat"])
    kept = text.replace(kit.INSTRUCTION, "Use cases for the user dashboard: filters, saved views.")
    role = parse_role_prompt(kept, "23-backend.md")
    assert role.discussion_rules == [] and role.topics[0].title == "Use cases for the user dashboard"
    role = parse_role_prompt(text, "23-backend.md")
    assert role.discussion_rules == [kit.INSTRUCTION] and len(role.topics) == len(backend.topics)
    worded = text.replace(kit.INSTRUCTION, "Questions come in numbered batches; reply by number.")
    assert parse_role_prompt(worded, "23-backend.md").discussion_rules == ["Questions come in numbered batches; reply by number."]
    topic = text.replace(kit.INSTRUCTION, "Questions and answers module: storage, moderation.")
    assert parse_role_prompt(topic, "23-backend.md").topics[0].title == "Questions and answers module"


def test_a_fence_inside_the_scaffold_keeps_the_whole_outline() -> None:
    testing = kit.ROLE_BY_WORD["testing"]
    text = kit.role_prompt(testing, kit.SHAPE_BY_NAME["cursor-split"])
    role = parse_role_prompt(text, "25-test.md")
    assert [s.heading for s in role.scaffold.sections] == [h for h, _ in testing.sections] + ["Notes"]
    # Read as CommonMark the inner fence ends the outline early and steals the sections after it.
    plain = [f for f in markdown.load(text).fences if "## Strategy" in f.text()][0]
    assert "## Coverage" not in plain.text()


class _Host(App[None]):
    def __init__(self, planner: Planner) -> None:
        super().__init__()
        self.planner = planner

    def on_mount(self) -> None:
        self.push_screen(PreparationScreen(self.planner))


def _shown(app: App[None], selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


def test_the_preparation_view_says_where_the_role_came_from_and_maps_topics_to_sections(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["flat"])
    planner = Planner.open(repo, epic=kit.EPIC_FOLDER, role="frontend")
    app = _Host(planner)
    seen: dict[str, str] = {}

    async def scenario() -> None:
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            for part in ("#heading", "#steps", "#role", "#mapping"):
                seen[part] = str(app.screen.query_one(part).render()) if part == "#heading" else _shown(app, part)

    asyncio.run(scenario())
    assert "Role prompt: .cursor/commands/24-frontend.md" in seen["#role"]
    assert f"Commit message: Frontend plan documented for {kit.EPIC_TITLE}  derived: the prompt has no git step" in seen["#role"]
    assert f"How to discuss: {kit.INSTRUCTION}" in seen["#role"]
    assert "Internationalization  ← 2. Localization" in seen["#mapping"]
    assert "Accessibility  no topic maps here" in seen["#mapping"]
    assert "[01-forbidden.md](../01-forbidden.md)" not in seen["#steps"] and "**" not in seen["#steps"]
    assert "Read 01-forbidden.md" in seen["#steps"]
    assert seen["#heading"].count(kit.EPIC_TITLE) == 1


def test_the_leads_own_recommendation_section_is_allowed_but_an_added_one_is_not(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["cursor-split"])
    planner = Planner.open(repo, epic=kit.EPIC_FOLDER, role="lead")
    for topic in planner.role.topics:
        planner.add(topic.id, "decision", f"Reviewed: {topic.title}.")
        planner.confirm(topic.id)
    planner.add(1, "risk", "The frontend plan may change after the design review.")
    assert "## Recommendation\n" in planner.render()
    assert [b.message for b in planner.blockers()] == []
    planner.add(2, "decision", "Next steps: ask the architect to rename the queue.")
    rules = [b for b in planner.blockers() if b.kind == "rule"]
    assert len(rules) == 1 and '"Next steps" section' in rules[0].message


def test_role_prompts_are_found_beside_a_support_folder_given_with_prompts(tmp_path: Path) -> None:
    repo = kit.build_pack(tmp_path / "p", kit.SHAPE_BY_NAME["cursor-split"])
    code, out, err = run(repo, "--prompts", ".cursor/support", "--role", "architect", "status", "--json")
    assert code == 1, err
    data = json.loads(out)
    assert data["role"]["prompt"] == ".cursor/commands/20-roles/22-architect.md"
    assert data["role"]["looked_in"] == [".cursor/support", ".cursor/commands"]


@pytest.mark.parametrize(
    "text",
    [
        "```bash\na\n```\n\n```python\nb\n```\n",  # one after the other: nothing nested
        "````\n# Title\n```\nnot a close\n````\n",  # a shorter bare marker does not close
        "```\n~~~\nx\n```\n",  # another marker character is only text
        "```` `code` ````\n\n```\nplain\n```\n",  # a code span on its own line opens nothing
    ],
)
def test_fences_that_hold_no_nested_block_read_as_commonmark_says(text: str) -> None:
    nested = markdown.load(text, nested_fences=True)
    plain = markdown.load(text)
    assert [(f.start, f.end, f.body) for f in nested.fences] == [(f.start, f.end, f.body) for f in plain.fences]


def test_a_claude_support_folder_beside_the_commands_is_the_pack(tmp_path: Path) -> None:
    shape = kit.Shape("claude-support", ".claude/support", ".claude/commands/20-roles", ".claude/commands", client_config=".mcp.json")
    repo = kit.build_pack(tmp_path / "p", shape)
    code, out, err = run(repo, "--role", "25", "check", "--json")
    data = json.loads(out)
    assert code == 0, (err, data["notes"])
    assert data["prompt_pack"] == str(repo / ".claude/support")
    assert data["role"]["prompt"] == ".claude/commands/20-roles/25-test.md"
    assert data["role"]["looked_in"] == [".claude/support", ".claude/commands"]
