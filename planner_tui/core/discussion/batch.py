"""Answer a topic's open questions in one go: `2: cursor pagination` lines, by the list's numbers."""

from __future__ import annotations

import re
from datetime import datetime

from planner_tui.core.discussion import actions
from planner_tui.core.errors import TopicError
from planner_tui.core.models import Entry, RoleSpec, Session

__all__ = ["parse_batch_answers", "numbered_questions", "answer_batch"]

# `2: x`, `2. x`, `2) x`, `#2 x`, `#2: x` (the number, then a separator, then the answer).
_LINE = re.compile(r"^\s*(?:#\s*(\d+)\s*[:.)]?|(\d+)\s*[:.)])\s*(.*)$")


def parse_batch_answers(text: str) -> list[tuple[int, str]]:
    """Numbered answers from text, in the order written: `N: answer`, `N. answer` or `#N answer`.

    A line without a number continues the answer above it (multi-line answers); blank lines
    are ignored at the ends of an answer. Raises TopicError for text before the first number,
    a number given twice, or an empty answer.
    """
    answers: list[tuple[int, list[str]]] = []
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        m = _LINE.match(raw)
        if m:
            number = int(m.group(1) or m.group(2))
            answers.append((number, [m.group(3).strip()]))
        elif raw.strip():
            if not answers:
                raise TopicError(f"Line {no} does not start with a question number (write it as `1: answer`).")
            answers[-1][1].append(raw.rstrip())
        elif answers:
            answers[-1][1].append("")
    if not answers:
        raise TopicError("No numbered answers found; write one per line as `1: answer`.")
    seen: set[int] = set()
    out = []
    for number, lines in answers:
        if number in seen:
            raise TopicError(f"Question {number} is answered twice; give each number once.")
        seen.add(number)
        body = "\n".join(lines).strip()
        if not body:
            raise TopicError(f"The answer to question {number} is empty.")
        out.append((number, body))
    return out


def numbered_questions(session: Session, role: RoleSpec, topic: str | int) -> list[tuple[int, Entry]]:
    """The topic's open questions numbered 1, 2, … in thread order (the numbering batches use)."""
    spec = role.topic(topic)
    if spec is None:
        raise TopicError(f"There is no topic {topic!r} in the {role.name} role: use a number (1-{len(role.topics)}) or a topic id.")
    state = session.topic(spec.id)
    opens = state.open_questions if state else []
    return list(enumerate(opens, start=1))


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
    topic refuses the whole batch.
    """
    numbered = dict(numbered_questions(session, role, topic))
    spec = role.topic(topic)
    assert spec is not None  # numbered_questions checked it
    if not answers:
        raise TopicError("No answers given; nothing was answered.")
    bad = [n for n, _ in answers if n not in numbered]
    if bad:
        count = len(numbered)
        have = f"has {count} open question{'s' if count != 1 else ''}" if count else "has no open questions"
        listed = ", ".join(str(n) for n in bad)
        raise TopicError(
            f"Topic {spec.number} ({spec.title}) {have}, so there is no question {listed}; nothing was answered."
        )
    return [actions.answer(session, numbered[n].id, text, now=now, author=author) for n, text in answers]
