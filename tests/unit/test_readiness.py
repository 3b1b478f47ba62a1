"""Readiness: which topics, questions, sections and rule breaks block the commit, and how they read."""

from __future__ import annotations

import pytest

from planner_tui.core.models import Session
from planner_tui.core.plan.render import render_plan
from planner_tui.core.plan.readiness import blockers, is_ready
from planner_tui.core.plan.rulecheck import find_breaks, rule_text

try:
    from .plan_support import backend_role, entry, rulebook, session_with
except ImportError:  # collected without a package
    from plan_support import backend_role, entry, rulebook, session_with

ROLE = backend_role()
ALL_TOPICS = {t.id for t in ROLE.topics}
TIME_RULE = "Never state **time estimates** of any kind."


def complete_threads() -> dict[str, list]:
    """One clean decision per topic and a risk: every bullet section filled."""
    threads = {
        "domain": [entry("decision", "SavedSearch belongsTo User")],
        "api": [entry("decision", "GET /account/saved-searches, 20 per page")],
        "controllers": [entry("decision", "SavedSearchPolicy: owner-only update/delete")],
        "livewire": [entry("decision", "SavedSearchMenu props: savedSearches")],
        "events": [entry("decision", "SendSavedSearchDigest on `notifications` queue, 3 tries, backoff 60s")],
        "database": [entry("decision", "Migration create_saved_searches_table; no seeds")],
        "search": [entry("decision", "Reuse the products index")],
        "caching": [entry("decision", "Cache key saved-searches:{userId}, TTL 10 min")],
        "performance": [entry("decision", "Pulse budget p95 ≤500 ms, ≤10 queries per request")],
        "observability": [entry("decision", "Sentry tag feature=saved-searches; DSN from SENTRY_DSN")],
    }
    threads["events"].append(entry("risk", "Digest fan-out: chunk users by 500"))
    return threads


def check(session: Session, rules=None, title: str = "Saved Searches"):
    return blockers(ROLE, session, render_plan(ROLE, session, title), rules if rules is not None else rulebook())


def test_a_complete_clean_session_is_ready():
    found = check(session_with(complete_threads(), ALL_TOPICS))
    assert found == [] and is_ready(found)


def test_unconfirmed_topics_come_first_in_role_order():
    found = check(session_with(complete_threads(), ALL_TOPICS - {"controllers", "domain"}))
    assert [b.kind for b in found] == ["topic", "topic"]
    assert found[0].message == "Topic 1 of 10, Domain and data model, is not confirmed."
    assert found[1].message == "Topic 3 of 10, Controllers & Validation, is not confirmed."
    assert found[1].topic == "controllers" and not is_ready(found)


def test_a_topic_missing_from_the_session_is_not_confirmed():
    threads = complete_threads()
    del threads["search"]
    threads["caching"].append(entry("decision", "Search index sync on save", section="Search (Meilisearch)"))
    found = check(session_with(threads, ALL_TOPICS))
    assert [(b.kind, b.topic) for b in found] == [("topic", "search")]


def test_each_open_question_blocks_and_is_quoted():
    threads = complete_threads()
    threads["api"] += [
        entry("question", "Do we  need\ncursor pagination?", id="q1"),
        entry("question", "Rate limit?", status="answered"),
        entry("question", "GraphQL?", status="dropped"),
    ]
    threads["domain"].append(entry("question", "Soft deletes?", id="q2"))
    found = check(session_with(threads, ALL_TOPICS))
    assert [(b.kind, b.entry, b.topic) for b in found] == [("question", "q2", "domain"), ("question", "q1", "api")]
    assert found[1].message == 'Open question #1 in topic 2, API surface: "Do we need cursor pagination?"'  # the thread's #N


def test_empty_bullet_sections_block_but_notes_may_stay_empty():
    threads = complete_threads()
    del threads["livewire"]
    threads["events"] = [entry("decision", "No listeners in v1")]  # the only risk is gone
    found = check(session_with(threads, ALL_TOPICS))
    assert [b.kind for b in found] == ["topic", "section", "section"]  # livewire has no thread at all
    sections = [b for b in found if b.kind == "section"]
    assert [b.section for b in sections] == ["Livewire/Frontend Contracts", "Risks"]
    assert sections[0].message == "Section Livewire/Frontend Contracts is empty: add a decision in topic 4, Livewire contracts."
    assert sections[0].topic == "livewire"
    assert sections[1].message == "Section Risks is empty: record a risk in any topic."


