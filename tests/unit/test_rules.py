"""Parsing of the rule book, the MCP server list and the pipeline tree."""

from __future__ import annotations

import pytest

from planner_tui.core.errors import PromptError
from planner_tui.core.pack.rules import parse_mcp_list, parse_pipeline, parse_rules, position, roles_before

RULES = """\
# House Rules

## Global Principles
- **Cite sources:** every claim points at a file or the user.
- **Stay inside:** touch nothing outside the workspace.

---

## Forbidden Actions

### 1. Scope
- ❌ Do not promise **dates**.
- ✅ Record only what was agreed.
- Keep plans short.

### 2. Gates
- ✅ Hold these limits fixed:
  - Static analysis: level ≥6
  - p95 ≤400 ms
- ❌️ Never lower a gate.

### Secrets
- ❌ Never paste a token.

---

## Enforcement
Stop at once and print:
```
❌ Rule broken
```
"""


def test_rules_principles_categories_and_values() -> None:
    book = parse_rules(RULES, "01-forbidden.md")
    assert book.source == "01-forbidden.md"
    assert book.principles == [
        "**Cite sources:** every claim points at a file or the user.",
        "**Stay inside:** touch nothing outside the workspace.",
    ]
    assert [(c.number, c.title) for c in book.categories] == [(1, "Scope"), (2, "Gates"), (3, "Secrets")]
    scope = book.categories[0].rules
    assert [(r.kind, r.text) for r in scope] == [
        ("forbidden", "Do not promise **dates**."),
        ("required", "Record only what was agreed."),
        ("plain", "Keep plans short."),
    ]
    gates = book.categories[1].rules
    assert gates[0].values == ["Static analysis: level ≥6", "p95 ≤400 ms"]
    # The emoji variation selector after ❌ is not part of the rule's text.
    assert (gates[1].kind, gates[1].text, gates[1].values) == ("forbidden", "Never lower a gate.", [])
    assert book.enforcement.startswith("Stop at once") and "❌ Rule broken" in book.enforcement


def test_rules_without_any_rule_raise() -> None:
    with pytest.raises(PromptError) as err:
        parse_rules("# Nothing here\n\nJust prose.\n", "01-forbidden.md")
    assert err.value.part == "rules"


MCP = """\
Make sure these MCP servers answer
1. `task-master-ai`,
2. `context7`,
3. `deepwiki`
4. `sequentialthinking`

## Uses
   - `context7` for library docs
   - `task-master-ai` holds the tasks
   - `perplexity`: web research
"""


def test_mcp_list_names_in_order_with_uses() -> None:
    servers = parse_mcp_list(MCP, "02-mcp.md").servers
    assert [s.name for s in servers] == [
        "task-master-ai", "context7", "deepwiki", "sequentialthinking", "perplexity",
    ]
    uses = {s.name: s.use for s in servers}
    assert uses["context7"] == "for library docs"
    assert uses["task-master-ai"] == "holds the tasks"
    assert uses["perplexity"] == "web research"
    assert uses["deepwiki"] == ""


def test_mcp_list_without_names_raises() -> None:
    with pytest.raises(PromptError) as err:
        parse_mcp_list("# MCP\n\nNone yet.\n", "02-mcp.md")
    assert err.value.part == "MCP server list"


PIPELINE = """\
## Pipeline
```
00-start.md
01-rules.md
10-plan/
   11-talk.md
   12-write.md
20-roles/
   21-ops.md
   22-design.md
   23-server.md
   24-client.md
30-later
   31-expand.md
40-end.md
```
"""


def test_pipeline_tree_with_and_without_trailing_slash() -> None:
    pipe = parse_pipeline(PIPELINE, "03-pipeline.md")
    by_path = {s.path: s for s in pipe.steps}
    assert [s.path for s in pipe.steps][:5] == [
        "00-start.md", "01-rules.md", "10-plan", "10-plan/11-talk.md", "10-plan/12-write.md",
    ]
    assert by_path["20-roles"].is_group and by_path["20-roles"].depth == 0
    assert by_path["30-later"].is_group  # no trailing slash, but it has children
    assert by_path["30-later/31-expand.md"].depth == 1
    assert not by_path["40-end.md"].is_group and by_path["40-end.md"].depth == 0
    assert by_path["20-roles/23-server.md"].name == "23-server.md"


def test_tree_drawing_characters_are_understood() -> None:
    text = "```\nplan/\n├── 20-roles/\n│   ├── 21-ops.md\n│   └── 22-server.md\n└── 30-end.md\n```\n"
    pipe = parse_pipeline(text, "p.md")
    assert [(s.path, s.depth) for s in pipe.steps] == [
        ("plan", 0), ("plan/20-roles", 1), ("plan/20-roles/21-ops.md", 2),
        ("plan/20-roles/22-server.md", 2), ("plan/30-end.md", 1),
    ]


def test_roles_before_and_position() -> None:
    pipe = parse_pipeline(PIPELINE, "03-pipeline.md")
    assert [s.name for s in roles_before(pipe, "23-server.md")] == ["21-ops.md", "22-design.md"]
    assert [s.name for s in roles_before(pipe, ".cursor/commands/20-roles/24-client.md")] == [
        "21-ops.md", "22-design.md", "23-server.md",
    ]
    assert roles_before(pipe, "21-ops.md") == []
    assert roles_before(pipe, "99-none.md") == []
    assert position(pipe, "20-roles/23-server.md") == (3, 4)
    assert position(pipe, "31-expand.md") == (1, 1)
    assert position(pipe, "99-none.md") is None


def test_pipeline_without_tree_raises() -> None:
    with pytest.raises(PromptError) as err:
        parse_pipeline("## Pipeline\n```\n```\n", "03-pipeline.md")
    assert err.value.part == "pipeline"


def test_pipeline_without_fence_reads_only_name_lines() -> None:
    text = "# Pipeline\n\nThe order is:\n\n- 00-start.md\n- 20-roles/\n  - 23-server.md\n"
    pipe = parse_pipeline(text, "p.md")
    assert [s.path for s in pipe.steps] == ["00-start.md", "20-roles", "20-roles/23-server.md"]
