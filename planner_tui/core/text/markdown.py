"""The one markdown reader: headings, sections and fences from markdown-it tokens, plus list-line helpers."""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from typing import Callable, NamedTuple, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "markdown_parser",
    "PROSE_BLOCK_TOKENS",
    "ATX_OPENER",
    "Heading",
    "outline",
    "remember_chunks",
    "ChunkMemo",
    "headings_by_full_parse",
    "Section",
    "sections",
    "Fence",
    "Doc",
    "load",
    "indent_of",
    "plain",
    "backticked",
    "BULLET",
    "NUMBERED",
]

BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
# An ATX heading opener at the very start of a line: where a new chunk of a plan begins, and
# what containment escapes at the start of a user's line.
ATX_OPENER = re.compile(r"#{1,6}(?:[ \t]|$)")
_ATX_LINE = re.compile(ATX_OPENER.pattern, re.MULTILINE)  # the same opener, its `$` any line's end
# Block tokens of paragraphs, lists and quotes: the blocks an ATX heading on the next line
# always closes (and the only ones contained user text may produce).
PROSE_BLOCK_TOKENS = frozenset(
    {
        "paragraph_open",
        "paragraph_close",
        "inline",
        "bullet_list_open",
        "bullet_list_close",
        "ordered_list_open",
        "ordered_list_close",
        "list_item_open",
        "list_item_close",
        "blockquote_open",
        "blockquote_close",
    }
)


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The CommonMark parser (plus GFM tables) every part of the core reads markdown with, shared.

    It reads block structure only: the core looks at blocks (headings, fences, lists, quotes,
    reference definitions) and at the raw text block rules keep, never at inline tokens, and
    the inline pass would cost four times the rest of a parse.
    """
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])


# --------------------------------------------------------------------------- headings


class Heading(NamedTuple):
    """A heading as markdown-it reports it."""

    level: int
    text: str
    """The raw inline text (closing `#`s and edge spaces removed, emphasis kept)."""
    line: int
    """0-based line of the heading (of a setext heading, its text line)."""
    nested: bool = False
    """Inside a list item or a quote."""


def _headings(tokens: Sequence[Token]) -> tuple[Heading, ...]:
    return tuple(
        Heading(int(tok.tag[1:]), tokens[i + 1].content, tok.map[0] if tok.map else 0, tok.level > 0)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    )


def headings_by_full_parse(text: str) -> tuple[Heading, ...]:
    """Every heading of the whole text in one markdown-it parse (the reference behaviour)."""
    return _headings(markdown_parser().parse(text))


ChunkMemo = Callable[[str, Callable[[str], "tuple[int, str] | None"]], "tuple[int, str] | None"]
"""`memo(chunk, parse)`: `parse(chunk)`, or its result remembered from an earlier call."""


def _parse_now(chunk: str, parse: Callable[[str], tuple[int, str] | None]) -> tuple[int, str] | None:
    return parse(chunk)


_remember: ChunkMemo = _parse_now


def remember_chunks(memo: ChunkMemo) -> None:
    """Parse each chunk of `outline` through `memo` (the plan layer keeps the results across
    processes; the text layer imports no storage)."""
    global _remember
    _remember = memo


# Lines of a body that markdown-it can only read as bullets and paragraphs: blank, or a letter
# (after `- `) first. Nothing else starts there: no fence, code, quote, HTML, table, setext line,
# rule or link definition, and a bullet after a paragraph starts a list (it is never empty).
_PLAIN_BODY = re.compile(r"(?:(?:- )?[A-Za-z][^\n]*|[ \t]*)(?:\n(?:(?:- )?[A-Za-z][^\n]*|[ \t]*))*")


@lru_cache(maxsize=4096)
def _closed_chunk(chunk: str) -> tuple[int, str] | None:
    # A long section of a big plan costs tens of milliseconds to parse, and is the same text
    # from one call to the next: remembered in this process and (see `remember_chunks`) across.
    # One whose body is plain bullets and paragraphs (the sections of a session of thousands of
    # entries, changed at every Enter) is closed whatever its length: its heading line decides.
    head, cut, body = chunk.partition("\n")
    if cut and _PLAIN_BODY.fullmatch(body):
        return _remember(head, _parse_chunk)
    return _remember(chunk, _parse_chunk)


def _parse_chunk(chunk: str) -> tuple[int, str] | None:
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
    if any(tok.type not in PROSE_BLOCK_TOKENS for tok in tokens[3:]):
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
    starts = _atx_lines(text)
    if not starts or text[: starts[0]].strip(" \t\n"):
        return headings_by_full_parse(text)
    found: list[Heading] = []
    line = 0
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(text)  # the chunk's lines, not the break after
        heading = _closed_chunk(text[start:end])
        if heading is None:
            return headings_by_full_parse(text)
        line += text.count("\n", starts[n - 1] if n else 0, start)
        found.append(Heading(heading[0], heading[1], line))
    return tuple(found)


def _atx_lines(text: str) -> list[int]:
    """Where each line that opens an ATX heading starts: the text is never split into lines, and
    only lines that start with `#` are looked at (a plan of 10,000 bullets has a dozen)."""
    starts = [0] if _ATX_LINE.match(text) else []
    at = text.find("\n#")
    while at >= 0:
        if _ATX_LINE.match(text, at + 1):
            starts.append(at + 1)
        at = text.find("\n#", at + 1)
    return starts


def atx_line_starts(text: str) -> dict[int, int]:
    """Line number -> where that line starts, for each line that opens an ATX heading (a line
    of a fence that looks like one too: the caller matches these against `outline`'s lines)."""
    found: dict[int, int] = {}
    line, last = 0, 0
    for start in _atx_lines(text):
        line += text.count("\n", last, start)
        found[line], last = start, start
    return found


# --------------------------------------------------------------------------- sections


class Section(NamedTuple):
    """The lines from one heading up to the next cut: 0-based, `end` exclusive."""

    heading: str
    """The heading's raw inline text, as in `Heading.text`."""
    level: int
    start: int
    """The heading's line."""
    end: int


def sections(text: str, level: int | None = None) -> list[Section]:
    """The text cut at its top-level headings (only those of `level` when given), in order.

    A heading inside a fence, an HTML block or an indented code block is not one, and a setext
    heading is (markdown-it decides); one inside a list item or a quote does not cut it. Lines
    before the first cut belong to no section. CRLF and CR count as LF; a final newline ends
    the last line rather than starting an empty one.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    cuts = [h for h in outline(text) if not h.nested and (level is None or h.level == level)]
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    return [
        Section(h.text, h.level, h.line, cuts[n + 1].line if n + 1 < len(cuts) else total)
        for n, h in enumerate(cuts)
    ]


# --------------------------------------------------------------------------- prompt documents


class Fence(NamedTuple):
    """A fenced code block: where it sits and what it holds."""

    start: int
    """Index of the opening fence line."""
    end: int
    """Index of the closing fence line (of the line after the block when it is never closed)."""
    indent: int
    info: str
    body: tuple[str, ...]
    """The lines between the fence lines, as written (indentation kept)."""

    def text(self) -> str:
        """The content, dedented (real prompts indent fences inside list items)."""
        return textwrap.dedent("\n".join(self.body)).strip("\n")


def _fences(tokens: Sequence[Token], lines: list[str]) -> list[Fence]:
    found = []
    for tok in tokens:
        if tok.type != "fence" or not tok.map:
            continue
        start, stop = tok.map
        # markdown-it's block ends after the closing line, or where its container ends when
        # the fence is never closed: only the line's own shape tells the two apart.
        closing = re.compile(rf"[ \t>]*{re.escape(tok.markup[0])}{{{len(tok.markup)},}}[ \t]*")
        end = stop - 1 if stop - 1 > start and closing.fullmatch(lines[stop - 1]) else stop
        found.append(Fence(start, end, indent_of(lines[start]), tok.info.strip(), tuple(lines[start + 1 : end])))
    return found


class Doc(NamedTuple):
    """A markdown text split into lines, with its headings and fenced blocks (from one parse)."""

    lines: list[str]
    in_fence: list[bool]
    """Per line: True for a fence line or a line inside a fenced block."""
    fences: list[Fence]
    headings: tuple[Heading, ...]

    def section(self, pattern: str, level: int = 2) -> tuple[int, int] | None:
        """Line range (after the heading, up to the next heading of the same or higher level)
        of the first heading of this level whose text matches the regex, case-insensitively."""
        heads = self.headings
        for n, head in enumerate(heads):
            if head.level == level and re.search(pattern, plain(head.text), re.IGNORECASE):
                end = next((h.line for h in heads[n + 1 :] if h.level <= level), len(self.lines))
                return head.line + 1, end
        return None


_FENCE_MARK = re.compile(r"^([ \t>]*)(`{3,}|~{3,})(.*)$")


def _nested_fence_lines(lines: list[str]) -> list[str]:
    """The lines with each fence that holds another fence (```` ```bash ```` … ```` ``` ````
    inside an outline's own fence) re-marked longer, so the parse keeps the outer block whole.

    CommonMark closes a fence at the first bare marker line, which cuts a prompt's scaffold at
    the end of the shell example written inside it. Read as the author meant: inside a fence,
    a marker line with an info string opens a nested block and the next bare one closes it.
    """
    out = list(lines)
    stack: list[int] = []  # line numbers of the open fences, outermost first
    nested: dict[int, int] = {}  # outer opener line -> its closing line
    width = 3
    for n, line in enumerate(lines):
        m = _FENCE_MARK.match(line)
        if not m:
            continue
        marker, info = m.group(2), m.group(3).strip()
        if marker[0] == "`" and "`" in info:
            continue  # a code span on its own line, never a fence line
        if stack and marker[0] != _FENCE_MARK.match(lines[stack[0]]).group(2)[0]:
            continue  # `~~~` inside a backtick fence (or the reverse) is only text
        width = max(width, len(marker))
        if not stack or info:
            stack.append(n)
            continue
        if len(marker) < len(_FENCE_MARK.match(lines[stack[-1]]).group(2)):
            continue  # too short to close the block it is in
        opener = stack.pop()
        if not stack and n - opener > 1 and any(
            (i := _FENCE_MARK.match(lines[k])) and i.group(3).strip() for k in range(opener + 1, n)
        ):
            nested[opener] = n
    for opener, closer in nested.items():
        for k in (opener, closer):
            m = _FENCE_MARK.match(lines[k])
            out[k] = m.group(1) + m.group(2)[0] * (width + 1) + m.group(3)
    return out


def load(text: str, *, nested_fences: bool = False) -> Doc:
    """Split text into lines (BOM and CRLF tolerated, tabs expanded) and parse it once.

    With `nested_fences`, a fence holding another fenced block is read whole (see
    `_nested_fence_lines`); role prompts are read this way, other documents as CommonMark says.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.expandtabs(4).rstrip() for line in text.split("\n")]
    if nested_fences:
        lines = _nested_fence_lines(lines)
    tokens = markdown_parser().parse("\n".join(lines))
    fences = _fences(tokens, lines)
    in_fence = [False] * len(lines)
    for fence in fences:
        for k in range(fence.start, min(fence.end + 1, len(lines))):
            in_fence[k] = True
    return Doc(lines, in_fence, fences, _headings(tokens))


# --------------------------------------------------------------------------- line helpers


def indent_of(line: str) -> int:
    """Number of leading spaces."""
    return len(line) - len(line.lstrip(" "))


def plain(text: str) -> str:
    """Text without emphasis markers and surrounding whitespace (backticked words keep their words)."""
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    return text.replace("`", "").strip()


def backticked(text: str) -> list[str]:
    """The contents of every `inline code` span in the text, in order."""
    return [s.strip() for s in _BACKTICK.findall(text)]
