"""The decision log: decisions with topic, time, author, citation and the answer chain that led to them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from planner_tui.core.discussion import actions
from planner_tui.core.pack.builtin import builtin_role
from planner_tui.core.plan.decision_log import decision_log, log_markdown, settled_by
from planner_tui.core.models import Citation

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _discussion():
    role = builtin_role("03-backend")
    s = actions.new_session(role, "012_team-invitations", T0)
    q1 = actions.add_entry(s, role, 2, "question", "Cursor or page pagination?", now=at(1))
    q2 = actions.add_entry(s, role, 2, "question", "Expose revoked invites?", now=at(2))
    a1 = actions.answer(s, q1.id, "Cursor, 25 per page", now=at(3), author="person")
    actions.drop(s, q2.id, "Out of scope for this epic", now=at(4))
    d1 = actions.add_entry(s, role, 2, "decision", "GET /teams/{team}/invitations: cursor pagination, 25 per page", now=at(5), author="agent",
                       cite=Citation(path="prd.md", line=42, sha256="ab" * 32))
    q3 = actions.add_entry(s, role, 2, "question", "Error for an expired token?", now=at(6))
    a3 = actions.answer(s, q3.id, "410 Gone", now=at(7))
    d2 = actions.add_entry(s, role, 2, "decision", "POST /invitations/{token}/accept: 410 when expired", now=at(8))
    q4 = actions.add_entry(s, role, 2, "question", "Rate limit?", now=at(9))
    a4 = actions.answer(s, q4.id, "10 per minute", now=at(10))
    q5 = actions.add_entry(s, role, 2, "question", "Webhooks for invites?", now=at(10))
    actions.drop(s, q5.id, "No consumer asks for them", now=at(10))
    d0 = actions.add_entry(s, role, 1, "decision", "Invitation belongsTo Team", now=at(11), author="person")
    actions.add_entry(s, role, 1, "risk", "Tokens leak in logs", now=at(12))
    return role, s, dict(q1=q1, q2=q2, q3=q3, q4=q4, q5=q5, a1=a1, a3=a3, a4=a4, d0=d0, d1=d1, d2=d2)


def test_an_answer_settles_its_question_and_a_drop_goes_to_the_next_decision():
    role, s, e = _discussion()
    chain, later = settled_by(s.topic("api-surface"))
    assert [q.id for q in chain[e["a1"].id]] == [e["q1"].id]  # an answered question is a decision
    assert [q.id for q in chain[e["d1"].id]] == [e["q2"].id]  # dropped before d1
    assert [q.id for q in chain[e["a3"].id]] == [e["q3"].id] and chain[e["d2"].id] == []
    assert [q.id for q in chain[e["a4"].id]] == [e["q4"].id]
    assert [q.id for q in later] == [e["q5"].id]  # dropped after the topic's last own decision


def test_the_json_log():
    role, s, e = _discussion()
    log = decision_log(role, s, epic={"folder": "012_team-invitations", "title": "Team Invitations"}, stale=lambda entry: "prd.md changed since it was cited" if entry.cite else None)
    # Topic order, then time; each answered question is a decision of its topic.
    assert [d["id"] for d in log["decisions"]] == [e[k].id for k in ("d0", "a1", "d1", "a3", "d2", "a4")]
    d1 = log["decisions"][2]
    assert d1["topic"] == {"id": "api-surface", "number": 2, "title": "API surface"}
    assert (d1["at"], d1["author"]) == ("2025-03-04T10:05:00Z", "agent")
    assert d1["citations"] == [{"path": "prd.md", "line": 42, "sha256": "ab" * 32, "stale": True, "stale_reason": "prd.md changed since it was cited"}]
    assert [(x["question"]["text"], x.get("dropped")) for x in d1["settled"]] == [("Expose revoked invites?", "Out of scope for this epic")]
    a1 = log["decisions"][1]
    assert a1["text"] == "Cursor, 25 per page" and a1["settled"][0]["question"]["text"] == "Cursor or page pagination?"
    assert [x["question"]["text"] for x in log["settled_after_last_decision"]] == ["Webhooks for invites?"]
    assert all(d["text"] != "Tokens leak in logs" for d in log["decisions"])  # risks are not decisions
    json.dumps(log)  # plain data all the way down


def test_the_markdown_log_is_terminal_safe():
    role, s, e = _discussion()
    actions.edit(s, e["d0"].id, "Invitation belongsTo Team \x1b[2J", now=at(20))
    text = log_markdown(decision_log(role, s, epic={"folder": "012", "title": "Team Invitations"}))
    assert text.startswith("# Decision log — Team Invitations (Backend)\n")
    assert "## 2. API surface" in text and f"### {e['d1'].id} — 2025-03-04T10:05:00Z, agent" in text
    assert "- Cites: `prd.md:42`" in text
    assert "  - Q (" in text and "A (" in text and "Dropped: Out of scope for this epic" in text
    assert "\x1b" not in text and "␛[2J" in text and ", edited 2025-03-04T10:20:00Z" in text
    assert "## Dropped after the last decision of their topic" in text
