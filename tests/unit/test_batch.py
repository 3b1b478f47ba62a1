"""Batch answers: parse `#N answer` lines and answer a topic's open questions by thread number, all or nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from planner_tui.core.discussion import actions
from planner_tui.core.discussion.batch import answer_batch, numbered_questions, parse_batch_answers
from planner_tui.core.pack.builtin import builtin_role
from planner_tui.core.errors import TopicError

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)


def test_parse_every_form_and_multi_line_answers():
    text = "2: cursor pagination, 25 per page\n3. yes\n#4 no\n  not even for admins\n\n#5: later\n1) fine"
    assert parse_batch_answers(text) == [
        (2, "cursor pagination, 25 per page"),
        (3, "yes"),
        (4, "no\n  not even for admins"),
        (5, "later"),
        (1, "fine"),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("cursor pagination", "Line 1 does not start with a question number"),
        ("1: a\n1: b", "Question #1 is answered twice"),
        ("1:   ", "The answer to question #1 is empty"),
        ("2:x", "Line 1 does not start with a question number"),
        ("10:30 sync", "Line 1 does not start with a question number"),
        ("", "No numbered answers"),
    ],
)
def test_parse_refuses_unclear_text(text, words):
    with pytest.raises(TopicError, match=words):
        parse_batch_answers(text)


@pytest.fixture
def thread():
    role = builtin_role("03-backend")
    session = actions.new_session(role, "012_team-invitations", NOW)
    q1 = actions.add_entry(session, role, 2, "question", "Cursor or page pagination?", now=NOW)
    q_done = actions.add_entry(session, role, 2, "question", "JSON:API?", now=NOW)
    actions.answer(session, q_done.id, "No, plain resources", now=NOW)
    q2 = actions.add_entry(session, role, 2, "question", "Page size?", now=NOW)
    q3 = actions.add_entry(session, role, 2, "question", "Include revoked invites?", now=NOW)
    return role, session, [q1, q2, q3]


def test_open_questions_keep_their_thread_numbers(thread):
    role, session, (q1, q2, q3) = thread
    # #2 is the answered "JSON:API?": it keeps counting, so the open ones are #1, #3 and #4.
    assert [(n, e.id) for n, e in numbered_questions(session, role, "api-surface")] == [(1, q1.id), (3, q2.id), (4, q3.id)]
    assert numbered_questions(session, role, 1) == []
    with pytest.raises(TopicError, match="no topic"):
        numbered_questions(session, role, 99)


def test_answer_batch_answers_by_number(thread):
    role, session, (q1, q2, q3) = thread
    answers = answer_batch(session, role, 2, [(3, "25"), (4, "No")], now=NOW, author="agent")
    assert [a.reply_to for a in answers] == [q2.id, q3.id] and answers[0].author == "agent"
    assert q2.status == q3.status == "answered" and q1.status == "open"
    assert [(n, e.id) for n, e in numbered_questions(session, role, 2)] == [(1, q1.id)]


def test_an_invalid_number_refuses_the_whole_batch(thread):
    role, session, (q1, q2, q3) = thread
    before = session.model_dump()
    with pytest.raises(
        TopicError,
        match=r"Topic 2 \(API surface\): there is no question #5, #7; #2 is already answered; nothing was answered "
        r"\(open questions: #1, #3, #4\)",
    ):
        answer_batch(session, role, 2, [(1, "cursor"), (5, "x"), (2, "again"), (7, "y")], now=NOW)
    assert session.model_dump() == before
