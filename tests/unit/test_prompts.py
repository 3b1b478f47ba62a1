"""Role prompt parsing, topic mapping, the built-in backend role and the filled templates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner_tui.core.pack.builtin import builtin_keys, builtin_role
from planner_tui.core.errors import PromptError
from planner_tui.core.pack.prompts import (
    TITLE_LIMIT,
    commit_message,
    output_path,
    parse_role_prompt,
    reply_line,
    role_key_from_text,
)
from planner_tui.core.pack.topics import split_topic, topic_id

# A backend-shaped prompt in our own words: indented scaffold, git fence at column 0, step 3
# missing from the numbering (as in real packs).
SERVER_PROMPT = """\
# Server Planning

---

## Role & Mindset
You are the **server engineer** for this epic.  
You agree contracts with the user and write no code.

---

## Preparation
1. **Read [01-forbidden.md](../01-forbidden.md)** first.
2. Read [02-mcp.md](../02-mcp.md) for the MCP servers on offer.
3. Check these MCP servers are reachable:  
   `task-master-ai`, `Context7`, and `laravel-boost`.

---

## Steps

1. **Begin Server Discussion**
   - Talk through these topics with the user:
     - Stored records and their links (entities, relationships).
     - HTTP endpoints: routes, verbs, payload shapes,
       error codes.
     - Schema changes: migrations, seeds.
     - Queue work: jobs, retries.
     - Cache usage: keys, expiry.
     - Query budget: query limits, N+1 audit points.
   - Stop only when every topic is confirmed.

2. **Document the Final Plan**
   - Write to:
     `.task-master/epics/<epic folder>/roles/03-server.md`
   - Use this outline:
     ```
     # [Epic Title] — Server Plan

     ## Records & Data
     - Entities and relationships
     - Required migrations and seeds

     ## Endpoints
     - Routes with verbs
     - Error codes

     ## Queues
     - Jobs and retry policy

     ## Cache & Queries
     - Cache keys and expiry
     - Query limits and N+1 audit list

     ## Risks
     - Known risks

     ## Notes
     [any relevant notes]
     ```

4. **git**
```
Server plan documented for <epic title>

Path: .task-master/epics/<epic folder>/roles/03-server.md
```

5. **Reply**
   - `The Server role path is <path to 03-server.md>`
   - nothing else
"""

CLIENT_PROMPT = """\
# Client Planning

## Role & Mindset
You shape the screens people use.

## Preparation
1. Confirm MCP servers are active: `context7`, `deepwiki`.

## Steps
1. **Begin Client Discussion**
   - Cover these topics, one at a time:
     - Screens and navigation: pages, dialogs.
     - Reusable Blade components.
     - Accessibility: focus order, labels.
     - Colour and spacing tokens with Tailwind.
2. **Document the Final Plan**
   - Path: `.task-master/epics/<epic folder>/roles/04-client.md`
   - Scaffold:
     ~~~
     # [Epic Title] — Client Plan

     ## Screens & Navigation
     - Pages and entry points

     ## Components
     - Blade components

     ## Accessibility
     - Focus and labels

     ## Styling
     - Tailwind tokens

     ## Notes
     [any relevant notes]
     ~~~
3. **git**
   ```
   Client plan documented for <epic title>

   Path: .task-master/epics/<epic folder>/roles/04-client.md
   ```
4. **Reply**
   - `The Client role path is <path to 04-client.md>`
