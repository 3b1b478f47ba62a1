"""Which sub-points of a topic the discussion has addressed so far (a checklist, not a gate)."""

from __future__ import annotations

import re

from planner_tui.core.kinds import ASKING_KINDS
from planner_tui.core.models import TopicSpec, TopicState
from planner_tui.core.storage.memo import Space, recall_joined, strings

__all__ = ["point_words", "addressed_points"]

_STOP = {"and", "or", "the", "a", "an", "of", "for", "to", "in", "on", "from", "with", "by", "needed", "rules", "strategy"}


_WORDS = re.compile(r"[a-z0-9+]+")


def _stem(word: str) -> str:
    # Crude on purpose: "jobs" ~ "job", "indices" ~ "indic", "queues" ~ "queue".
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _said_words(texts: list[str]) -> frozenset[str]:
    # Each distinct word stemmed once: a topic of thousands of entries repeats its words.
    # Joined by a line break, which no word holds, the words are the same as text by text
    # (and lowered at once: a line break is not a letter, so each text lowers as on its own).
    return frozenset(_stem(w) for w in set(_WORDS.findall("\n".join(texts).lower())))


_MEMO: Space[frozenset[str]] = Space("said-words", (__file__,), sorted, lambda raw: frozenset(strings(raw)), keep=64)
"""The stems a topic's entries say, remembered across calls under the state folder (see `core.storage.memo`)."""


def point_words(point: str) -> set[str]:
    """The significant word stems of a sub-point (`request/response DTOs` -> request, response, dto)."""
    words = re.findall(r"[a-z0-9+]+", point.lower())
    return {_stem(w) for w in words if w not in _STOP and len(w) > 1}


def addressed_points(spec: TopicSpec, state: TopicState | None) -> list[tuple[str, bool]]:
    """Each sub-point with whether a decision, answer, note or risk of the topic mentions it."""
    text_words: frozenset[str] = frozenset()
    if state is not None and spec.points:
        # asking about a point does not address it
        said = [entry.text for entry in state.entries if entry.kind not in ASKING_KINDS]
        text_words = recall_joined(_MEMO, said, _said_words)
    result = []
    for point in spec.points:
        words = point_words(point)
        result.append((point, bool(words) and bool(words & text_words)))
    return result