def test_blockers_keep_their_kind_order():
    threads = complete_threads()
    del threads["search"]
    threads["api"].append(entry("question", "Versioned URLs?"))
    threads["api"].append(entry("decision", "Endpoints take 3 days to build"))
    found = check(session_with(threads, ALL_TOPICS - {"api"}))
    kinds = [b.kind for b in found]
    assert kinds == sorted(kinds, key=["topic", "question", "section", "rule"].index)
    assert {"topic", "question", "section", "rule"} == set(kinds)


def test_rule_break_names_entry_topic_and_quotes_the_rulebook():
    threads = complete_threads()
    threads["controllers"].append(entry("decision", "Policies will take about two days to write", id="d7"))
    found = check(session_with(threads, ALL_TOPICS))
    assert len(found) == 1
    b = found[0]
    assert (b.kind, b.entry, b.topic, b.section, b.rule) == ("rule", "d7", "controllers", "Controllers & Validation", TIME_RULE)
    assert b.message == (
        "Entry d7 (topic 3, Controllers & Validation) has a time estimate "
        '("Policies will take about two days to write"), which 01-forbidden.md forbids: '
        '"Never state time estimates of any kind."'
    )


def test_without_a_rulebook_the_builtin_wording_is_quoted():
    threads = complete_threads()
    threads["api"].append(entry("note", "Story points: 5"))
    session = session_with(threads, ALL_TOPICS)
    found = blockers(ROLE, session, render_plan(ROLE, session, "X"), None)
    assert [b.rule for b in found] == ["Do not give or hint at time estimates (hours, days, sprints)."]


@pytest.mark.parametrize(
    "text",
    [
        "This takes 3 days to build",
        "Ship it in 2 days",
        "We build this in two weeks",
        "Estimate: 2-3 days",
        "Should fit in a sprint",
        "5 story points",
        "ETA: end of March",
        "About 3h of work",
        "Effort ~4d",
        "Two man-days",
    ],
)
def test_time_estimates_block(text):
    assert [f.rule for f in find_breaks(text)] == ["time"]


@pytest.mark.parametrize(
    "text",
    [
        "Cache key saved-searches:{userId}, TTL 10 min",
        "Invitation expires after 7 days",
        "Invitation expires in 7 days",
        "3 tries, backoff 60s",
        "Pulse: p95 ≤500 ms and ≤10 queries per request",
        "Retain logs for 30 days; digest runs daily",
        "Estimated 10k rows per day",
        "Use SENTRY_DSN, MEILISEARCH_KEY and ${GITHUB_PAT} from the environment",
        "password: required|min:8|confirmed; token: string, 64-char, sha256-hashed",
        "foreign_key: user_id; idempotency_key: uuid",
        "We agreed the next steps with the product owner",
        "Run `php artisan scout:import` after deploy",
        "Tenant 550e8400-e29b-41d4-a716-446655440000, commit 3f2a9c1b7e5d4a6f8b0c2d4e6f8a0b1c2d3e4f5a",
        "App/Http/Controllers/SavedSearchController.php",
        "Errors: 422 validation, 403 policy; JSON shape { message, errors }",
    ],
)
def test_ordinary_plan_text_does_not_block(text):
    assert find_breaks(text) == []
    threads = complete_threads()
    threads["api"].append(entry("decision", text))
    assert check(session_with(threads, ALL_TOPICS)) == []


@pytest.mark.parametrize(
    "text",
    ["## Next steps", "**Recommendations:** cache more", "Next steps: ship it", "> To do next", "1. __To-do next__"],
)
def test_forbidden_section_names_block(text):
    threads = complete_threads()
    threads["observability"].append(entry("note", text, id="n1"))
    found = check(session_with(threads, ALL_TOPICS))
    assert [(b.kind, b.entry) for b in found] == [("rule", "n1")]
    assert found[0].rule == 'No sections named "Next steps", "Recommendations" or "To do next".'


