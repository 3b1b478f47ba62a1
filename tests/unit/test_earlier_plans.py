"""Names earlier role plans define, and entries that spell them differently (flagged, never accepted silently)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from planner_tui.core.discussion import actions
from planner_tui.core.pack.builtin import builtin_role
from planner_tui.core.plan.earlier_plans import (
    Definitions,
    contradiction_blockers,
    extract_definitions,
    find_contradictions,
    mentions,
    near_miss,
    settle,
)
from planner_tui.core.engine import Planner
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)

DEVOPS = """# Team Invitations — DevOps Plan

## Configuration & Secrets
- `SENTRY_LARAVEL_DSN` per environment; `INVITE_TTL_DAYS` (7)
- Mail goes through MAIL_MAILER=ses

## Queues & Workers
- `notifications` queue: SendInvitationMail, 3 tries
- Reminders run on the mail queue, one process
"""

ARCHITECT = """# Team Invitations — Architect Plan

## Schema
- **invitations**
  - Columns: id, team_id, email string(255), role enum(owner, member), token char(64), expires_at, timestamps
  - Foreign keys: team_id → teams.id cascade
- Table: invitation_events
  - Columns: id, invitation_id, kind, created_at
- Migration `create_team_quotas_table`

## Contracts
- InvitationResource: `email` => string, `expires_at` => datetime
"""


@pytest.fixture
def defs() -> Definitions:
    found = extract_definitions(DEVOPS, "roles/01-devops.md")
    found.merge(extract_definitions(ARCHITECT, "roles/02-architect.md"))
    return found


def _names(defs: Definitions, kind: str) -> set[str]:
    return set(defs.of(kind))  # type: ignore[arg-type]


def test_definitions_of_every_kind_with_lines(defs):
    assert _names(defs, "table") == {"invitations", "invitation_events", "team_quotas", "teams"}
    assert _names(defs, "queue") == {"notifications", "mail"}
    assert _names(defs, "env") == {"SENTRY_LARAVEL_DSN", "INVITE_TTL_DAYS", "MAIL_MAILER"}
    assert defs.columns["invitations"] == {"id", "team_id", "email", "role", "token", "expires_at", "created_at", "updated_at"}
    assert defs.columns["invitation_events"] == {"id", "invitation_id", "kind", "created_at"}
    assert defs.of("queue")["notifications"].line == 8 and defs.of("queue")["notifications"].source == "roles/01-devops.md"
    assert defs.of("table")["invitations"].line == 4 and defs.columns_at["invitations"].line == 5
    assert {"email", "expires_at"} <= _names(defs, "column")


@pytest.mark.parametrize(
    ("kind", "used", "defined", "near"),
    [
        ("table", "invitation", "invitations", True),
        ("queue", "notification", "notifications", True),
        ("env", "SENTRY_DSN", "SENTRY_LARAVEL_DSN", True),
        ("env", "INVITE_TTL_DAY", "INVITE_TTL_DAYS", True),
        ("column", "expire_at", "expires_at", True),
        ("table", "invitations", "invitations", False),
        ("queue", "mail", "main", False),  # too short to call a one-letter difference a typo
        ("env", "APP_URL", "APP_ENV", False),
        ("table", "teams", "team_quotas", False),
        ("column", "team_id", "team_quota_id", False),  # an extra segment counts for env vars only
    ],
)
def test_near_miss(kind, used, defined, near):
    assert near_miss(kind, used, defined) is near


def _session(*texts: str, kind: str = "decision"):
    role = builtin_role("03-backend")
    session = actions.new_session(role, "012_team-invitations", NOW)
    entries = [actions.add_entry(session, role, 1, kind, text, now=NOW) for text in texts]
    return role, session, entries


def test_near_misses_and_missing_columns_are_flagged_with_both_spellings(defs):
    role, session, (a, b, c, d) = _session(
        "Store invites in the `invitation` table; mail them on the `notification` queue",
        "Report errors with SENTRY_DSN",
        "Add a `revoked_at` column to `invitations`",
        "Resource fields: `expire_at` => datetime",
    )
    found = {(x.entry, x.kind, x.used, x.defined) for x in find_contradictions(role, session, defs)}
    assert found == {
        (a.id, "table", "invitation", "invitations"),
        (a.id, "queue", "notification", "notifications"),
        (b.id, "env", "SENTRY_DSN", "SENTRY_LARAVEL_DSN"),
        (c.id, "column", "revoked_at", None),
        (d.id, "column", "expire_at", "expires_at"),
    }
    blockers = contradiction_blockers(find_contradictions(role, session, defs))
    assert {x.kind for x in blockers} == {"question"}
    queue = next(x for x in blockers if "`notification`" in x.message)
    assert "roles/01-devops.md:8 defines `notifications`" in queue.message and queue.entry == a.id
    column = next(x for x in blockers if "revoked_at" in x.message)
    assert "roles/02-architect.md:5 defines `invitations` without it" in column.message


def test_exact_names_and_names_no_plan_mentions_are_not_flagged(defs):
    role, session, _ = _session(
        "Store invites in the `invitations` table (invitations.token, invitations.expires_at) on the `notifications` queue",
        "SENTRY_LARAVEL_DSN and INVITE_TTL_DAYS come from DevOps; REDIS_HOST is new",
        "Audit rows go to the `audit_logs` table on the `default` queue",
        "Use `invitation_events` for the history; `team_quotas` for limits",
    )
    assert find_contradictions(role, session, defs) == []


def test_questions_are_not_checked_and_settling_keeps_an_entry(defs):
    role, session, _ = _session("Is it the `invitation` table?", kind="question")
    assert find_contradictions(role, session, defs) == []
    role, session, (entry,) = _session("Keep the `invitation` table name from the legacy app")
    found = find_contradictions(role, session, defs)
    assert len(found) == 1
    settle(entry, found)
    assert find_contradictions(role, session, defs) == []
    assert len(find_contradictions(role, session, defs, include_settled=True)) == 1
    actions.edit(session, entry.id, "Keep the `invitation` table name; also use the `notification` queue", now=NOW)
    [left] = find_contradictions(role, session, defs)  # a new difference is flagged again
    assert left.used == "notification"


def test_mentions_ignore_file_names_and_generic_words():
    names = mentions("Edit config/filesystems.php and photo.jpg; a pivot table; the same queue")
    assert names == []


def test_the_demo_epic_009_plans(tmp_path):
    planner = Planner.open(make_demo(tmp_path / "demo", now=NOW.timestamp()), epic="009_photo-annotations", clock=lambda: NOW)
    ok = planner.add(5, "decision", "ProcessUploadedPhoto on the `media` queue, RenderAnnotatedPhoto on `renders` queue")
    planner.add(5, "decision", "RenderAnnotatedPhoto runs on the `render` queue")
    planner.add(6, "decision", "Add a `caption` column to `note_photos`; bump note_photos.annotations_revision on save")
    planner.add(10, "decision", "Upload limit read from PHOTO_MAX_UPLOAD_MB; disk from PHOTOS_DISK")
    messages = [b.message for b in planner.blockers() if b.kind == "question"]
    roles = ".task-master/epics/009_photo-annotations/roles"
    assert len(messages) == 3
    assert any(f"`render`, but {roles}/01-devops.md:16 defines `renders`" in m for m in messages)
    assert any(f"column `caption` on the `note_photos` table, but {roles}/02-architect.md:10" in m for m in messages)
    assert any(f"`PHOTO_MAX_UPLOAD_MB`, but {roles}/01-devops.md:11 defines `PHOTO_MAX_UPLOAD_KB`" in m for m in messages)
    assert not any(ok.id in m for m in messages)
    flagged = {c.entry for c in planner.contradictions()}
    for entry_id in flagged:
        planner.reconfirm(entry_id)
    assert planner.contradictions() == [] and not [b for b in planner.blockers() if b.kind == "question"]
