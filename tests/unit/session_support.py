"""Small builders shared by the session and store tests (no reference material is read)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from planner_tui.core.discussion import actions
from planner_tui.core.models import Entry, RoleSpec, Scaffold, ScaffoldSection, TopicSpec
from planner_tui.core.storage.store import SessionStore

T0 = datetime(2025, 3, 2, 9, 0, tzinfo=timezone.utc)


def make_role() -> RoleSpec:
    """A three-topic backend-like role with a four-section scaffold."""
    sections = [
        ScaffoldSection(heading="Domain & Data", placeholders=["Required migrations and seeds"]),
        ScaffoldSection(heading="API Surface", placeholders=["Endpoints and DTOs"]),
        ScaffoldSection(heading="Testing Strategy", placeholders=["Feature tests"]),
        ScaffoldSection(heading="Notes", text_placeholder="[any relevant notes]"),
    ]
    topics = [
        TopicSpec(id="domain-data", number=1, title="Domain & data", text="1. Domain & data: models, migrations", section="Domain & Data"),
        TopicSpec(id="api-surface", number=2, title="API surface", text="2. API surface: endpoints, pagination", section="API Surface"),
        TopicSpec(id="testing", number=3, title="Testing", text="3. Testing: feature tests", section="Testing Strategy"),
    ]
    return RoleSpec(
        key="03-backend",
        name="Backend",
        title="Backend Planning",
        topics=topics,
        output_path_template=".task-master/epics/<epic folder>/roles/03-backend.md",
        scaffold=Scaffold(title_line="# [Epic Title] — Backend Plan", sections=sections),
        commit_template="Backend plan documented for <epic title>\n\nPath: <epic folder>",
        reply_template="The Backend role path is <path to 03-backend.md>",
    )


class Clock:
    """A clock that moves one second per call, so timestamps are distinct and predictable."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


ROLE = make_role()
EPIC = "012_team-invitations"


def store(root: Path, **kw) -> SessionStore:
    """A store for the test role and epic with a ticking clock."""
    kw.setdefault("clock", Clock())
    return SessionStore(root, EPIC, ROLE.key, **kw)


def add(st: SessionStore, text: str, topic: int = 1, kind: str = "note") -> Entry:
    """Add one entry through the store (creating the session if needed)."""
    return st.mutate(
        lambda s: actions.add_entry(s, ROLE, topic, kind, text, now=st.clock()),
        create=lambda: actions.new_session(ROLE, EPIC, st.clock()),
    )


def texts(st: SessionStore) -> list[str]:
    """Every entry's text, topic by topic."""
    return [e.text for t in st.session.topics for e in t.entries]
