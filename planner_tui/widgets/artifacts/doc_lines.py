"""Lines and safe text in the document viewer: a line kept inside the document, without copying it."""

from __future__ import annotations

import re

from planner_tui.core.text.display import visible

__all__ = ["clamp_line", "line_text", "safe_text", "utf8_size"]

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
"""The ASCII characters `visible` changes (every C0 control but newline and tab, and DEL)."""


def clamp_line(line: int, text: str) -> int:
    """A 1-based line number kept inside text (1 for empty text)."""
    count = text.count("\n") + 1
    return min(max(1, line), count)


def line_text(text: str, line: int) -> str:
    """Line `line` (1-based) of text without its newline, "" past the end; no copy of the rest."""
    if line < 1:
        return ""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if not start:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def safe_text(text: str) -> str:
    """`visible(text)`, but the same object when nothing in it needs changing (no 2 MB copy of a clean file)."""
    if text.isascii() and not _CONTROLS.search(text):
        return text
    return visible(text)


def utf8_size(text: str) -> int:
    """The text's size in UTF-8 bytes, counted without encoding it when it is ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