@pytest.mark.parametrize(
    "text",
    [
        "Schema:\n```php\nSchema::create('saved_searches');\n```",
        "<?php echo 'x';",
        "Store:\n$table->string('name');\n$table->json('filters');",
        "Like this:\n\n    $query->where('user_id', $id);",
        "public function store(Request $request)",
    ],
)
def test_code_blocks_in_entries_block(text):
    threads = complete_threads()
    threads["database"].append(entry("decision", text, id="c1"))
    found = check(session_with(threads, ALL_TOPICS))
    assert [(b.kind, b.entry, b.rule) for b in found] == [("rule", "c1", "A plan holds no source code blocks.")]


SECRETS = [
    "sk-proj-Abcdefghijklmnop1234567890",
    "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-123456789012-abcdefghijkl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9",
]


@pytest.mark.parametrize("secret", SECRETS + ["password=hunter2", "MEILISEARCH_KEY=masterKey123", 'api_key: "abcd1234"', "redis://app:s3cretpw@cache:6379"])
def test_credentials_block_and_are_never_echoed(secret):
    threads = complete_threads()
    threads["observability"].append(entry("decision", f"Use {secret} for now", id="s1"))
    found = check(session_with(threads, ALL_TOPICS))
    assert [(b.kind, b.entry) for b in found] == [("rule", "s1")]
    assert found[0].rule == "Do not paste real credentials, tokens or keys."
    value = secret.split("=")[-1].split(": ")[-1].strip('"')
    assert value not in found[0].message and value[:6] not in found[0].message


def test_thread_only_kinds_are_not_checked_against_plan_rules():
    threads = complete_threads()
    threads["api"] += [
        entry("question", "Will this take 3 days to build?", status="answered"),
        entry("answer", "Maybe, ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
    ]
    assert check(session_with(threads, ALL_TOPICS)) == []


def test_rule_breaks_only_in_the_plan_text_are_reported_once():
    threads = complete_threads()
    threads["api"].append(entry("decision", "Ships in a sprint", id="d1"))
    session = session_with(threads, ALL_TOPICS)
    found = check(session, title="ETA Friday")
    assert [(b.entry, b.message.split(" has ")[0]) for b in found] == [("d1", "Entry d1 (topic 2, API surface)"), (None, "The plan")]
    assert '("ETA")' in found[1].message


def test_a_tampered_plan_text_blocks_on_outline_and_rule():
    session = session_with(complete_threads(), ALL_TOPICS)
    text = render_plan(ROLE, session, "X").replace("## Notes\n", "## Next steps\n- ship\n\n## Notes\n")
    found = blockers(ROLE, session, text, rulebook())
    assert [b.kind for b in found] == ["template", "rule"]
    assert found[1].message.startswith('The plan has a "Next steps" section')


def test_a_plan_without_a_section_blocks():
    session = session_with(complete_threads(), ALL_TOPICS)
    text = render_plan(ROLE, session, "X").replace("## Observability\n", "")
    found = blockers(ROLE, session, text, rulebook())
    assert found[0].kind == "section" and found[0].message == "The plan has no Observability section."


def test_rule_text_prefers_forbidden_rules_and_falls_back():
    assert rule_text("credentials", rulebook()) == "Do not paste real credentials, tokens or keys."
    assert rule_text("code", None) == "Plans carry no source code blocks."


def test_section_bodies_read_from_heading_offsets_agree_with_split_lines():
    # Random plans of ATX and setext headings, fences, CRs, blank and space-only lines, with and
    # without a final newline: whether each section holds text is the same as the line-by-line look.
    import random

    from planner_tui.core.plan.readiness import _SectionBodies
    from planner_tui.core.text import markdown

    rng = random.Random(5)
    pieces = ["## A", "## B", "# T", "Setext", "---", "- item", "", "  ", "\t", "```", "## in fence?", "text", "### C"]
    with_cr = pieces + ["\r", "a\rb", "## D\r", "\r## E"]  # a lone CR breaks a line for markdown-it only
    split_needed = []
    for _ in range(600):
        pool = with_cr if rng.random() < 0.3 else pieces
        text = "\n".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) + rng.choice(["", "\n"])
        lines = text.split("\n")
        bodies = _SectionBodies(text)
        found = markdown.sections(text)
        for sec in found:
            expected = any(line.strip(" \t") for line in lines[sec.start + 1 : sec.end])
            assert bodies.has_text(sec.start, sec.end) == expected, (text, sec)
        if found:
            split_needed.append(bodies._lines is not None)
    assert split_needed.count(False) > 100 and split_needed.count(True) > 10  # both ways were taken
