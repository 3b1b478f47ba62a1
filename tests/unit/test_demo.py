"""Tests for the bundled Fieldnote demo project and make_demo()."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import ConfigLevel

from planner_tui.core.errors import ProjectError
from planner_tui.demo import DEMO_EPIC, DEMO_IDENTITY, demo_source, make_demo

PACK = ".cursor/commands"
EPICS = ".task-master/epics"
ROLES = {  # prompt file -> (role name, output stem)
    "21-devops.md": ("DevOps", "01-devops"),
    "22-architect.md": ("Architect", "02-architect"),
    "23-backend.md": ("Backend", "03-backend"),
    "24-frontend.md": ("Frontend", "04-frontend"),
    "25-test.md": ("Test", "05-test"),
    "26-lead.md": ("Lead", "06-lead"),
}
EPIC_009_FILES = [
    "01-discuss.md", "02-idea.md", "03-packages.md", "04-prd.md", "05-stories.md", "06-mermaid.md",
    "packages/intervention-image.md", "stories/technician.md", "stories/supervisor.md",
    "diagrams/data-model.mmd", "diagrams/upload-sequence.mmd", "diagrams/annotate-flow.mmd",
    "roles/01-devops.md", "roles/02-architect.md",
]

# The product's contract with the real backend prompt: these strings must stay exactly so.
BACKEND_TOPICS = [
    "Domain and data model boundaries (entities, relationships).",
    "API surface: endpoints, verbs, request/response DTOs, pagination, errors.",
    "Controllers, form requests, resources, policies/authorization.",
    "Livewire contracts needed from backend (props, events, actions).",
    "Events, listeners, jobs/queues, mail/notifications.",
    "Database changes: migrations, seeds, versioning strategy.",
    "Search integration (Meilisearch): indices, mappings, sync jobs.",
    "Caching strategy: keys, invalidation rules, TTLs.",
    "Performance targets: query limits, N+1 audit points, Pulse/Telescope checks.",
    "Observability: Sentry context/breadcrumbs, log structure.",
]
BACKEND_SCAFFOLD = """\
# [Epic Title] — Backend Plan

## Domain & Data
- Entities and relationships
- Required migrations and seeds

## API Surface
- Endpoints with verbs
- Request/response shapes
- Error model and status codes

## Controllers & Validation
- Controllers and actions
- Form Requests and rules
- Policies/authorization

## Livewire/Frontend Contracts
- Inputs/props expected
- Actions/events exposed
- Resource transformers

## Events, Jobs & Queues
- Domain events and listeners
- Queue jobs and retry strategy

## Search (Meilisearch)
- Indices, mappings, sync strategy

## Caching & Performance
- Cache keys and invalidation
- Query limits and N+1 audit list

## Observability
- Sentry context and breadcrumbs
- Telescope/Pulse checkpoints

## Risks
- Known risks and mitigations

## Notes
[any relevant notes]"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo copy shared by the read-only checks (making it is the slow part)."""
    return make_demo(tmp_path_factory.mktemp("shared") / "fieldnote")


@pytest.fixture
def no_git_identity(tmp_path: Path):
    """Point libgit2 at empty config folders, as on a machine where git was never set up."""
    levels = (ConfigLevel.GLOBAL, ConfigLevel.XDG, ConfigLevel.SYSTEM, ConfigLevel.PROGRAMDATA)
    paths = pygit2.settings.search_path
    saved = {level: paths[level] for level in levels}
    empty = tmp_path / "empty-config"
    empty.mkdir()
    for level in levels:
        paths[level] = str(empty)
    yield empty
    for level, value in saved.items():
        paths[level] = value


def read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def fenced_blocks(text: str) -> list[tuple[int, list[str]]]:
    """(indent, dedented lines) of each ``` fence, at any indentation."""
    blocks, current, indent = [], None, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            if current is None:
                current, indent = [], len(line) - len(line.lstrip())
            else:
                blocks.append((indent, current))
                current = None
        elif current is not None:
            current.append(line[indent:].rstrip())
    return blocks


