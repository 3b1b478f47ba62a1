"""Write small prompt packs in the layouts pipelines really use, each with six roles, into a git repo.

Every pack holds the same six roles (DevOps … Lead); a shape decides where the files go and how the
prompts are worded: split support/commands folders, flat, no git step, an instruction line at the
top of the topic list. The testing role's scaffold always holds a fenced shell example, the lead
role always audits against a checklist and requires a Recommendation section, and the epics folder
always has a `packages/` folder of shared notes beside the epic.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

EPIC_FOLDER = "003_team-calendar"
EPIC_TITLE = "Team calendar"
EPICS = ".taskmaster/epics"
INSTRUCTION = "Present each batch of questions as a numbered list; the user answers by number."


@dataclass(frozen=True)
class Role:
    """One role of the pack, with what a correct reading of its prompt must give."""

    word: str
    """The natural name a person types (`--role testing`)."""
    prompt: str
    """The prompt's file name, e.g. `25-test.md`."""
    key: str
    """The plan it writes: `roles/<key>.md`."""
    name: str
    topics: tuple[tuple[str, str], ...]
    """(topic line as written, the scaffold section it must land in)."""
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    """(heading, placeholder bullets); Notes is added to every scaffold as prose."""
    fill_without_topic: tuple[str, ...] = ()
    """Sections no topic maps to, filled with `add --section`."""
    checklist: bool = False
    fence_in_scaffold: bool = False

    @property
    def titles(self) -> list[str]:
        return [line.split(":")[0].rstrip(".") for line, _ in self.topics]

    def plan_path(self) -> str:
        return f"{EPICS}/{EPIC_FOLDER}/roles/{self.key}.md"

    def reply(self) -> str:
        return f"The {self.name} role path is {self.plan_path()}"

    def message(self) -> str:
        return f"{self.name} plan documented for {EPIC_TITLE}\n\nPath: {self.plan_path()}"

    def headings(self) -> list[str]:
        return [f"# {EPIC_TITLE} — {self.name} Plan"] + [f"## {h}" for h, _ in self.sections] + ["## Notes"]


