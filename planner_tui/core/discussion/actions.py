"""The discussion's rules as pure functions over a Session: add, answer, drop, flag, confirm, edit."""

from __future__ import annotations

import secrets
from datetime import datetime
from itertools import chain
from operator import attrgetter

from planner_tui.core.errors import TopicError, UnknownItem
from planner_tui.core.models import ENTRY_KINDS, KINDS, Citation, Entry, RoleSpec, Session, TopicSpec, TopicState

__all__ = [
    "new_id",
    "new_session",
    "sync_topics",
    "move",
    "add_entry",
    "answer",
    "drop",
    "flag",
    "confirm",
    "unconfirm",
    "edit",
    "remove",
    "set_cursor",
    "find_topic_of",
]

_AUTHORS = ("person", "agent")


def new_id() -> str:
    """A short random entry id a person can type, such as `e-3fa2c1` (callers check collisions)."""
    return f"e-{secrets.token_hex(3)}"


def _unique_id(session: Session) -> str:
    # Built by C loops: a save of a 10,000-entry session should not spend a millisecond here.
    taken = set(map(attrgetter("id"), chain.from_iterable(t.entries for t in session.topics)))
    while True:
        candidate = new_id()
        if candidate not in taken:
            return candidate


def new_session(role: RoleSpec, epic_folder: str, now: datetime) -> Session:
    """A fresh session with one empty thread per topic of the role, the cursor on the first."""
    topics = [TopicState(id=spec.id) for spec in role.topics]
    return Session(
        epic=epic_folder,
        role=role.key,
        created=now,
        updated=now,
        topics=topics,
        cursor_topic=topics[0].id if topics else None,
    )


def sync_topics(session: Session, role: RoleSpec) -> bool:
    """Add the role's topics the session lacks, in role order; keep unknown ones. True if changed.

    Existing threads are never reordered or dropped (a topic renamed in the prompt keeps its
    thread); a missing topic is inserted right after the nearest earlier role topic present.
    """
    changed = False
    for index, spec in enumerate(role.topics):
        if session.topic(spec.id) is not None:
            continue
        position = 0
        for earlier in reversed(role.topics[:index]):
            found = next((i for i, t in enumerate(session.topics) if t.id == earlier.id), None)
            if found is not None:
                position = found + 1
                break
        session.topics.insert(position, TopicState(id=spec.id))
        changed = True
    if session.cursor_topic is None and session.topics:
        session.cursor_topic = session.topics[0].id
        changed = True
    return changed


def _spec(role: RoleSpec, topic: str | int) -> TopicSpec:
    spec = role.topic(topic)
    if spec is None:
        numbers = f"1-{len(role.topics)}" if role.topics else "none"
        raise UnknownItem(f"There is no topic {topic!r} in the {role.name} role: use a number ({numbers}) or a topic id.")
    return spec


def _state(session: Session, role: RoleSpec, topic: str | int) -> tuple[TopicSpec, TopicState]:
    spec = _spec(role, topic)
    state = session.topic(spec.id)
    if state is None:
        sync_topics(session, role)
        state = session.topic(spec.id)
        assert state is not None  # sync_topics inserts every role topic
    return spec, state


def _entry(session: Session, entry_id: str) -> tuple[TopicState, Entry]:
    found = session.find_entry(entry_id.strip())
    if found is None:
        raise UnknownItem(f"There is no entry {entry_id!r} in this session.")
    return found


def _question(session: Session, question_id: str) -> tuple[TopicState, Entry]:
    topic, entry = _entry(session, question_id)
    if not KINDS[entry.kind].asks:
        raise TopicError(f"{entry.id} is a {entry.kind}, not a question; only questions can be answered or dropped.")
    if entry.status == "answered":
        raise TopicError(f"Question {entry.id} is already answered (by {entry.answer_id}); flag it to reopen it first.")
    if entry.status == "dropped":
        raise TopicError(f"Question {entry.id} was already dropped; flag it to reopen it first.")
    return topic, entry


def _clean(text: str, what: str = "The text") -> str:
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise TopicError(f"{what} is empty; write something first.")
    return cleaned


def _author(author: str) -> str:
    if author not in _AUTHORS:
        raise TopicError(f"Unknown author {author!r}: use 'person' or 'agent'.")
    return author