def newest(path: Path) -> float:
    return max([path.stat().st_mtime, *(p.stat().st_mtime for p in path.rglob("*"))])


# --------------------------------------------------------------------------- make_demo


def test_make_demo_copies_the_whole_project(tmp_path: Path) -> None:
    root = make_demo(tmp_path / "demo", git=False)
    assert root == (tmp_path / "demo").resolve()
    source = demo_source()
    expected = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    copied = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert copied == expected
    for rel in ("composer.json", "app/Models/User.php", "routes/web.php", "README.md", ".mcp.json",
                ".cursor/mcp.json", ".vscode/mcp.json", ".taskmaster/tasks/tasks.json",
                f"{PACK}/01-forbidden.md", f"{PACK}/20-roles/23-backend.md"):
        assert (root / rel).is_file(), rel
    assert (root / rel).read_bytes() == (source / rel).read_bytes()
    assert not (root / ".git").exists()
    # The tool writes the backend plan here, so the copy must be writable.
    (root / EPICS / DEMO_EPIC / "roles" / "03-backend.md").write_text("# plan\n", encoding="utf-8")


def test_make_demo_commits_everything_once_on_main(tmp_path: Path) -> None:
    root = make_demo(tmp_path / "demo", now=1_780_000_000)
    repo = pygit2.Repository(str(root))
    assert repo.head.shorthand == "main"
    commit = repo[repo.head.target]
    assert commit.parents == []
    assert commit.commit_time == 1_780_000_000
    assert repo.status() == {}
    tracked = sorted(entry.path for entry in repo.index)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and ".git" not in p.relative_to(root).parts)
    assert tracked == files
    if shutil.which("git"):
        run = lambda *a: subprocess.run(["git", "-C", str(root), *a], capture_output=True, text=True,
                                        check=True).stdout
        assert run("status", "--porcelain") == ""
        assert run("rev-list", "--count", "HEAD").strip() == "1"


def test_working_epic_is_the_most_recently_changed(tmp_path: Path) -> None:
    root = make_demo(tmp_path / "demo", git=False, now=1_780_000_000)
    epics = {p.name: p for p in (root / EPICS).iterdir()}
    assert set(epics) == {"004_offline-sync", DEMO_EPIC}
    assert newest(epics[DEMO_EPIC]) > newest(epics["004_offline-sync"])
    assert epics[DEMO_EPIC].stat().st_mtime > epics["004_offline-sync"].stat().st_mtime
    assert newest(root) <= 1_780_000_000
    # Within the epic, artifacts keep pipeline order: the PRD predates the role plans.
    prd = (epics[DEMO_EPIC] / "04-prd.md").stat().st_mtime
    assert prd < (epics[DEMO_EPIC] / "roles" / "01-devops.md").stat().st_mtime
    assert (epics[DEMO_EPIC] / "roles" / "01-devops.md").stat().st_mtime < \
        (epics[DEMO_EPIC] / "roles" / "02-architect.md").stat().st_mtime


def test_default_destination_is_a_fresh_temp_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    first = make_demo(git=False)
    second = make_demo(git=False)
    assert first != second
    for root in (first, second):
        assert root.parent == tmp_path.resolve()
        assert root.name.startswith("planner-tui-demo-")
        assert (root / EPICS / DEMO_EPIC / "04-prd.md").is_file()