ROLES: tuple[Role, ...] = (
    Role(
        "devops", "21-devops.md", "01-devops", "DevOps",
        (
            ("Environments: local, staging, production, environment variables.", "Environments & Configuration"),
            ("Queues and workers: connections, supervisors, retries.", "Queues & Workers"),
            ("Storage: disks, buckets, backups.", "Storage & Backups"),
        ),
        (
            ("Environments & Configuration", ("Environment variables per environment",)),
            ("Queues & Workers", ("Queue connections and supervisors",)),
            ("Storage & Backups", ("Disks, buckets and backup schedule",)),
            ("Risks", ("Known risks and mitigations",)),
        ),
    ),
    Role(
        "architect", "22-architect.md", "02-architect", "Architect",
        (
            ("Domain overview: bounded contexts, aggregates, entities.", "Domain Overview"),
            ("Design patterns: services, actions, factories for domain objects.", "Patterns & Structure"),
            ("Test data: model factories, seeders, fixtures.", "Testing Data"),
            ("Risks: technical risks and their mitigations.", "Risks & Mitigations"),
        ),
        (
            ("Domain Overview", ("Contexts, aggregates and entities",)),
            ("Patterns & Structure", ("Services and actions",)),
            ("Testing Data", ("Factories and seeders",)),
            ("Risks & Mitigations", ("Each risk with its mitigation",)),
        ),
    ),
    Role(
        "backend", "23-backend.md", "03-backend", "Backend",
        (
            ("Domain and data model boundaries (entities, relationships).", "Domain & Data"),
            ("API surface: endpoints, verbs, pagination, errors.", "API Surface"),
            ("Events, listeners, jobs/queues, notifications.", "Events, Jobs & Queues"),
            ("Caching strategy: keys, invalidation rules, TTLs.", "Caching & Performance"),
        ),
        (
            ("Domain & Data", ("Entities and relationships", "Required migrations")),
            ("API Surface", ("Endpoints with verbs", "Error model")),
            ("Events, Jobs & Queues", ("Domain events and listeners",)),
            ("Caching & Performance", ("Cache keys and invalidation",)),
            ("Risks", ("Known risks and mitigations",)),
        ),
    ),
    Role(
        "frontend", "24-frontend.md", "04-frontend", "Frontend",
        (
            ("UI surfaces: pages, components, empty and error states.", "UI Surfaces"),
            ("Localization: translation strings, locale switching, date formats.", "Internationalization"),
            ("Forms and validation feedback.", "Forms"),
        ),
        (
            ("UI Surfaces", ("Pages and components", "Texts, labels and dates shown on each page")),
            ("Internationalization", ("Translation keys and supported locales",)),
            ("Forms", ("Validation messages and feedback",)),
            ("Accessibility", ("Keyboard and screen reader support",)),
            ("Risks", ("Known risks and mitigations",)),
        ),
        fill_without_topic=("Accessibility",),
    ),
    Role(
        "testing", "25-test.md", "05-testing", "Testing",
        (
            ("Test levels: unit, feature, browser.", "Strategy"),
            ("Test data: factories, seeders.", "Test Data"),
            ("Running the suite: commands, continuous integration.", "How to Run"),
            ("Coverage targets per layer.", "Coverage"),
        ),
        (
            ("Strategy", ("Levels and scope",)),
            ("Test Data", ("Factories and seeders",)),
            ("How to Run", ("Commands and continuous integration jobs",)),
            ("Coverage", ("Coverage targets per layer",)),
            ("Risks", ("Known risks and mitigations",)),
        ),
        fence_in_scaffold=True,
    ),
    Role(
        "lead", "26-lead.md", "06-lead", "Lead",
        (
            ("Each plan follows its scaffold.", "Summary"),
            ("Plans agree on names: tables, queues, variables.", "Findings"),
            ("No open questions remain in any plan.", "Open Questions"),
            ("Go or no-go for implementation.", "Recommendation"),
        ),
        (
            ("Summary", ("Scaffold compliance of each plan",)),
            ("Findings", ("Naming agreement across plans (tables, queues, variables)",)),
            ("Open Questions", ("Questions that remain open",)),
            ("Recommendation", ("Go or no-go for implementation, with the reason",)),
            ("Risks", ("Known risks and mitigations",)),
        ),
        checklist=True,
    ),
)
ROLE_BY_WORD = {role.word: role for role in ROLES}


@dataclass(frozen=True)
class Shape:
    """Where a pack's files go and how its prompts are worded."""

    name: str
    support: str
    """Folder of 01-forbidden.md … 04-rules.md."""
    roles: str
    """Folder of the role prompts."""
    commands: str
    """Folder of 00-start.md and the other commands."""
    git_step: bool = True
    instruction: bool = False
    client_config: str = ".cursor/mcp.json"
    extra: dict[str, str] = field(default_factory=dict)


SHAPES: tuple[Shape, ...] = (
    Shape("cursor-split", ".cursor/support", ".cursor/commands/20-roles", ".cursor/commands"),
    Shape("claude-split", ".cursor/support", ".claude/commands/20-roles", ".claude/commands", git_step=False, client_config=".mcp.json"),
    Shape("claude-copied", ".claude/commands", ".claude/commands/20-roles", ".claude/commands", instruction=True, client_config=".mcp.json"),
    Shape("flat", ".cursor/commands", ".cursor/commands", ".cursor/commands", git_step=False, instruction=True),
)
SHAPE_BY_NAME = {shape.name: shape for shape in SHAPES}


