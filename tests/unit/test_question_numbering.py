"""Question numbering: one `#N` per question in thread order, and one grammar to name it everywhere."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from planner_tui.core.discussion import actions
from planner_tui.core.discussion.batch import answer_batch, numbered_questions, parse_batch_answers
from planner_tui.core.discussion.numbering import numbered, open_question, parse_ref, question_numbers, split_ref
from planner_tui.core.errors import TopicError
from planner_tui.core.pack.builtin import builtin_role

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
ROLE = builtin_role("03-backend")


@pytest.fixture
def thread():
    """Topic 2 with a decision, then questions #1 (answered), #2 (open), #3 (dropped), #4 (open)."""
    session = actions.new_session(ROLE, "012_team-invitations", NOW)
    add = lambda kind, text: actions.add_entry(session, ROLE, 2, kind, text, now=NOW)  # noqa: E731
    add("decision", "REST resources")
    qs = [add("question", text) for text in ("JSON:API?", "Page size?", "Video uploads?", "Include revoked invites?")]
    actions.answer(session, qs[0].id, "No, plain resources", now=NOW)
    actions.drop(session, qs[2].id, "out of scope", now=NOW)
    return session, session.topic("api-surface"), qs


def test_every_question_is_numbered_in_thread_order(thread):
    _, state, qs = thread
    assert question_numbers(state) == {q.id: n for n, q in enumerate(qs, start=1)}
    assert [(n, q.id) for n, q in numbered(state)] == [(n, q.id) for n, q in enumerate(qs, start=1)]
    assert question_numbers(None) == {} and numbered(None) == []


def test_open_questions_keep_their_number_when_others_are_settled(thread):
    session, state, qs = thread
    assert [(n, q.id) for n, q in numbered(state, open_only=True)] == [(2, qs[1].id), (4, qs[3].id)]
    actions.answer(session, qs[1].id, "25", now=NOW)
    assert [(n, q.id) for n, q in numbered(state, open_only=True)] == [(4, qs[3].id)]
    assert question_numbers(state)[qs[3].id] == 4


def test_the_thread_the_batch_and_the_cli_agree_on_the_numbers(thread):
    session, state, _ = thread
    thread_numbers = question_numbers(state)
    for number, question in numbered_questions(session, ROLE, 2):
        assert thread_numbers[question.id] == number


def test_flagging_an_entry_above_renumbers_the_questions_below(thread):
    session, state, qs = thread
    actions.flag(session, state.entries[0].id, now=NOW)  # the decision becomes question #1
    assert question_numbers(state)[qs[3].id] == 5


@pytest.mark.parametrize("typed", ["#2", "2", "2.", "2:", "2)", " #2 ", "#2:", "#2)"])
def test_parse_ref_accepts_every_form(typed):
    assert parse_ref(typed) == 2


@pytest.mark.parametrize("typed", ["", "#", "two", "2x", "# 2", "#-2", "2 apples", "e-3fa2c1"])
def test_parse_ref_refuses_what_is_no_reference(typed):
    assert parse_ref(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("#2 yes", (2, "yes")),
        ("#2: yes", (2, "yes")),
        ("#2. yes", (2, "yes")),
        ("#2) yes", (2, "yes")),
        ("2: yes", (2, "yes")),
        ("2. yes", (2, "yes")),
        ("2) yes", (2, "yes")),
        ("  3) multi\nline", (3, "multi\nline")),
        ("#2", (2, "")),
        ("2:", (2, "")),
        ("2 apples are enough", None),
        ("Use #2 pencils", None),
        ("10:30 is the sync time", None),
        ("2.5 hours per review", None),
        ("#2:yes", None),
    ],
)
def test_split_ref_reads_a_reference_before_the_answer(typed, expected):
    assert split_ref(typed) == expected


@pytest.mark.parametrize("form", ["#{n}", "#{n}:", "{n}:", "{n}.", "{n})"])
def test_the_batch_accepts_the_same_forms(form):
    assert parse_batch_answers(f"{form.format(n=4)} yes") == [(4, "yes")]


def test_open_question_names_the_question_or_says_why_not(thread):
    _, state, qs = thread
    assert open_question(state, 2) is qs[1]
    with pytest.raises(TopicError, match=r"^#1 is already answered in this topic \(open questions: #2, #4\)\.$"):
        open_question(state, 1)
    with pytest.raises(TopicError, match=r"^#3 is dropped"):
        open_question(state, 3)
    with pytest.raises(TopicError, match=r"^There is no question #9 in this topic"):
        open_question(state, 9)


def test_a_batch_by_thread_number_answers_the_questions_the_thread_shows(thread):
    session, state, qs = thread
    answers = answer_batch(session, ROLE, 2, parse_batch_answers("#4 no\n2. 25 per page"), now=NOW)
    assert [a.reply_to for a in answers] == [qs[3].id, qs[1].id]
    assert state.open_questions == []