def _reopen(topic: TopicState) -> None:
    # An open question means the topic is no longer settled, so it cannot stay confirmed.
    topic.confirmed = False
    topic.confirmed_at = None


def add_entry(
    session: Session,
    role: RoleSpec,
    topic: str | int,
    kind: str,
    text: str,
    *,
    now: datetime,
    author: str = "person",
    author_name: str | None = None,
    cite: Citation | None = None,
    section: str | None = None,
) -> Entry:
    """Append an entry to a topic's thread (topic by number or id) and return it.

    Questions start open and re-open a confirmed topic; other kinds leave confirmation alone.
    `section` must name one of the role's scaffold headings (any case); it is stored as the
    scaffold spells it. Answers are added with `answer()`, which links them to their question.
    """
    kind_spec = KINDS.get(kind) if isinstance(kind, str) else None
    if kind_spec is None:
        raise TopicError(f"Unknown entry kind {kind!r}: use one of {', '.join(ENTRY_KINDS)}.")
    if kind_spec.replies:
        raise TopicError("An answer must reply to a question: answer the question by its id instead.")
    cleaned = _clean(text)
    who = _author(author)
    heading = None
    if section is not None and section.strip():
        found = role.scaffold.section(section)
        if found is None:
            headings = ", ".join(s.heading for s in role.scaffold.sections)
            raise UnknownItem(f"There is no section {section!r} in the plan: use one of {headings}.")
        heading = found.heading
    _, state = _state(session, role, topic)
    entry = Entry(
        id=_unique_id(session),
        kind=kind,  # type: ignore[arg-type]  # checked against ENTRY_KINDS above
        text=cleaned,
        at=now,
        author=who,  # type: ignore[arg-type]
        author_name=author_name,
        cite=cite,
        section=heading,
        status="open" if kind_spec.asks else None,
    )
    state.entries.append(entry)
    if kind_spec.asks:
        _reopen(state)
    return entry


def answer(
    session: Session,
    question_id: str,
    text: str,
    *,
    now: datetime,
    author: str = "person",
    author_name: str | None = None,
) -> Entry:
    """Answer an open question: append an `answer` entry to its topic and mark the question answered."""
    topic, question = _question(session, question_id)
    cleaned = _clean(text, "The answer")
    reply = Entry(
        id=_unique_id(session),
        kind="answer",
        text=cleaned,
        at=now,
        author=_author(author),  # type: ignore[arg-type]
        author_name=author_name,
        reply_to=question.id,
    )
    topic.entries.append(reply)
    question.status = "answered"
    question.answer_id = reply.id
    return reply


def drop(session: Session, question_id: str, reason: str, *, now: datetime) -> Entry:
    """Settle an open question without an answer, keeping the (non-empty) reason; returns it.

    `now` is accepted for symmetry with the other operations; the entry has no field for it.
    """
    _, question = _question(session, question_id)
    question.drop_reason = _clean(reason, "The reason for dropping the question")
    question.status = "dropped"
    return question


def flag(session: Session, entry_id: str, *, now: datetime) -> Entry:
    """Mark an entry as an open question again; returns the entry that is now open.

    - A note, decision or risk becomes an open question (`flagged_from` keeps its old kind).
    - An answered or dropped question is reopened (its old answer stays in the thread).
    - An answer reopens the question it settled, instead of adding a second open question;
      the answer is kept as a superseded reply. An answer whose question is gone turns into
      an open question itself.
    A topic that gains an open question is no longer confirmed. Flagging an open question
    changes nothing.
    """
    topic, entry = _entry(session, entry_id)
    if entry.kind == "answer" and entry.reply_to:
        found = session.find_entry(entry.reply_to)
        if found is not None and found[1].kind == "question":
            topic, entry = found
    if entry.kind == "question":
        if entry.status == "open":
            return entry
        entry.status = "open"
        entry.answer_id = None
        entry.drop_reason = None
    else:
        entry.flagged_from = entry.kind
        entry.kind = "question"
        entry.status = "open"
        entry.reply_to = None
    _reopen(topic)
    return entry


