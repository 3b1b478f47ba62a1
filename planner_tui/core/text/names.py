"""Names in prose: split a written list of them, and tell whether two are spellings of one thing."""

from __future__ import annotations

import re

__all__ = ["near_miss", "split_outside_brackets"]


def split_outside_brackets(text: str, separators: str = ",") -> list[str]:
    """Split at any of `separators` outside brackets: `a, b enum(x, y), c` gives three parts.

    Parts are returned as written (not stripped, empty ones kept).
    """
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _segments(name: str) -> list[str]:
    return [s for s in re.split(r"[_\-.]+", name.lower()) if s]


def _norm(name: str) -> str:
    return "_".join(_singular(s) for s in _segments(name))


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _one_more_segment(a: str, b: str) -> bool:
    """SENTRY_DSN vs SENTRY_LARAVEL_DSN: one has exactly one extra segment, at least two shared."""
    sa, sb = _segments(a), _segments(b)
    if abs(len(sa) - len(sb)) != 1:
        return False
    short, long_ = (sa, sb) if len(sa) < len(sb) else (sb, sa)
    if len(short) < 2:
        return False
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def near_miss(kind: str, used: str, defined: str) -> bool:
    """True when `used` looks like a different spelling of `defined` (never when they are equal)."""
    if used == defined:
        return False
    if used.lower() == defined.lower() or _norm(used) == _norm(defined):
        return True
    if min(len(used), len(defined)) >= 5 and _one_edit(used.lower(), defined.lower()):
        return True
    return kind == "env" and _one_more_segment(used, defined)
