"""Line-level markdown reading shared by the prompt-pack parsers: fences, headings, list items."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "Fence",
    "Doc",
    "load",
    "indent_of",
    "plain",
    "backticked",
    "clean_line",
    "BULLET",
    "NUMBERED",
    "HEADING",
]

BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
# Bidi overrides can make a commit subject read differently from what it says.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_BREAKS = set("\r\n\t\x0b\x0c\x85\u2028\u2029")


@dataclass(frozen=True)
class Fence:
    """A fenced code block: where it sits and what it holds."""

    start: int
    """Index of the opening fence line."""
    end: int
    """Index of the closing fence line (len(lines) when the fence is never closed)."""
    indent: int
    info: str
    body: tuple[str, ...]

    def text(self) -> str:
        """The content, dedented (real prompts indent fences inside list items)."""
        return textwrap.dedent("\n".join(self.body)).strip("\n")


@dataclass
class Doc:
    """A markdown text split into lines, with which lines belong to fenced blocks."""

    lines: list[str]
    in_fence: list[bool]
    fences: list[Fence] = field(default_factory=list)

    def headings(self) -> list[tuple[int, int, str]]:
        """(line index, level, text) of every heading outside fences."""
        out = []
        for i, line in enumerate(self.lines):
            if self.in_fence[i]:
                continue
            m = HEADING.match(line)
            if m:
                out.append((i, len(m.group(1)), m.group(2).strip()))
        return out

    def section(self, pattern: str, level: int = 2) -> tuple[int, int] | None:
        """Line range (after the heading, up to the next heading of the same or higher level)
        of the first heading of this level whose text matches the regex, case-insensitively."""
        heads = self.headings()
        for n, (i, lvl, text) in enumerate(heads):
            if lvl == level and re.search(pattern, plain(text), re.IGNORECASE):
                end = next((j for j, l2, _ in heads[n + 1 :] if l2 <= level), len(self.lines))
                return i + 1, end
        return None

    def fence_at(self, start: int, end: int) -> Fence | None:
        """The first fence opening within [start, end)."""
        return next((f for f in self.fences if start <= f.start < end), None)


def load(text: str) -> Doc:
    """Split text into lines (BOM and CRLF tolerated, tabs expanded) and find the fences."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.expandtabs(4).rstrip() for line in text.split("\n")]
    in_fence = [False] * len(lines)
    fences: list[Fence] = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        # A backtick fence's info string may not contain backticks (CommonMark).
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            i += 1
            continue
        marker = m.group(2)
        close = re.compile(rf"^\s*{re.escape(marker[0])}{{{len(marker)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        for k in range(i, min(j + 1, len(lines))):
            in_fence[k] = True
        fences.append(Fence(i, j, len(m.group(1)), m.group(3).strip(), tuple(lines[i + 1 : j])))
        i = j + 1
    return Doc(lines, in_fence, fences)


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


def clean_line(text: str, limit: int | None = None) -> str:
    """One safe line: escape sequences and control characters removed, breaks made spaces,
    whitespace collapsed, and capped at `limit` characters (with an ellipsis)."""
    text = _ANSI.sub("", text)
    out = []
    for ch in text:
        if ch in _BREAKS:
            out.append(" ")
        elif ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            out.append(ch)
    line = " ".join("".join(out).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line