def confirm(
    session: Session,
    role: RoleSpec,
    topic: str | int,
    *,
    now: datetime,
    reason: str | None = None,
    author: str = "person",
) -> TopicState:
    """Mark a topic as settled; refused while any of its questions is open.

    A topic with no entries was not discussed: it is confirmed only with a one-line reason
    (`No search changes in this epic`), kept as a note of the topic (so it lands in the plan).
    """
    spec, state = _state(session, role, topic)
    waiting = state.open_questions
    if waiting:
        ids = ", ".join(e.id for e in waiting)
        noun = "question" if len(waiting) == 1 else "questions"
        raise TopicError(
            f"Topic {spec.number} ({spec.title}) still has {len(waiting)} open {noun} ({ids}): answer or drop them first."
        )
    if state.confirmed:
        return state
    if not state.entries:
        why = " ".join(reason.split()) if isinstance(reason, str) else ""
        if not why:
            raise TopicError(
                f"Topic {spec.number} ({spec.title}) has no entries: say in one line why it needs none "
                f"(confirm {spec.number} --reason \"No search changes in this epic\")."
            )
        add_entry(session, role, spec.id, "note", why, now=now, author=author)
    state.confirmed = True
    state.confirmed_at = now
    return state


def unconfirm(session: Session, role: RoleSpec, topic: str | int, *, now: datetime | None = None) -> TopicState:
    """Take a topic back to discussion (its thread is kept)."""
    _, state = _state(session, role, topic)
    _reopen(state)
    return state


def edit(session: Session, entry_id: str, text: str, *, now: datetime) -> Entry:
    """Replace an entry's text (not empty) and stamp `edited_at`; the same text again changes nothing."""
    _, entry = _entry(session, entry_id)
    cleaned = _clean(text)
    if cleaned == entry.text:
        return entry  # opened and saved as it was: not an edit
    entry.text = cleaned
    entry.edited_at = now
    return entry


def move(session: Session, role: RoleSpec, entry_id: str, section: str | None) -> Entry:
    """Put an entry under another scaffold section (any case), or back under its topic's own
    section when `section` is None or empty; returns the entry."""
    _, entry = _entry(session, entry_id)
    if section is None or not section.strip():
        entry.section = None
        return entry
    found = role.scaffold.section(section)
    if found is None:
        headings = ", ".join(s.heading for s in role.scaffold.sections)
        raise UnknownItem(f"There is no section {section!r} in the plan: use one of {headings}.")
    entry.section = found.heading
    return entry


def remove(session: Session, entry_id: str) -> Entry:
    """Delete an entry from its thread and return it, keeping question/answer links consistent.

    - Removing an answer reopens the question it settled (and un-confirms that topic).
    - Removing a question keeps the answers that replied to it, turned into notes, so no
      written text disappears with it.
    The cursor moves off a removed entry.
    """
    topic, entry = _entry(session, entry_id)
    topic.entries = [e for e in topic.entries if e.id != entry.id]
    if entry.kind == "answer" and entry.reply_to:
        found = session.find_entry(entry.reply_to)
        if found is not None and found[1].kind == "question" and found[1].answer_id == entry.id:
            found[1].status = "open"
            found[1].answer_id = None
            _reopen(found[0])
    if entry.kind == "question":
        for t in session.topics:
            for other in t.entries:
                if other.kind == "answer" and other.reply_to == entry.id:
                    other.kind = "note"
                    other.reply_to = None
    if session.cursor_entry == entry.id:
        session.cursor_entry = None
    return entry


def set_cursor(session: Session, topic_id: str, entry_id: str | None = None) -> None:
    """Remember the topic (and entry) the person is on, so reopening resumes there."""
    topic = session.topic(topic_id)
    if topic is None:
        raise UnknownItem(f"There is no topic {topic_id!r} in this session.")
    if entry_id is not None and not any(e.id == entry_id for e in topic.entries):
        raise UnknownItem(f"There is no entry {entry_id!r} in topic {topic_id!r}.")
    session.cursor_topic = topic_id
    session.cursor_entry = entry_id


def find_topic_of(session: Session, entry_id: str) -> TopicState | None:
    """The topic whose thread holds this entry, or None."""
    found = session.find_entry(entry_id)
    return found[0] if found else None
