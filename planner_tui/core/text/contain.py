"""Contain user text inside one bullet or paragraph of a markdown plan, whatever it holds."""

from __future__ import annotations

import re
from functools import lru_cache

from planner_tui.core.text.markdown import ATX_OPENER, PROSE_BLOCK_TOKENS, markdown_parser

__all__ = [
    "PER_ENTRY_CACHE",
    "normalise_text",
    "plan_line",
    "contain_lines",
    "bullet",
    "paragraph",
    "is_contained",
]

# Escaping policy (what a person finds in the plan file for what they typed):
# - CRLF and CR become LF; trailing spaces and tabs are removed from every line; leading and
#   trailing blank lines are dropped and runs of blank lines become one.
# - C0 control characters (except tab and newline) and DEL become their visible Unicode
#   "control pictures" (U+2400 block); C1 controls become the text `\x85` (4 characters).
# - The first line loses its indentation; other lines keep at most 3 spaces (a leading tab
#   counts as 4), so no indented code block can open.
# - A backslash goes in front of the one character that would start a block at the start of a
#   line: `#` headings, `===`/`---` setext underlines and thematic breaks, ``` and ~~~ fences,
#   `<tag` HTML blocks, `[label]:` reference definitions and table delimiter rows.
#   Lists (`- x`, `1. x`) and quotes (`> x`) stay as typed: they nest inside the bullet.
# - If the result still parses to anything but paragraphs, lists and quotes (for instance a
#   heading inside a quote), every line is escaped instead (strict mode): each line loses its
#   indentation and a leading ASCII punctuation character gets a backslash (`1.` becomes `1\.`),
#   so the entry is plain paragraph text.
# - Everything inside a line is kept as typed: `code`, *emphasis*, [links](x), `a < b`, `&amp;`,
#   `C:\new\table`, `list[str]`, `{{ 7*7 }}`, and a trailing backslash (at the end of an entry it
#   is a literal backslash; mid-entry it is a markdown hard line break, never a block).

_SETEXT_OR_BREAK = re.compile(r"(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$")
_FENCE = re.compile(r"(?:`{3,}|~{3,})")
_HTML = re.compile(r"<[A-Za-z/!?]")
# `[label]: dest` defines a link; `[label` with no `]` may continue into one on the next line.
_REFDEF = re.compile(r"\[(?:[^\]\\]|\\.)*(?:\]:|$)")
# Only `|`, `:`, `-` and blanks to the end, with a `-` among them (a table's delimiter row);
# the lookahead scans once, where `[…]*-[…]*$` tried every `-` as the required one.
_TABLE_DELIM = re.compile(r"(?=[|:\- \t]*+$)[|: \t]*+-")
_ORDERED = re.compile(r"(\d{1,9})([.)])")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
PER_ENTRY_CACHE = 65_536
"""How many texts a per-entry check or rendering remembers in one process (this module's blocks, the
rule checks, the mentions, the package names): between two renders almost every entry is the same
text as before. Larger than any session planned with: a check asked for each of more texts than its
cache holds, in the same order each time, finds none of them (a 10,000-entry session's blockers took
1.6 s every time with 8,192)."""


