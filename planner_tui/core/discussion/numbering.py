"""Question numbers: every question of a topic is `#N` in thread order, named in one grammar everywhere.

The thread, the composer, the batch dialog and the command line all use these numbers. Answered
and dropped questions keep counting, so an open question keeps its number while the others are
settled; only removing a question, or flagging an entry above it as one, renumbers the rest.

A person names question 2 as `#2`, `2`, `2.`, `2:` or `2)`. Before an answer on the same line
(`#2 cursor pagination`, `2: cursor pagination`) a bare number needs its `.`, `:` or `)`, and a
space must follow, so `2 apples` and `10:30 sync` stay plain text.
"""

from __future__ import annotations

import re

from planner_tui.core.errors import TopicError
from planner_tui.core.kinds import ASKING_KINDS
from planner_tui.core.models import Entry, TopicState

__all__ = ["question_numbers", "numbered", "parse_ref", "split_ref", "open_question", "refused_numbers"]

_REF = re.compile(r"^\s*(?:#(\d+)|(\d+))[:.)]?\s*$")
_LEAD = re.compile(r"^\s*(?:#(\d+)[:.)]?|(\d+)[:.)])(?=\s|$)\s*(.*)$", re.S)


def question_numbers(state: TopicState | None) -> dict[str, int]:
    """Entry id -> number of every question of the topic (#1, #2 … in thread order)."""
    return {question.id: number for number, question in numbered(state)}


def numbered(state: TopicState | None, *, open_only: bool = False) -> list[tuple[int, Entry]]:
    """(number, question) in thread order; with `open_only`, the open ones with their own numbers."""
    if state is None:
        return []
    questions = [e for e in state.entries if e.kind in ASKING_KINDS]
    return [(n, q) for n, q in enumerate(questions, start=1) if q.is_open or not open_only]


def parse_ref(text: str) -> int | None:
    """The number a reference names (`#2`, `2`, `2.`, `2:`, `2)`), or None when text is not one."""
    match = _REF.match(text) if isinstance(text, str) else None
    return int(match.group(1) or match.group(2)) if match else None


def split_ref(text: str) -> tuple[int, str] | None:
    """(number, the rest, stripped) when text starts with a reference and a space, else None.

    The rest may be empty (`#2` alone): the batch continues such an answer on the next lines.
    """
    match = _LEAD.match(text)
    if match is None:
        return None
    return int(match.group(1) or match.group(2)), match.group(3).strip()


def _status(question: Entry) -> str:
    return "already answered" if question.status == "answered" else "dropped" if question.status == "dropped" else "not open"


def refused_numbers(state: TopicState | None, wanted: list[int]) -> list[str]:
    """Why each of these numbers names no open question (`there is no question #7`, `#2 is already answered`)."""
    questions = dict(numbered(state))
    missing = [n for n in wanted if n not in questions]
    reasons = [f"there is no question {', '.join(f'#{n}' for n in missing)}"] if missing else []
    reasons += [f"#{n} is {_status(questions[n])}" for n in wanted if n in questions and not questions[n].is_open]
    return reasons


def open_question(state: TopicState | None, number: int) -> Entry:
    """The open question `#number` of the topic; TopicError says why when there is none."""
    found = dict(numbered(state)).get(number)
    if found is not None and found.is_open:
        return found
    opens = ", ".join(f"#{n}" for n, _ in numbered(state, open_only=True)) or "none"
    reason = refused_numbers(state, [number])[0]
    raise TopicError(f"{reason[0].upper()}{reason[1:]} in this topic (open questions: {opens}).")
