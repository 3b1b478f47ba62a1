"""An answered question is a decision of its topic: the answer, with the question it settles."""

from __future__ import annotations

from collections.abc import Iterator

from planner_tui.core.models import KINDS, PRIMARY_KIND, Entry, TopicState

__all__ = ["decision_entries", "settling_answers"]


def settling_answers(state: TopicState) -> dict[str, Entry]:
    """Answer id -> the question it settles, for every answered question of the topic.

    Only the answer the question points at counts: an answer superseded by reopening the
    question (flag) and answering it again stays in the thread and out of the plan.
    """
    by_id = {e.id: e for e in state.entries}
    out = {}
    for question in state.entries:
        if KINDS[question.kind].asks and question.status == "answered" and question.answer_id in by_id:
            out[question.answer_id] = question  # type: ignore[index]
    return out


def decision_entries(state: TopicState, *, with_question: bool) -> Iterator[Entry]:
    """The topic's entries in thread order, each settling answer turned into a decision.

    With `with_question` (the plan) its text carries the question it answers; without (the
    decision log, which lists the question beside it) the text stays the answer's.
    """
    settles = settling_answers(state)
    if not settles:  # no answered question: the thread as it is
        yield from state.entries
        return
    for entry in state.entries:
        question = settles.get(entry.id)
        if question is None:
            yield entry
            continue
        text = entry.text
        if with_question:
            asked = " ".join(question.text.split())
            text = f"{entry.text.rstrip()} (answers: {asked})"
        yield entry.model_copy(update={"kind": PRIMARY_KIND, "text": text})
