"""Builders shared by the plan and readiness tests: a backend-shaped role and sessions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from planner_tui.core.models import (
    Entry,
    Rule,
    RuleBook,
    RuleCategory,
    RoleSpec,
    Scaffold,
    ScaffoldSection,
    Session,
    TopicSpec,
    TopicState,
)

__all__ = ["T0", "backend_role", "frontend_like_role", "entry", "session_with", "rulebook"]

T0 = datetime(2025, 3, 4, 9, 30, tzinfo=timezone.utc)

_SECTIONS = [
    ("Domain & Data", ["Entities and relationships", "Required migrations and seeds"]),
    ("API Surface", ["Endpoints with verbs", "Request/response shapes", "Error model and status codes"]),
    ("Controllers & Validation", ["Controllers and actions", "Form Requests and rules", "Policies/authorization"]),
    ("Livewire/Frontend Contracts", ["Inputs/props expected", "Actions/events exposed", "Resource transformers"]),
    ("Events, Jobs & Queues", ["Domain events and listeners", "Queue jobs and retry strategy"]),
    ("Search (Meilisearch)", ["Indices, mappings, sync strategy"]),
    ("Caching & Performance", ["Cache keys and invalidation", "Query limits and N+1 audit list"]),
    ("Observability", ["Sentry context and breadcrumbs", "Telescope/Pulse checkpoints"]),
    ("Risks", ["Known risks and mitigations"]),
]

# (id, title, section, slot)
_TOPICS = [
    ("domain", "Domain and data model", "Domain & Data", 0),
    ("api", "API surface", "API Surface", None),
    ("controllers", "Controllers & Validation", "Controllers & Validation", None),
    ("livewire", "Livewire contracts", "Livewire/Frontend Contracts", None),
    ("events", "Events, jobs and queues", "Events, Jobs & Queues", None),
    ("database", "Database changes", "Domain & Data", 1),
    ("search", "Search integration", "Search (Meilisearch)", None),
    ("caching", "Caching strategy", "Caching & Performance", 0),
    ("performance", "Performance targets", "Caching & Performance", 1),
    ("observability", "Observability", "Observability", None),
]


def backend_role() -> RoleSpec:
    """A RoleSpec shaped like the real backend prompt (headings, slots, prose Notes)."""
    sections = [ScaffoldSection(heading=h, placeholders=p) for h, p in _SECTIONS]
    sections.append(ScaffoldSection(heading="Notes", text_placeholder="[any relevant notes]"))
    topics = [
        TopicSpec(id=i, number=n, title=title, text=f"{title}.", section=sec, slot=slot)
        for n, (i, title, sec, slot) in enumerate(_TOPICS, start=1)
    ]
    return RoleSpec(
        key="03-backend",
        name="Backend",
        title="Backend Planning",
        topics=topics,
        output_path_template=".task-master/epics/<epic folder>/roles/03-backend.md",
        scaffold=Scaffold(title_line="# [Epic Title] — Backend Plan", sections=sections),
        commit_template="Backend plan documented for <epic title>\n\nPath: <path>",
        reply_template="The Backend role path is <path to 03-backend.md>",
    )


def frontend_like_role(key: str = "09-mobile") -> RoleSpec:
    """A second, smaller role with no template of its own (exercises plan.md.j2)."""
    sections = [
        ScaffoldSection(heading="Screens & Navigation", placeholders=["Pages and entry points"]),
        ScaffoldSection(heading="Risks", placeholders=["Known risks and mitigations"]),
        ScaffoldSection(heading="Notes", text_placeholder="[any relevant notes]"),
    ]
    topics = [TopicSpec(id="screens", number=1, title="Screens", text="Screens.", section="Screens & Navigation")]
    return RoleSpec(
        key=key,
        name="Mobile",
        title="Mobile Planning",
        topics=topics,
        output_path_template=f".task-master/epics/<epic folder>/roles/{key}.md",
        scaffold=Scaffold(title_line="# [Epic Title] — Mobile Plan", sections=sections),
        commit_template="Mobile plan documented for <epic title>",
        reply_template="The Mobile role path is <path>",
    )


_counter = iter(range(1, 1_000_000))


def entry(kind: str, text: str, *, minutes: int | None = None, id: str | None = None, **extra) -> Entry:
    """An entry at T0 + minutes (a fresh increasing time when not given)."""
    n = next(_counter)
    at = T0 + timedelta(minutes=n if minutes is None else minutes)
    if kind == "question" and "status" not in extra:
        extra["status"] = "open"
    return Entry(id=id or f"e{n}", kind=kind, text=text, at=at, **extra)


def session_with(topics: dict[str, list[Entry]], confirmed: set[str] | None = None) -> Session:
    """A session for 007_saved-searches holding these threads (topic id -> entries)."""
    confirmed = confirmed or set()
    states = [TopicState(id=t, entries=es, confirmed=t in confirmed) for t, es in topics.items()]
    return Session(epic="007_saved-searches", role="03-backend", created=T0, updated=T0, topics=states)


def rulebook() -> RuleBook:
    """A rule book worded like a project's own 01-forbidden.md (our words, not a copy)."""

    def forbid(text: str) -> Rule:
        return Rule(kind="forbidden", text=text)

    return RuleBook(
        source=".cursor/commands/01-forbidden.md",
        categories=[
            RuleCategory(number=1, title="Scope", rules=[forbid("Never state **time estimates** of any kind.")]),
            RuleCategory(number=2, title="Code", rules=[forbid("A plan holds no source code blocks.")]),
            RuleCategory(
                number=3,
                title="Output",
                rules=[forbid('No sections named "Next steps", "Recommendations" or "To do next".')],
            ),
            RuleCategory(
                number=4,
                title="Secrets",
                rules=[
                    forbid("Do not paste real credentials, tokens or keys."),
                    Rule(kind="required", text="Refer to environment variables such as `SENTRY_DSN`."),
                ],
            ),
        ],
    )
