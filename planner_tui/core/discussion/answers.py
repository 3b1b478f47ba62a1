"""An answered question is a decision of its topic: the answer, with the question it settles."""

from __future__ import annotations

from operator import attrgetter

from planner_tui.core.kinds import ASKING_KINDS
from planner_tui.core.models import PRIMARY_KIND, Entry, TopicState

__all__ = ["decision_entries", "settling_answers"]


def settling_answers(state: TopicState) -> dict[str, Entry]:
    """Answer id -> the question it settles, for every answered question of the topic.

    Only the answer the question points at counts: an answer superseded by reopening the
    question (flag) and answering it again stays in the thread and out of the plan.
    """
    # Most threads have no answered question: then one look at every status, in C, is all.
    if "answered" not in map(_STATUS, state.entries):
        return {}
    answered = [e for e in state.entries if e.kind in ASKING_KINDS and e.status == "answered"]
    ids = {e.id for e in state.entries}
    return {q.answer_id: q for q in answered if q.answer_id in ids}  # type: ignore[misc]


_STATUS = attrgetter("status")


def decision_entries(state: TopicState, *, with_question: bool) -> list[Entry]:
    """The topic's entries in thread order (a new list), each settling answer turned into a decision.

    With `with_question` (the plan) its text carries the question it answers; without (the
    decision log, which lists the question beside it) the text stays the answer's.
    """
    settles = settling_answers(state)
    if not settles:  # no answered question: the thread as it is
        return list(state.entries)
    out = []
    for entry in state.entries:
        question = settles.get(entry.id)
        if question is None:
            out.append(entry)
            continue
        text = entry.text
        if with_question:
            asked = " ".join(question.text.split())
            text = f"{entry.text.rstrip()} (answers: {asked})"
        out.append(entry.model_copy(update={"kind": PRIMARY_KIND, "text": text}))
    return out