def role_prompt(role: Role, shape: Shape) -> str:
    """A role prompt in the pipeline's shape, worded for this pack."""
    path = f".taskmaster/epics/<epic folder>/roles/{role.key}.md"
    lines = [f"# {role.name} Planning", "", "---", "", "## Role & Mindset",
             f"You are the **{role.name}** voice for this epic. You plan; you do not write code.", "",
             "## Preparation",
             "1. **Read [01-forbidden.md](../01-forbidden.md)** and keep every rule.",
             "2. **Read [02-mcp.md](../02-mcp.md)** for the MCP servers.",
             "3. Confirm MCP servers are active: `task-master-ai`, `context7`.", "", "## Steps", ""]
    if role.checklist:
        lines += ["1. **Audit the Role Plans**",
                  "   - Read every earlier plan in the epic's `roles/` folder.",
                  "   - Review them against this checklist:"]
        lines += [f"     - [ ] {line}" for line, _ in role.topics]
    else:
        lines += [f"1. **Begin {role.name} Discussion**",
                  "   - Hold a back-and-forth with the user covering these topics:"]
        if shape.instruction:
            lines.append(f"     - {INSTRUCTION}")
        lines += [f"     - {line}" for line, _ in role.topics]
        lines.append("   - Continue until every topic is confirmed.")
    lines += ["", "2. **Document the Final Plan**", "   - Write the plan to:", f"     `{path}`",
              "   - Use this scaffold:", "     ```markdown", f"     # [Epic Title] — {role.name} Plan", ""]
    for heading, bullets in role.sections:
        lines.append(f"     ## {heading}")
        lines += [f"     - {b}" for b in bullets]
        if role.fence_in_scaffold and heading == "How to Run":
            lines += ["     ```bash", "     php artisan test --parallel", "     ```"]
        lines.append("")
    lines += ["     ## Notes", "     [anything worth keeping]", "     ```", ""]
    step = 3
    if shape.git_step:
        lines += [f"{step}. **git**", "```", f"{role.name} plan documented for <epic title>", "", f"Path: {path}", "```", ""]
        step += 1
    lines += [f"{step}. **Reply**", f"   - `The {role.name} role path is <path to {role.key}.md>`", "   - exactly that and nothing else", ""]
    return "\n".join(lines)


SUPPORT = {
    "01-forbidden.md": (
        "# Forbidden\n\n## Rules\n\n### 1. Scope\n- ❌ Never give time estimates.\n\n"
        "### 2. Output\n- ❌ Never add a section called \"Next steps\" or \"Recommendations\".\n"
        "- ❌ Plans contain no code blocks.\n"
    ),
    "02-mcp.md": "# MCP servers\n\n- `task-master-ai`: tasks\n- `context7`: library docs\n",
    "03-pipeline.md": (
        "# Pipeline\n\n## Roles\n1. `21-devops.md`\n2. `22-architect.md`\n3. `23-backend.md`\n"
        "4. `24-frontend.md`\n5. `25-test.md`\n6. `26-lead.md`\n"
    ),
    "04-rules.md": "# Rules for epics\n\n- One epic, one folder.\n",
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def build_pack(root: Path, shape: Shape) -> Path:
    """A git repository holding a pack of this shape, one epic and a `packages/` folder; returns it."""
    files: dict[str, str] = {f"{shape.support}/{name}": text for name, text in SUPPORT.items()}
    files[f"{shape.commands}/00-start.md"] = "# Start a New Epic\n\nCreate the epic folder under `.taskmaster/epics/`.\n"
    files[f"{shape.commands}/60-git/61-commit.md"] = "# Commit\n\nCommit what the step wrote.\n"
    for role in ROLES:
        files[f"{shape.roles}/{role.prompt}"] = role_prompt(role, shape)
    epic = f"{EPICS}/{EPIC_FOLDER}"
    files[f"{epic}/04-prd.md"] = f"# {EPIC_TITLE}\n\nMembers share one calendar. Packages: [notes](./packages/).\n"
    files[f"{epic}/01-discuss.md"] = "# Discussion\n\nA shared calendar per team.\n"
    files[f"{EPICS}/packages/laravel-scout.md"] = "# laravel/scout\n\nSearch for every epic.\n"
    files[shape.client_config] = json.dumps(
        {"mcpServers": {"task-master-ai": {"command": "npx", "args": ["task-master-ai"]}, "context7": {"command": "npx", "args": ["context7"]}}}
    )
    files[".taskmaster/tasks/tasks.json"] = json.dumps(
        {"master": {"tasks": [{"id": 3, "title": f"EPIC: {EPIC_TITLE}", "status": "pending",
                               "details": f"Artifacts:\n1. {epic}/04-prd.md\n2. {epic}/01-discuss.md"}]}}
    )
    for rel, text in {**files, **shape.extra}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Project before planning")
    return root


def head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def last_commit(repo: Path) -> tuple[str, list[str]]:
    """The last commit's full message and the paths it changed."""
    message = _git(repo, "log", "-1", "--format=%B").rstrip("\n")
    paths = _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    return message, paths
