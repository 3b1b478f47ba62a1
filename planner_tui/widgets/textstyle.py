"""Rich `Text` builders shared by the panes: entry kinds, light markdown styling, safe text."""

from __future__ import annotations

import re

from rich.text import Text

from planner_tui.core.models import KINDS
from planner_tui.core.text.display import visible

__all__ = ["KIND_LETTER", "KIND_STYLE", "KIND_LABEL", "safe_text", "inline_markdown", "markdown_line", "markdown_lines"]

# Read from the one table of entry kinds (core.models.KINDS).
KIND_LETTER = {k.name: k.letter for k in KINDS.values()}
KIND_LABEL = {k.name: k.label for k in KINDS.values()}
KIND_STYLE = {k.name: f"bold {k.style}" for k in KINDS.values()}

# `code`, **bold**, *italic* / _italic_, [link](target); anything else stays literal (never markup).
_INLINE = re.compile(
    r"`([^`\n]+)`|\*\*([^*\n]+)\*\*|(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])|!?\[([^\]\n]+)\]\(([^)\s]+)[^)\n]*\)"
)
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d+[.)])\s+(.*)$")


def safe_text(text: str, style: str = "") -> Text:
    """Untrusted text as a `Text` with every terminal control made visible; never parsed as markup."""
    return Text(visible(text), style=style)


def inline_markdown(text: str, style: str = "") -> Text:
    """One line of markdown with `code`, **bold** and *italic* styled; the markers are dropped."""
    out = Text(style=style)
    pos = 0
    for match in _INLINE.finditer(text):
        out.append(visible(text[pos : match.start()]))
        code, bold, italic, label, target = match.groups()
        if code is not None:
            out.append(visible(code), style="bold magenta")
        elif bold is not None:  # `**Read [x](y)**`: what is inside the markers is markdown too
            out.append_text(inline_markdown(bold, style="bold"))
        elif italic is not None:
            out.append_text(inline_markdown(italic, style="italic"))
        else:
            out.append(visible(label), style="underline")
            if target != label:
                out.append(f" ({visible(target)})", style="dim")
        pos = match.end()
    out.append(visible(text[pos:]))
    return out


def markdown_line(line: str, in_fence: bool = False) -> tuple[Text, bool]:
    """One markdown line lightly styled, and whether a code fence is open after it.

    The unit the plan preview and the document view cache: a line's look depends only on its
    text and on being inside a fence.
    """
    out = Text()
    stripped = line.strip()
    if stripped.startswith("```") or stripped.startswith("~~~"):
        out.append(visible(line), style="dim")
        return out, not in_fence
    if in_fence:
        out.append(visible(line), style="green")
    elif _RULE.match(line):
        out.append("─" * 40, style="dim")
    elif stripped.startswith(">"):
        out.append("▌ ", style="dim")
        out.append_text(inline_markdown(stripped.lstrip("> "), style="italic"))
    elif stripped.startswith("|") and stripped.endswith("|"):
        out.append(visible(line), style="")  # tables keep their pipes: aligned enough to read
    elif m := _HEADING.match(line):
        style = "bold underline" if len(m.group(1)) == 1 else "bold"
        out.append_text(inline_markdown(m.group(2), style=style))
    elif m := _BULLET.match(line):
        out.append(m.group(1) + "• ", style="dim")
        out.append_text(inline_markdown(m.group(2)))
    elif m := _NUMBERED.match(line):
        out.append(f"{m.group(1)}{m.group(2)} ", style="dim")
        out.append_text(inline_markdown(m.group(3)))
    else:
        out.append_text(inline_markdown(line))
    return out, in_fence


def markdown_lines(lines: list[str]) -> Text:
    """A block of markdown lines lightly styled: headings bold, bullets as •, inline code.

    Cheap on purpose (a few microseconds per line): the plan preview rebuilds a section's text on
    every change, where the Markdown widget would cost a second for a long plan.
    """
    out = Text()
    in_fence = False
    for index, line in enumerate(lines):
        if index:
            out.append("\n")
        styled, in_fence = markdown_line(line, in_fence)
        out.append_text(styled)
    return out
