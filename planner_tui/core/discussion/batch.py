"""Answer a topic's open questions in one go: `#2 cursor pagination` lines, by their thread numbers."""

from __future__ import annotations

from datetime import datetime

from planner_tui.core.discussion import actions, numbering
from planner_tui.core.errors import TopicError, UnknownItem
from planner_tui.core.models import Entry, RoleSpec, Session

__all__ = ["parse_batch_answers", "numbered_questions", "answer_batch"]


def parse_batch_answers(text: str) -> list[tuple[int, str]]:
    """Numbered answers from text, in the order written: `#N answer`, `N: answer`, `N. answer`, `N) answer`.

    A line without a number continues the answer above it (multi-line answers); blank lines
    are ignored at the ends of an answer. Raises TopicError for text before the first number,
    a number given twice, or an empty answer.
    """
    answers: list[tuple[int, list[str]]] = []
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        ref = numbering.split_ref(raw)
        if ref is not None:
            answers.append((ref[0], [ref[1]]))
        elif raw.strip():
            if not answers:
                raise TopicError(f"Line {no} does not start with a question number (write it as `#1 answer`).")
            answers[-1][1].append(raw.rstrip())
        elif answers:
            answers[-1][1].append("")
    if not answers:
        raise TopicError("No numbered answers found; write one per line as `#1 answer`.")
    seen: set[int] = set()
    out = []
    for number, lines in answers:
        if number in seen:
            raise TopicError(f"Question #{number} is answered twice; give each number once.")
        seen.add(number)
        body = "\n".join(lines).strip()
        if not body:
            raise TopicError(f"The answer to question #{number} is empty.")
        out.append((number, body))
    return out


def numbered_questions(session: Session, role: RoleSpec, topic: str | int) -> list[tuple[int, Entry]]:
    """The topic's open questions with their `#N` thread numbers (the thread shows the same)."""
    spec = role.topic(topic)
    if spec is None:
        raise UnknownItem(f"There is no topic {topic!r} in the {role.name} role: use a number (1-{len(role.topics)}) or a topic id.")
    return numbering.numbered(session.topic(spec.id), open_only=True)


def answer_batch(
    session: Session,
    role: RoleSpec,
    topic: str | int,
    answers: list[tuple[int, str]],
    *,
    now: datetime,
    author: str = "person",
) -> list[Entry]:
    """Answer open questions by number, all or nothing; returns the answer entries in order.

    Every number is checked before anything changes: one that is not an open question of the
    topic (missing, answered or dropped) refuses the whole batch.
    """
    numbered = dict(numbered_questions(session, role, topic))
    spec = role.topic(topic)
    assert spec is not None  # numbered_questions checked it
    if not answers:
        raise TopicError("No answers given; nothing was answered.")
    reasons = numbering.refused_numbers(session.topic(spec.id), [n for n, _ in answers if n not in numbered])
    if reasons:
        opens = ", ".join(f"#{n}" for n in numbered) or "none"
        raise TopicError(
            f"Topic {spec.number} ({spec.title}): {'; '.join(reasons)}; nothing was answered (open questions: {opens})."
        )
    return [actions.answer(session, numbered[n].id, text, now=now, author=author) for n, text in answers]