"""


def test_backend_shaped_prompt_parses_every_part() -> None:
    role = parse_role_prompt(SERVER_PROMPT, "20-roles/23-server.md")
    assert (role.key, role.name, role.title) == ("03-server", "Server", "Server Planning")
    assert role.source == "20-roles/23-server.md"
    assert role.persona.startswith("You are the **server engineer**")
    assert "---" not in role.persona
    assert len(role.prep_steps) == 3
    assert role.mcp_servers == ["task-master-ai", "Context7", "laravel-boost"]
    assert role.output_path_template == ".task-master/epics/<epic folder>/roles/03-server.md"
    assert role.commit_template == (
        "Server plan documented for <epic title>\n\n"
        "Path: .task-master/epics/<epic folder>/roles/03-server.md"
    )
    assert role.reply_template == "The Server role path is <path to 03-server.md>"


def test_indented_scaffold_is_dedented_with_prose_notes() -> None:
    sc = parse_role_prompt(SERVER_PROMPT, "p.md").scaffold
    assert sc.title_line == "# [Epic Title] — Server Plan"
    assert sc.title("Team Invites") == "# Team Invites — Server Plan"
    assert [s.heading for s in sc.sections] == [
        "Records & Data", "Endpoints", "Queues", "Cache & Queries", "Risks", "Notes",
    ]
    assert sc.section("records & data").placeholders == [
        "Entities and relationships", "Required migrations and seeds",
    ]
    notes = sc.section("Notes")
    assert notes.is_prose and notes.text_placeholder == "[any relevant notes]"


def test_topics_split_into_titles_and_points_and_wrapped_lines_join() -> None:
    topics = parse_role_prompt(SERVER_PROMPT, "p.md").topics
    assert [t.number for t in topics] == [1, 2, 3, 4, 5, 6]
    assert topics[0].title == "Stored records and their links"
    assert topics[0].points == ["entities", "relationships"]
    assert topics[1].title == "HTTP endpoints"
    assert topics[1].points == ["routes", "verbs", "payload shapes", "error codes"]
    assert topics[1].text.endswith("error codes.")
    assert len({t.id for t in topics}) == len(topics)


def test_topics_map_to_sections_and_slots_when_sharing() -> None:
    topics = {t.number: t for t in parse_role_prompt(SERVER_PROMPT, "p.md").topics}
    assert (topics[1].section, topics[1].slot) == ("Records & Data", 0)
    assert (topics[2].section, topics[2].slot) == ("Endpoints", None)
    assert (topics[3].section, topics[3].slot) == ("Records & Data", 1)
    assert (topics[4].section, topics[4].slot) == ("Queues", None)
    assert (topics[5].section, topics[5].slot) == ("Cache & Queries", 0)
    assert (topics[6].section, topics[6].slot) == ("Cache & Queries", 1)
    assert all(t.section not in ("Risks", "Notes") for t in topics.values())


def test_frontend_shaped_prompt_with_tilde_fence() -> None:
    role = parse_role_prompt(CLIENT_PROMPT, "24-client.md")
    assert (role.key, role.name) == ("04-client", "Client")
    assert role.mcp_servers == ["context7", "deepwiki"]
    sections = [t.section for t in role.topics]
    assert sections == ["Screens & Navigation", "Components", "Accessibility", "Styling"]
    assert role.topics[1].title == "Reusable Blade components" and role.topics[1].points == []


def test_name_falls_back_to_title_without_planning() -> None:
    text = CLIENT_PROMPT.replace(
        "`The Client role path is <path to 04-client.md>`", "`Done: <path to 04-client.md>`"
    )
    role = parse_role_prompt(text, "x.md")
    assert role.name == "Client"
    assert reply_line(role, "a/b.md") == "Done: a/b.md"


def test_crlf_and_tabs_are_tolerated(tmp_path) -> None:
    path = tmp_path / "23-server.md"
    path.write_bytes(SERVER_PROMPT.replace("\n", "\r\n").encode("utf-8"))
    role = parse_role_prompt(path.read_text(encoding="utf-8"), str(path))
    assert role.key == "03-server" and len(role.topics) == 6
    assert "\r" not in role.commit_template


@pytest.mark.parametrize(
    ("part", "mutate"),
    [
        ("discussion topics", lambda t: re.sub(r"     - .*\n", "", t)),
        ("scaffold", lambda t: re.sub(r"     ```\n     # \[Epic.*?     ```\n", "", t, flags=re.S)),
        ("output path", lambda t: t.replace("`.task-master/epics/<epic folder>/roles/03-server.md`", "")
         .replace("Path: .task-master/epics/<epic folder>/roles/03-server.md", "Path: somewhere")),
        ("reply line", lambda t: t.replace("`The Server role path is <path to 03-server.md>`", "say it")),
    ],
)
def test_missing_part_raises_prompt_error_naming_it(part, mutate) -> None:
    broken = mutate(SERVER_PROMPT)
    assert broken != SERVER_PROMPT
    with pytest.raises(PromptError) as err:
        parse_role_prompt(broken, "20-roles/23-server.md")
    assert err.value.part == part
    assert err.value.file == "20-roles/23-server.md"
    assert part in str(err.value) and "\n" not in str(err.value)


def test_prompt_without_git_step_gets_the_pipelines_message_said_to_be_derived() -> None:
    text = re.sub(r"4\. \*\*git\*\*\n```.*?```\n", "", SERVER_PROMPT, flags=re.S)
    role = parse_role_prompt(text, "20-roles/23-server.md")
    assert role.derived == ["commit message"]
    assert commit_message(role, "Photo notes", ".taskmaster/epics/009_photo-notes") == (
        "Server plan documented for Photo notes\n\nPath: .taskmaster/epics/009_photo-notes/roles/03-server.md"
    )
    own = parse_role_prompt(text, "p.md", commit_template="plan(<role>): <epic title>\n\n<path>")
    assert commit_message(own, "Photo notes", "e/009_x") == "plan(Server): Photo notes\n\ne/009_x/roles/03-server.md"
    assert parse_role_prompt(SERVER_PROMPT, "p.md").derived == []


def test_output_path_found_from_commit_body_when_not_backticked() -> None:
    text = SERVER_PROMPT.replace("`.task-master/epics/<epic folder>/roles/03-server.md`", "the roles folder")
    assert parse_role_prompt(text, "p.md").output_path_template.endswith("roles/03-server.md")


def test_role_key_from_text() -> None:
    assert role_key_from_text(SERVER_PROMPT) == "03-server"
    assert role_key_from_text("see `20-roles/23-backend.md` in the tree") is None
    assert role_key_from_text("write `.taskmaster/epics/x/roles/05-qa.md`") == "05-qa"
    assert role_key_from_text("# Start\nCreate `.task-master/epics/<id>_<slug>/`.") is None


def test_split_topic_shapes() -> None:
    assert split_topic("Search integration (Meilisearch): indices, mappings, sync jobs.") == (
        "Search integration (Meilisearch)", ["indices", "mappings", "sync jobs"],
    )
    assert split_topic("Performance targets: query limits, Pulse/Telescope checks.") == (
        "Performance targets", ["query limits", "Pulse/Telescope checks"],
    )
    assert split_topic("Events, listeners, jobs/queues.") == ("Events", ["events", "listeners", "jobs/queues"])
    assert split_topic("Strings: plurals, dates and currencies.")[1] == ["plurals", "dates", "currencies"]
    assert split_topic("Validation and error display.") == ("Validation and error display", [])


def test_topic_id_is_stable_and_unique() -> None:
    taken: set[str] = set()
    assert topic_id("Domain and data model boundaries", taken) == "domain-data-model"
    assert topic_id("API surface", taken) == "api-surface"
    assert topic_id("API surface", taken) == "api-surface-2"
    assert topic_id("!!!", taken) == "topic"


def test_builtin_backend_matches_the_pipeline_strings() -> None:
    role = builtin_role("03-backend")
    assert role is not None and role.source == "built-in"
    assert (role.key, role.name, role.title) == ("03-backend", "Backend", "Backend Planning")
    assert role.scaffold.title_line == "# [Epic Title] — Backend Plan"
    assert role.output_path_template == ".task-master/epics/<epic folder>/roles/03-backend.md"
    assert role.commit_template == (
        "Backend plan documented for <epic title>\n\n"
        "Path: .task-master/epics/<epic folder>/roles/03-backend.md"
    )
    assert role.reply_template == "The Backend role path is <path to 03-backend.md>"
    assert role.mcp_servers == ["task-master-ai", "context7", "perplexity", "laravel-boost", "deepwiki", "github"]
    assert role.topics[1].points == ["endpoints", "verbs", "request/response DTOs", "pagination", "errors"]
    assert role.topics[8].points == ["query limits", "N+1 audit points", "Pulse/Telescope checks"]


def test_builtin_backend_topic_mapping() -> None:
    got = [(t.section, t.slot) for t in builtin_role("backend").topics]
    assert got == [
        ("Domain & Data", 0),
        ("API Surface", None),
        ("Controllers & Validation", None),
        ("Livewire/Frontend Contracts", None),
        ("Events, Jobs & Queues", None),
        ("Domain & Data", 1),
        ("Search (Meilisearch)", None),
        ("Caching & Performance", 0),
        ("Caching & Performance", 1),
        ("Observability", None),
    ]


def test_builtin_lookup_and_copies() -> None:
    assert builtin_keys() == ["03-backend"]
    for ref in ("Backend", "backend", "03-backend", "23-backend.md"):
        assert builtin_role(ref) is not None, ref
    assert builtin_role("frontend") is None and builtin_role("") is None
    first = builtin_role("backend")
    first.topics.clear()
    assert len(builtin_role("backend").topics) == 10


def test_filled_templates_use_the_real_epic_path() -> None:
    role = builtin_role("backend")
    epic = ".taskmaster/epics/012_team-invitations"
    assert output_path(role, epic + "/") == epic + "/roles/03-backend.md"
    assert commit_message(role, "Team Invitations", epic) == (
        "Backend plan documented for Team Invitations\n\n"
        "Path: .taskmaster/epics/012_team-invitations/roles/03-backend.md"
    )
    plan = output_path(role, epic)
    assert reply_line(role, plan) == f"The Backend role path is {plan}"


def test_commit_subject_is_sanitised() -> None:
    role = builtin_role("backend")
    epic = ".task-master/epics/007_saved-searches"
    msg = commit_message(role, "Saved\r\nSearches \x1b[31mred\x1b[0m\u202e\nSigned-off-by: x", epic)
    subject, blank, body = msg.split("\n")
    assert subject == "Backend plan documented for Saved Searches red Signed-off-by: x"
    assert blank == "" and body == "Path: .task-master/epics/007_saved-searches/roles/03-backend.md"
    long = commit_message(role, "x" * 500, epic).split("\n")[0]
    assert len(long) == len("Backend plan documented for ") + TITLE_LIMIT and long.endswith("…")
    assert commit_message(role, "\x00\n", epic).startswith("Backend plan documented for 007_saved-searches\n")


@given(st.text(max_size=400))
def test_commit_message_shape_holds_for_any_title(title: str) -> None:
    role = builtin_role("backend")
    lines = commit_message(role, title, ".task-master/epics/001_x").split("\n")
    assert len(lines) == 3 and lines[1] == ""
    assert lines[2] == "Path: .task-master/epics/001_x/roles/03-backend.md"
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in lines[0])
    assert len(lines[0]) <= len("Backend plan documented for ") + TITLE_LIMIT


def test_topics_found_without_intro_bullet_or_step_title() -> None:
    no_intro = SERVER_PROMPT.replace("   - Talk through these topics with the user:\n", "")
    assert [t.number for t in parse_role_prompt(no_intro, "p.md").topics] == [1, 2, 3, 4, 5, 6]
    no_title = SERVER_PROMPT.replace("1. **Begin Server Discussion**\n", "")
    assert parse_role_prompt(no_title, "p.md").topics[0].title == "Stored records and their links"


def test_mcp_servers_named_outside_preparation() -> None:
    text = CLIENT_PROMPT.replace("1. Confirm MCP servers are active: `context7`, `deepwiki`.", "1. Read the epic.")
    assert parse_role_prompt(text, "p.md").mcp_servers == []
    text += "\n## Tools\nThese MCP servers must be configured:\n`perplexity` and `github`.\n"
    assert parse_role_prompt(text, "p.md").mcp_servers == ["perplexity", "github"]
