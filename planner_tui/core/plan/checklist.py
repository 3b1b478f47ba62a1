"""Which sub-points of a topic the discussion has addressed so far (a checklist, not a gate)."""

from __future__ import annotations

import re

from planner_tui.core.models import KINDS, TopicSpec, TopicState

__all__ = ["point_words", "addressed_points"]

_STOP = {"and", "or", "the", "a", "an", "of", "for", "to", "in", "on", "from", "with", "by", "needed", "rules", "strategy"}


def _stem(word: str) -> str:
    # Crude on purpose: "jobs" ~ "job", "indices" ~ "indic", "queues" ~ "queue".
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def point_words(point: str) -> set[str]:
    """The significant word stems of a sub-point (`request/response DTOs` -> request, response, dto)."""
    words = re.findall(r"[a-z0-9+]+", point.lower())
    return {_stem(w) for w in words if w not in _STOP and len(w) > 1}


def addressed_points(spec: TopicSpec, state: TopicState | None) -> list[tuple[str, bool]]:
    """Each sub-point with whether a decision, answer, note or risk of the topic mentions it."""
    text_words: set[str] = set()
    if state is not None:
        for entry in state.entries:
            if KINDS[entry.kind].asks:
                continue  # asking about a point does not address it
            text_words |= {_stem(w) for w in re.findall(r"[a-z0-9+]+", entry.text.lower())}
    result = []
    for point in spec.points:
        words = point_words(point)
        result.append((point, bool(words) and bool(words & text_words)))
    return result