def test_refuses_a_non_empty_or_file_destination(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProjectError, match="not empty"):
        make_demo(busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(ProjectError, match="is a file"):
        make_demo(a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert make_demo(empty, git=False) == empty.resolve()


def test_uses_a_local_identity_only_when_git_has_none(tmp_path: Path, no_git_identity: Path) -> None:
    root = make_demo(tmp_path / "fresh")
    repo = pygit2.Repository(str(root))
    author = repo[repo.head.target].author
    assert (author.name, author.email) == DEMO_IDENTITY
    assert "Fieldnote Demo" in (root / ".git" / "config").read_text(encoding="utf-8")

    (no_git_identity / ".gitconfig").write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.test\n",
                                                 encoding="utf-8")
    root = make_demo(tmp_path / "configured")
    repo = pygit2.Repository(str(root))
    author = repo[repo.head.target].author
    assert (author.name, author.email) == ("Ada Lovelace", "ada@example.test")
    assert "[user]" not in (root / ".git" / "config").read_text(encoding="utf-8")


def test_ignores_global_excludes(tmp_path: Path, no_git_identity: Path) -> None:
    """A user who globally ignores editor folders still gets the whole demo committed."""
    excludes = no_git_identity / "ignore"
    excludes.write_text(".vscode/\n*.mmd\n", encoding="utf-8")
    (no_git_identity / ".gitconfig").write_text(f"[core]\n\texcludesFile = {excludes.as_posix()}\n",
                                                 encoding="utf-8")
    root = make_demo(tmp_path / "demo")
    tracked = {entry.path for entry in pygit2.Repository(str(root)).index}
    assert ".vscode/mcp.json" in tracked
    assert f"{EPICS}/{DEMO_EPIC}/diagrams/data-model.mmd" in tracked


# --------------------------------------------------------------------------- the prompt pack


def test_backend_prompt_keeps_the_contract_strings(demo: Path) -> None:
    text = read(demo, f"{PACK}/20-roles/23-backend.md")
    lines = lines_of(text)
    discussion = lines[lines.index("1. **Begin Backend Discussion**"): lines.index("2. **Document the Final Plan**")]
    assert [line.strip()[2:] for line in discussion if line.startswith("     - ")] == BACKEND_TOPICS
    scaffold = [block for indent, block in fenced_blocks(text) if block and block[0].startswith("# [")]
    assert scaffold == [BACKEND_SCAFFOLD.splitlines()]
    assert "   `task-master-ai`, `context7`, `perplexity`, `laravel-boost`, `deepwiki`, and `github`." in lines
    assert "     `.task-master/epics/<epic folder>/roles/03-backend.md`" in lines


@pytest.mark.parametrize("prompt", sorted(ROLES))
def test_role_prompts_share_the_backend_shape(demo: Path, prompt: str) -> None:
    name, stem = ROLES[prompt]
    text = read(demo, f"{PACK}/20-roles/{prompt}")
    lines = lines_of(text)
    assert lines[0] == f"# {name} Planning"
    heads = [line for line in lines if line.startswith("## ")]
    assert heads == ["## Role & Mindset", "## Preparation", "## Steps"]
    prep = lines[lines.index("## Preparation") + 1: lines.index("## Steps")]
    assert [line[:3] for line in prep if line[:1].isdigit()] == ["1. ", "2. ", "3. ", "4. ", "5. ", "6. "]
    assert any(re.fullmatch(r"   (`[a-z0-9-]+`, )+and `[a-z0-9-]+`\.", line) for line in prep)
    for link in ("(../01-forbidden.md)", "(../02-mcp.md)", "(../03-pipeline.md)", "(../00-start.md)"):
        assert link in text

    start = lines.index(f"1. **Begin {name} Discussion**")
    end = lines.index("2. **Document the Final Plan**")
    topics = [line[7:] for line in lines[start:end] if line.startswith("     - ")]
    assert 7 <= len(topics) <= 10
    for topic in topics:
        assert re.fullmatch(r"[A-Z][^:()]*(: [^:]+|\s?\([^()]+\)[^()]*)\.", topic) or name == "Backend", topic

    assert f"     `.task-master/epics/<epic folder>/roles/{stem}.md`" in lines
    blocks = fenced_blocks(text)
    scaffold = next(block for indent, block in blocks if indent == 5)
    assert scaffold[0] == f"# [Epic Title] — {name} Plan"
    sections = [line for line in scaffold if line.startswith("## ")]
    assert sections[-2:] == ["## Risks", "## Notes"] and len(sections) >= 6
    assert scaffold[-1] == "[any relevant notes]"
    for i, line in enumerate(scaffold[1:-1], 1):  # every section but Notes lists placeholder bullets
        if line.startswith("## ") and line != "## Notes":
            assert scaffold[i + 1].startswith("- "), line

    git_at = lines.index("4. **git**")
    assert lines[git_at + 1: git_at + 6] == [
        "```", f"{name} plan documented for <epic title>", "",
        f"Path: .task-master/epics/<epic folder>/roles/{stem}.md", "```",
    ]
    reply_at = lines.index("5. **Reply**")
    assert lines[reply_at + 1:] == [
        f"   - `The {name} role path is <path to {stem}.md>`", "   - exactly that and nothing else",
    ]


def test_forbidden_rules_have_the_expected_shape(demo: Path) -> None:
    text = read(demo, f"{PACK}/01-forbidden.md")
    lines = lines_of(text)
    principles = lines[lines.index("## Global Principles") + 1: lines.index("## Forbidden Actions")]
    assert len([line for line in principles if line.startswith("- **")]) >= 4
    categories = [line for line in lines if line.startswith("### ")]
    assert categories == [
        "### 1. Scope and Time", "### 2. Code Generation", "### 3. Output Formatting",
        "### 4. Security and Secrets", "### 5. MCP Interaction", "### 6. Documentation",
        "### 7. Metrics and Validation",
    ]
    body = lines[lines.index("### 1. Scope and Time"): lines.index("## Enforcement")]
    rules = [line for line in body if line.startswith("- ")]
    assert rules and all(line[2] in "❌✅" for line in rules)
    gates = [line for line in body[body.index("### 7. Metrics and Validation"):] if line.startswith("  - ")]
    assert "  - Pulse: p95 ≤500 ms and ≤10 queries per request" in gates and len(gates) >= 4
    for theme in ("time estimates", "scope", "code blocks", '"Next steps"', '"Recommendations"',
                  '"To do next"', "`AWS_SECRET_ACCESS_KEY`", "required MCP server", "`tasks.json`",
                  "overwrite"):
        assert theme in text, theme
    assert fenced_blocks(text)[-1][1] == ["❌ Stopped: forbidden action — see 01-forbidden.md"]


def test_mcp_list_and_pipeline_cover_the_roles(demo: Path) -> None:
    mcp = read(demo, f"{PACK}/02-mcp.md")
    listed = re.findall(r"^\d+\. `([a-z0-9-]+)`", mcp, flags=re.M)
    uses = re.findall(r"^\s+- `([a-z0-9-]+)` ", mcp, flags=re.M)
    assert listed == uses and len(listed) == 7
    for prompt in ROLES:
        wanted = re.findall(r"`([a-z0-9-]+)`", next(
            line for line in lines_of(read(demo, f"{PACK}/20-roles/{prompt}")) if line.startswith("   `")))
        assert set(wanted) <= set(listed), prompt

    tree = fenced_blocks(read(demo, f"{PACK}/03-pipeline.md"))[0][1]
    assert tree[:4] == ["00-start.md", "01-forbidden.md", "02-mcp.md", "03-pipeline.md"]
    roles_at = tree.index("20-roles/")
    assert tree[roles_at + 1: roles_at + 7] == [f"   {p}" for p in sorted(ROLES)]
    assert any(not line.startswith(" ") and not line.endswith((".md", "/")) for line in tree)


# --------------------------------------------------------------------------- epics and configs


def test_epic_folders_hold_the_planned_artifacts(demo: Path) -> None:
    working = demo / EPICS / DEMO_EPIC
    for rel in EPIC_009_FILES:
        assert (working / rel).is_file(), rel
    assert not (working / "roles" / "03-backend.md").exists()
    done = demo / EPICS / "004_offline-sync" / "roles"
    assert sorted(p.name for p in done.iterdir()) == ["01-devops.md", "02-architect.md", "03-backend.md"]
    prd = read(demo, f"{EPICS}/{DEMO_EPIC}/04-prd.md")
    for head in ("## Goals", "## Non-Goals", "## Functional Requirements", "## Non-Functional Requirements"):
        assert head in prd
    assert "≤10 queries, p95 ≤500 ms" in prd


def test_epic_documents_follow_the_rules_and_link_correctly(demo: Path) -> None:
    docs = sorted((demo / EPICS).rglob("*.md"))
    assert len(docs) >= 20, docs  # both epics' documents, stories and plans: an empty glob checks nothing
    for doc in docs:
        epic = demo / EPICS / doc.relative_to(demo / EPICS).parts[0]
        text = doc.read_text(encoding="utf-8")
        assert 5 <= len(text.splitlines()) <= 60, doc
        assert "```" not in text, doc
        assert not re.search(r"^#+ (Next steps|Recommendations|To do next)", text, flags=re.M | re.I), doc
        for link in re.findall(r"(?<![\w/])\./([\w./-]+)", text):
            # Like the real pipeline's files, stories cite `./04-prd.md` relative to the epic folder.
            assert (doc.parent / link).exists() or (epic / link).exists(), f"{doc}: ./{link}"


def test_role_plans_follow_their_scaffolds(demo: Path) -> None:
    plans = sorted((demo / EPICS).glob("*/roles/*.md"))
    assert [p.stem for p in plans] == ["01-devops", "02-architect", "03-backend", "01-devops", "02-architect"], plans
    for plan in plans:
        prompt = next(p for p, (_, stem) in ROLES.items() if stem == plan.stem)
        name = ROLES[prompt][0]
        scaffold = next(b for i, b in fenced_blocks(read(demo, f"{PACK}/20-roles/{prompt}")) if i == 5)
        text = plan.read_text(encoding="utf-8")
        assert text.startswith("# ") and text.splitlines()[0].endswith(f" — {name} Plan"), plan
        heads = [line for line in text.splitlines() if line.startswith("## ")]
        assert heads == [line for line in scaffold if line.startswith("## ")], plan


def test_tasks_json_holds_both_epic_tasks(demo: Path) -> None:
    data = json.loads(read(demo, ".taskmaster/tasks/tasks.json"))
    assert set(data) == {"epics", "master"}
    assert len(data["master"]["tasks"]) >= 2
    epics = {task["id"]: task for task in data["epics"]["tasks"]}
    assert {i: t["title"] for i, t in epics.items()} == {4: "EPIC: Offline Sync", 9: "EPIC: Photo Annotations"}
    for task_id, folder in ((4, "004_offline-sync"), (9, DEMO_EPIC)):
        task = epics[task_id]
        assert "**Planning Documents**" in task["description"]
        head, *items = task["details"].splitlines()
        assert head == "Artifacts:"
        paths = [re.match(r"(\d+)\. (.+)", item).groups() for item in items]
        assert [int(n) for n, _ in paths] == list(range(1, len(paths) + 1))
        assert paths[0][1] == f"{EPICS}/{folder}/"
        for _, path in paths:
            assert (demo / path).exists(), path
    assert f"{EPICS}/{DEMO_EPIC}/roles/02-architect.md" in epics[9]["details"]


def test_mcp_configs_have_their_real_world_quirks(demo: Path) -> None:
    claude = json.loads(read(demo, ".mcp.json"))["mcpServers"]
    assert {"task-master-ai", "context7", "perplexity", "laravel-boost", "deepwiki", "github"} <= set(claude)

    cursor_text = read(demo, ".cursor/mcp.json")
    cursor = json.loads(cursor_text)["mcpServers"]
    assert any(name != name.lower() for name in cursor)
    assert "<your-github-token>" in cursor_text or "YOUR_" in cursor_text

    vscode_text = read(demo, ".vscode/mcp.json")
    assert re.search(r"^\s*//", vscode_text, flags=re.M)
    assert re.search(r",\s*[}\]]", vscode_text)
    with pytest.raises(json.JSONDecodeError):
        json.loads(vscode_text)
    loose = re.sub(r",(\s*[}\]])", r"\1", re.sub(r"^\s*//.*$", "", vscode_text, flags=re.M))
    servers = json.loads(loose)["servers"]
    assert "deepwiki" not in servers and "github" in servers
