"""A markdown document's headings and their lines, parsed by markdown-it one section at a time and cached."""

from __future__ import annotations

import re
from functools import lru_cache

from planner_tui.core.text.contain import ALLOWED_BLOCK_TOKENS, markdown_parser

__all__ = ["Heading", "outline", "headings_by_full_parse"]

Heading = tuple[int, str, int]
"""(level, raw inline text, 0-based line of the heading) as markdown-it reports them."""

# An ATX heading opener at the very start of a line: where a new chunk begins.
_ATX_AT_LINE_START = re.compile(r"#{1,6}(?:[ \t]|$)")


def headings_by_full_parse(text: str) -> tuple[Heading, ...]:
    """Every heading of the whole text in one markdown-it parse (the reference behaviour)."""
    tokens = markdown_parser().parse(text)
    return tuple(
        (int(tok.tag[1:]), tokens[i + 1].content, tok.map[0] if tok.map else 0)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    )


@lru_cache(maxsize=4096)
def _closed_chunk(chunk: str) -> tuple[int, str] | None:
    """The heading of a chunk that starts with one and holds only paragraphs, lists and quotes.

    Such a chunk is closed: the ATX heading that starts the next chunk ends every block it
    can hold (a heading interrupts a paragraph, is never a lazy continuation, and closes lists
    and quotes), so parsing the chunks apart gives the same headings as parsing the whole
    text. Anything else (a fence, an HTML block, a table, a second heading, a link reference
    definition) returns None and the caller parses the whole text instead.
    """
    env: dict = {}
    tokens = markdown_parser().parse(chunk, env)
    if env.get("references") or len(tokens) < 3:
        return None
    first = tokens[0]
    if first.type != "heading_open" or not first.map or first.map[0] != 0:
        return None
    if any(tok.type not in ALLOWED_BLOCK_TOKENS for tok in tokens[3:]):
        return None
    return int(first.tag[1:]), tokens[1].content


@lru_cache(maxsize=32)
def outline(text: str) -> tuple[Heading, ...]:
    """The text's headings, exactly as one markdown-it parse of it reports them.

    A plan is a title and sections whose bodies are contained blocks, so it is parsed section
    by section, each section cached by its text: after an entry is added only the section it
    changed is parsed again. Text that does not have that shape is parsed whole.
    """
    if "\r" in text:  # markdown-it counts a lone CR as a line break; str.split does not
        return headings_by_full_parse(text)
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line[:1] == "#" and _ATX_AT_LINE_START.match(line)]
    if not starts or any(line.strip(" \t") for line in lines[: starts[0]]):
        return headings_by_full_parse(text)
    found: list[Heading] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        heading = _closed_chunk("\n".join(lines[start:end]))
        if heading is None:
            return headings_by_full_parse(text)
        found.append((heading[0], heading[1], start))
    return tuple(found)
