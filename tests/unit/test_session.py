"""The discussion rules: entries, answers, drops, flags, confirmation, edits and removal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from session_support import T0, make_role

from planner_tui.core.discussion import actions
from planner_tui.core.errors import TopicError
from planner_tui.core.models import ENTRY_KINDS, KINDS, PLAN_KINDS, PRIMARY_KIND, Citation, Entry, TopicState

ROLE = make_role()
LATER = T0 + timedelta(minutes=5)


@pytest.fixture
def s():
    return actions.new_session(ROLE, "012_team-invitations", T0)


def test_new_id_is_short_and_typable():
    ids = {actions.new_id() for _ in range(200)}
    assert all(re.fullmatch(r"e-[0-9a-f]{6}", i) for i in ids)
    assert len(ids) > 190


def test_new_session_has_one_thread_per_topic_and_cursor_on_first(s):
    assert [t.id for t in s.topics] == ["domain-data", "api-surface", "testing"]
    assert s.cursor_topic == "domain-data" and s.cursor_entry is None
    assert (s.epic, s.role, s.created, s.updated, s.revision) == ("012_team-invitations", "03-backend", T0, T0, 0)
    assert all(t.state == "not started" for t in s.topics)


def test_sync_topics_inserts_missing_in_role_order_and_keeps_unknown(s):
    assert actions.sync_topics(s, ROLE) is False
    s.topics = [TopicState(id="legacy-topic"), TopicState(id="api-surface")]
    s.topics[0].entries.append(Entry(id="e-000001", kind="note", text="old", at=T0))
    assert actions.sync_topics(s, ROLE) is True
    assert [t.id for t in s.topics] == ["domain-data", "legacy-topic", "api-surface", "testing"]
    assert s.topic("legacy-topic").entries[0].text == "old"
    assert actions.sync_topics(s, ROLE) is False


def test_add_entry_by_number_or_id_with_cite_and_section(s):
    q = actions.add_entry(s, ROLE, 2, "question", "  Cursor or page pagination?\n", now=T0,
                      cite=Citation(path="prd.md", line=4))
    n = actions.add_entry(s, ROLE, "testing", "note", "Feature tests per endpoint", now=LATER,
                      author="agent", author_name="claude", section="notes")
    assert s.topic("api-surface").entries == [q]
    assert q.status == "open" and q.text == "Cursor or page pagination?" and str(q.cite) == "prd.md:4"
    assert n.status is None and n.section == "Notes" and n.author == "agent" and n.author_name == "claude"
    assert s.topic("testing").state == "discussing"


@pytest.mark.parametrize(
    "topic, kind, text, section, needle",
    [
        (9, "note", "x", None, "no topic 9"),
        ("nope", "note", "x", None, "no topic 'nope'"),
        (1, "note", "   \n\t", None, "empty"),
        (1, "opinion", "x", None, "Unknown entry kind"),
        (1, "answer", "x", None, "answer the question by its id"),
        (1, "note", "x", "Deployment", "no section 'Deployment'"),
    ],
)
def test_add_entry_refusals(s, topic, kind, text, section, needle):
    with pytest.raises(TopicError, match=re.escape(needle)):
        actions.add_entry(s, ROLE, topic, kind, text, now=T0, section=section)
    assert all(not t.entries for t in s.topics)


def test_add_entry_avoids_id_collisions(s, monkeypatch):
    first = actions.add_entry(s, ROLE, 1, "note", "one", now=T0)
    ids = iter([first.id, first.id, "e-abcdef"])
    monkeypatch.setattr(actions, "new_id", lambda: next(ids))
    assert actions.add_entry(s, ROLE, 1, "note", "two", now=T0).id == "e-abcdef"


def test_the_kind_table_is_what_the_session_accepts():
    assert ENTRY_KINDS == tuple(KINDS) == ("question", "answer", "decision", "note", "risk")
    assert PLAN_KINDS == ("decision", "note", "risk") and PRIMARY_KIND == "decision"
    assert [k.name for k in KINDS.values() if k.asks] == ["question"] and [k.name for k in KINDS.values() if k.replies] == ["answer"]
    for unique in ("letter", "key", "label"):
        values = [getattr(k, unique) for k in KINDS.values()]
        assert len(set(values)) == len(values), unique
    with pytest.raises(ValidationError, match="Input should be 'question', 'answer', 'decision', 'note' or 'risk'"):
        Entry(id="e-1", kind="opinion", text="x", at=T0)


def test_question_reopens_confirmed_topic_other_kinds_do_not(s):
    actions.confirm(s, ROLE, 1, now=T0, reason="Nothing to model yet")
    for kind in (k for k in ENTRY_KINDS if not KINDS[k].asks and not KINDS[k].replies):
        actions.add_entry(s, ROLE, 1, kind, f"a {kind}", now=T0)
        assert s.topic("domain-data").confirmed
    actions.add_entry(s, ROLE, 1, "question", "Soft deletes?", now=T0)
    t = s.topic("domain-data")
    assert not t.confirmed and t.confirmed_at is None


def test_answer_links_both_ways(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Rate limit?", now=T0)
    actions.add_entry(s, ROLE, 2, "note", "between", now=T0)
    a = actions.answer(s, q.id, "60 per minute per user", now=LATER, author="agent")
    assert s.topic("api-surface").entries[-1] is a
    assert (a.kind, a.reply_to, a.author, a.at) == ("answer", q.id, "agent", LATER)
    assert (q.status, q.answer_id) == ("answered", a.id)


def test_answer_refusals(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Rate limit?", now=T0)
    note = actions.add_entry(s, ROLE, 2, "note", "n", now=T0)
    with pytest.raises(TopicError, match="is a note, not a question"):
        actions.answer(s, note.id, "x", now=T0)
    with pytest.raises(TopicError, match="no entry 'e-zzzzzz'"):
        actions.answer(s, "e-zzzzzz", "x", now=T0)
    with pytest.raises(TopicError, match="answer is empty"):
        actions.answer(s, q.id, " ", now=T0)
    a = actions.answer(s, q.id, "60/min", now=T0)
    with pytest.raises(TopicError, match=f"already answered \\(by {a.id}\\)"):
        actions.answer(s, q.id, "again", now=T0)
    q2 = actions.add_entry(s, ROLE, 2, "question", "Versioning?", now=T0)
    actions.drop(s, q2.id, "out of scope", now=T0)
    with pytest.raises(TopicError, match="already dropped"):
        actions.answer(s, q2.id, "v2", now=T0)
    assert len(s.topic("api-surface").entries) == 4


def test_drop_needs_a_reason_and_a_question(s):
    q = actions.add_entry(s, ROLE, 1, "question", "UUID keys?", now=T0)
    with pytest.raises(TopicError, match="reason"):
        actions.drop(s, q.id, "  ", now=T0)
    assert q.status == "open"
    d = actions.add_entry(s, ROLE, 1, "decision", "bigint keys", now=T0)
    with pytest.raises(TopicError, match="not a question"):
        actions.drop(s, d.id, "why", now=T0)
    assert actions.drop(s, q.id, "decided elsewhere", now=T0) is q
    assert (q.status, q.drop_reason) == ("dropped", "decided elsewhere")


def test_flag_turns_entries_into_open_questions(s):
    d = actions.add_entry(s, ROLE, 1, "decision", "bigint keys", now=T0)
    actions.confirm(s, ROLE, 1, now=T0)
    assert actions.flag(s, d.id, now=T0) is d
    assert (d.kind, d.status, d.flagged_from) == ("question", "open", "decision")
    assert not s.topic("domain-data").confirmed
    assert actions.flag(s, d.id, now=T0) is d and d.status == "open"  # already open: no change


def test_flag_reopens_settled_questions(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Cursor?", now=T0)
    a = actions.answer(s, q.id, "yes", now=T0)
    actions.flag(s, q.id, now=T0)
    assert (q.status, q.answer_id) == ("open", None)
    assert a.kind == "answer" and a.reply_to == q.id  # the old answer stays in the thread
    actions.drop(s, q.id, "moot", now=T0)
    actions.flag(s, q.id, now=T0)
    assert (q.status, q.drop_reason) == ("open", None)


def test_flag_on_answer_reopens_its_question(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Cursor?", now=T0)
    a = actions.answer(s, q.id, "yes", now=T0)
    actions.confirm(s, ROLE, 2, now=T0)
    assert actions.flag(s, a.id, now=T0) is q
    assert q.is_open and a.kind == "answer"
    assert not s.topic("api-surface").confirmed
    assert [e.id for e in s.topic("api-surface").open_questions] == [q.id]


def test_confirm_refuses_with_open_questions_named(s):
    q1 = actions.add_entry(s, ROLE, 3, "question", "Pest or PHPUnit?", now=T0)
    q2 = actions.add_entry(s, ROLE, 3, "question", "Parallel?", now=T0)
    with pytest.raises(TopicError) as err:
        actions.confirm(s, ROLE, "testing", now=T0)
    assert f"2 open questions ({q1.id}, {q2.id})" in str(err.value)
    assert "Topic 3 (Testing)" in str(err.value)
    actions.answer(s, q1.id, "Pest", now=T0)
    with pytest.raises(TopicError, match=f"1 open question \\({q2.id}\\)"):
        actions.confirm(s, ROLE, 3, now=T0)
    actions.drop(s, q2.id, "CI decides", now=T0)
    t = actions.confirm(s, ROLE, 3, now=LATER)
    assert t.confirmed and t.confirmed_at == LATER and t.state == "confirmed"
    actions.confirm(s, ROLE, 3, now=LATER + timedelta(hours=1))
    assert t.confirmed_at == LATER  # confirming again keeps the first time
    actions.unconfirm(s, ROLE, 3, now=LATER)
    assert (t.confirmed, t.confirmed_at, t.state) == (False, None, "discussing")


def test_edit_sets_text_and_edited_at(s):
    n = actions.add_entry(s, ROLE, 1, "note", "draft", now=T0)
    actions.edit(s, n.id, "  final wording ", now=LATER)
    assert (n.text, n.edited_at, n.at) == ("final wording", LATER, T0)
    with pytest.raises(TopicError, match="empty"):
        actions.edit(s, n.id, "", now=LATER)
    assert n.text == "final wording"


def test_remove_answer_reopens_its_question(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Cursor?", now=T0)
    a = actions.answer(s, q.id, "yes", now=T0)
    actions.confirm(s, ROLE, 2, now=T0)
    assert actions.remove(s, a.id) is a
    assert s.find_entry(a.id) is None
    assert (q.status, q.answer_id) == ("open", None)
    assert not s.topic("api-surface").confirmed


def test_remove_question_keeps_its_answer_as_a_note(s):
    q = actions.add_entry(s, ROLE, 2, "question", "Cursor?", now=T0)
    a = actions.answer(s, q.id, "Cursor pagination, 50 per page", now=T0)
    actions.set_cursor(s, "api-surface", q.id)
    actions.remove(s, q.id)
    assert [e.id for e in s.topic("api-surface").entries] == [a.id]
    assert (a.kind, a.reply_to, a.text) == ("note", None, "Cursor pagination, 50 per page")
    assert s.cursor_entry is None and s.cursor_topic == "api-surface"
    with pytest.raises(TopicError, match="no entry"):
        actions.remove(s, q.id)


def test_set_cursor_and_find_topic_of(s):
    n = actions.add_entry(s, ROLE, 3, "note", "n", now=T0)
    actions.set_cursor(s, "testing", n.id)
    assert (s.cursor_topic, s.cursor_entry) == ("testing", n.id)
    with pytest.raises(TopicError, match="no topic"):
        actions.set_cursor(s, "nope")
    with pytest.raises(TopicError, match="no entry"):
        actions.set_cursor(s, "domain-data", n.id)
    assert actions.find_topic_of(s, n.id) is s.topic("testing")
    assert actions.find_topic_of(s, "e-missing") is None


def test_adding_to_a_topic_missing_from_an_old_session_creates_it(s):
    s.topics = [t for t in s.topics if t.id != "testing"]
    e = actions.add_entry(s, ROLE, 3, "risk", "flaky queue tests", now=T0)
    assert actions.find_topic_of(s, e.id).id == "testing"


# ------------------------------------------------------------------ invariants under any sequence

_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "answer", "drop", "flag", "confirm", "unconfirm", "edit", "remove"]),
        st.integers(0, 40),
        st.sampled_from(["question", "note", "decision", "risk"]),
        st.integers(1, 3),
    ),
    max_size=40,
)


def _check_invariants(s):
    entries = {e.id: (t, e) for t in s.topics for e in t.entries}
    assert len(entries) == sum(len(t.entries) for t in s.topics)  # ids unique
    for t in s.topics:
        if t.confirmed:
            assert not t.open_questions
    for _, e in entries.values():
        if e.kind == "question":
            assert e.status in ("open", "answered", "dropped")
            if e.status == "answered":
                answer = entries[e.answer_id][1]
                assert answer.kind == "answer" and answer.reply_to == e.id
            else:
                assert e.answer_id is None
            assert (e.status == "dropped") == bool(e.drop_reason)
        else:
            assert e.status is None
        if e.kind == "answer":
            assert e.reply_to in entries and entries[e.reply_to][1].kind == "question"


@settings(max_examples=150, deadline=None)
@given(_OPS)
def test_any_sequence_of_operations_keeps_the_thread_consistent(steps):
    s = actions.new_session(ROLE, "e", T0)
    for op, pick, kind, topic in steps:
        ids = [e.id for t in s.topics for e in t.entries]
        target = ids[pick % len(ids)] if ids else "e-none00"
        try:
            if op == "add":
                actions.add_entry(s, ROLE, topic, kind, f"text {pick}", now=T0)
            elif op == "answer":
                actions.answer(s, target, "an answer", now=T0)
            elif op == "drop":
                actions.drop(s, target, "not needed", now=T0)
            elif op == "flag":
                actions.flag(s, target, now=T0)
            elif op == "confirm":
                actions.confirm(s, ROLE, topic, now=T0)
            elif op == "unconfirm":
                actions.unconfirm(s, ROLE, topic, now=T0)
            elif op == "edit":
                actions.edit(s, target, "edited", now=T0)
            else:
                actions.remove(s, target)
        except TopicError as exc:
            assert str(exc).endswith(".") and "\n" not in str(exc)
        _check_invariants(s)


def test_confirming_an_empty_topic_needs_a_reason_kept_as_a_note(s):
    with pytest.raises(TopicError, match="has no entries"):
        actions.confirm(s, ROLE, 1, now=T0)
    with pytest.raises(TopicError, match="has no entries"):
        actions.confirm(s, ROLE, 1, now=T0, reason="   ")
    assert not s.topic("domain-data").confirmed
    actions.confirm(s, ROLE, 1, now=T0, reason="No model changes\n in this epic", author="agent")
    state = s.topic("domain-data")
    [note] = state.entries
    assert state.confirmed and (note.kind, note.text, note.author) == ("note", "No model changes in this epic", "agent")


def test_an_answered_question_is_a_decision_with_its_question():
    from planner_tui.core.discussion.answers import decision_entries

    session = actions.new_session(ROLE, "epic", T0)
    q = actions.add_entry(session, ROLE, 2, "question", "Cursor or  offset\npagination?", now=T0)
    open_q = actions.add_entry(session, ROLE, 2, "question", "Rate limit?", now=T0)
    a = actions.answer(session, q.id, "Cursor, 25 per page", now=LATER)
    state = session.topic("api-surface")
    plan = {e.id: e for e in decision_entries(state, with_question=True)}
    assert (plan[a.id].kind, plan[a.id].text) == ("decision", "Cursor, 25 per page (answers: Cursor or offset pagination?)")
    assert plan[open_q.id].kind == "question" and state.entries[-1].kind == "answer"  # the session is untouched
    log = {e.id: e for e in decision_entries(state, with_question=False)}
    assert log[a.id].text == "Cursor, 25 per page"


def test_saving_the_same_text_is_not_an_edit(s):
    d = actions.add_entry(s, ROLE, 1, "decision", "Photos on S3", now=T0)
    actions.edit(s, d.id, "  Photos on S3\n", now=LATER)
    assert d.edited_at is None
    actions.edit(s, d.id, "Photos on S3, eu-west", now=LATER)
    assert d.edited_at == LATER
