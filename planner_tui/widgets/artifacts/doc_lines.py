"""Lines in the document viewer: a line kept inside the document, read without copying it."""

from __future__ import annotations

__all__ = ["clamp_line", "line_text", "utf8_size"]


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


def utf8_size(text: str) -> int:
    """The text's size in UTF-8 bytes, counted without encoding it when it is ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
