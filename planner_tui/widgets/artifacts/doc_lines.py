"""Line numbers in the document viewer: a cited or requested line kept inside the document."""

from __future__ import annotations

__all__ = ["clamp_line"]


def clamp_line(line: int, text: str) -> int:
    """A 1-based line number kept inside text (1 for empty text)."""
    count = text.count("\n") + 1
    return min(max(1, line), count)