def _visible_control(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\\x{code:02x}"


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def normalise_text(text: str) -> list[str]:
    """Split text into plan-ready lines: LF only, visible controls, no edge or repeated blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(_visible_control, text)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip(" \t")
        if not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def plan_line(text: str) -> str:
    """Text squeezed to one line of the plan (for titles): whitespace runs become one space and
    controls are made visible as in `normalise_text` (unlike `display.one_line`, which is for the
    screen, escapes C1 and bidi controls its own way and caps the length)."""
    # Line-breaking controls become spaces; the other controls become visible like elsewhere.
    breaks = "\r\x0b\x0c\x85"
    text = _CONTROLS.sub(lambda m: " " if m.group(0) in breaks else _visible_control(m), text)
    return " ".join(text.replace("\u2028", " ").replace("\u2029", " ").split())


def _indent_width(prefix: str) -> int:
    return sum(4 if ch == "\t" else 1 for ch in prefix)


def _escape_light(body: str) -> str:
    """Backslash the first character of a line when it would open a block other than a list."""
    if ATX_OPENER.match(body) or _SETEXT_OR_BREAK.match(body) or _FENCE.match(body):
        return "\\" + body
    if _HTML.match(body) or _REFDEF.match(body):
        return "\\" + body
    if body[0] in "|:-" and _TABLE_DELIM.match(body):
        return "\\" + body
    return body


def _escape_strict(body: str) -> str:
    """Backslash any leading ASCII punctuation (and an ordered-list dot) so no block can open."""
    if body[0] in _ASCII_PUNCT:
        return "\\" + body
    m = _ORDERED.match(body)
    if m:
        return f"{m.group(1)}\\{body[m.end(1):]}"
    return body


def contain_lines(text: str, *, strict: bool = False) -> list[str]:
    """The entry's lines with indentation capped and block openers escaped (see the policy)."""
    out: list[str] = []
    for i, line in enumerate(normalise_text(text)):
        body = line.lstrip(" \t")
        if not body:
            out.append("")
            continue
        if strict:
            out.append(_escape_strict(body))
            continue
        indent = 0 if i == 0 else min(3, _indent_width(line[: len(line) - len(body)]))
        out.append(" " * indent + _escape_light(body))
    return out


def _join(first: str, rest_prefix: str, lines: list[str]) -> str:
    parts = [first + lines[0]]
    parts.extend(rest_prefix + ln if ln else "" for ln in lines[1:])
    return "\n".join(parts)


@lru_cache(maxsize=PER_ENTRY_CACHE)
def bullet(text: str) -> str | None:
    """The entry as one `- ` bullet whose continuation lines stay inside it; None when blank."""
    if _as_typed(text):
        return "- " + text
    lines = contain_lines(text)
    if not lines:
        return None
    block = _join("- ", "  ", lines)
    if _plain_line(lines) or is_contained(block, as_bullet=True):
        return block
    return _join("- ", "  ", contain_lines(text, strict=True))


@lru_cache(maxsize=PER_ENTRY_CACHE)
def paragraph(text: str) -> str | None:
    """The entry as free text (paragraphs, lists, quotes only) for a prose section; None when blank."""
    if _as_typed(text):
        return text
    lines = contain_lines(text)
    if not lines:
        return None
    block = "\n".join(lines)
    if _plain_line(lines) or is_contained(block, as_bullet=False):
        return block
    return "\n".join(contain_lines(text, strict=True))


def _as_typed(text: str) -> bool:
    """True for text `contain_lines` keeps as it is, one line that `_plain_line` accepts: it starts
    with an ASCII letter, and holds no line break, no control character and no trailing blank."""
    if not (text[:1].isascii() and text[:1].isalpha()) or text[-1] in " \t":
        return False
    # Printable: no control character and no line break (one C loop); else look for them (a tab
    # or a no-break space is not printable, and harmless). CR is one of _CONTROLS.
    return text.isprintable() or ("\n" not in text and _CONTROLS.search(text) is None)


def _plain_line(lines: list[str]) -> bool:
    """True for one line that starts with an ASCII letter: it can only be a paragraph.

    Block structure is decided at the start of a line (markers, fences, headings, quotes, HTML,
    reference definitions, indentation) and a table needs a second line, so such an entry,
    the usual sentence, needs no parse to know it stays inside its bullet or paragraph.
    """
    return len(lines) == 1 and lines[0][:1].isascii() and lines[0][:1].isalpha()


def is_contained(block: str, *, as_bullet: bool) -> bool:
    """True when the block parses to paragraphs, lists and quotes only (one bullet if as_bullet)."""
    env: dict = {}
    tokens = markdown_parser().parse(block, env)
    if env.get("references"):
        return False
    if any(tok.type not in PROSE_BLOCK_TOKENS for tok in tokens):
        return False
    if as_bullet:
        top = [tok for tok in tokens if tok.level == 0]
        items = [tok for tok in tokens if tok.level == 1 and tok.type == "list_item_open"]
        if [t.type for t in top] != ["bullet_list_open", "bullet_list_close"] or len(items) != 1:
            return False
    return True
