"""Section-by-section diff of two plans: which `## ` sections were added, removed or changed."""

from __future__ import annotations

import difflib
from typing import Literal, NamedTuple

from planner_tui.core.text import markdown

__all__ = ["SectionChange", "SectionStatus", "PREAMBLE", "split_sections", "keyed_sections", "section_diff", "summary"]

SectionStatus = Literal["added", "removed", "changed", "unchanged"]

PREAMBLE = ""
"""The heading given to the text before the first `## ` heading (the plan's `# title`)."""


class SectionChange(NamedTuple):
    """One section of the plan and how it differs between the old and the new text."""

    heading: str
    """The heading without `## ` (`PREAMBLE`, the empty string, for the part above the first one)."""
    status: SectionStatus
    lines: list[str]
    """Unified diff lines (`@@ … @@`, `-old`, `+new`, ` context`), without the file header."""

    @property
    def added_lines(self) -> int:
        """How many lines this section gained."""
        return sum(1 for line in self.lines if line.startswith("+"))

    @property
    def removed_lines(self) -> int:
        """How many lines this section lost."""
        return sum(1 for line in self.lines if line.startswith("-"))


def split_sections(text: str) -> list[tuple[str, list[str]]]:
    """Split markdown at its level-2 headings (as markdown-it reads them) into (heading, lines) pairs.

    The first pair is the preamble (heading `PREAMBLE`), present only when it has any line. Each
    other pair's lines start with its heading line; other headings stay inside their section.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it is not an empty line of its own
    cuts = markdown.sections(text, level=2)
    first = cuts[0].start if cuts else len(lines)
    parts = [(PREAMBLE, lines[:first])] if first else []
    parts.extend((cut.heading, lines[cut.start : cut.end]) for cut in cuts)
    return parts


def keyed_sections(text: str) -> list[tuple[tuple[str, int], list[str]]]:
    """`split_sections` with each section keyed (heading, n), so that the n-th section with a
    heading pairs with the n-th one of another text (repeated headings pair up in order)."""
    seen: dict[str, int] = {}
    keyed = []
    for heading, lines in split_sections(text):
        n = seen.get(heading, 0)
        seen[heading] = n + 1
        keyed.append(((heading, n), lines))
    return keyed


def _diff_lines(old: list[str], new: list[str], context: int) -> list[str]:
    diff = list(difflib.unified_diff(old, new, lineterm="", n=context))
    return diff[2:]  # drop the `---`/`+++` file header: the section heading names it


def section_diff(old: str | None, new: str, *, context: int = 2) -> list[SectionChange]:
    """Compare two plans section by section, in the new plan's order.

    `old` is None when there is no earlier version (every section is then `added`). Sections are
    paired by heading (the n-th `## Notes` with the n-th `## Notes`), so a moved section is
    `changed` or `unchanged`, never removed and added. A removed section is listed after the
    section that preceded it in the old plan.
    """
    new_keyed = keyed_sections(new)
    if old is None:
        return [SectionChange(key[0], "added", [f"+{line}" for line in lines]) for key, lines in new_keyed]
    old_keyed = keyed_sections(old)
    old_map = dict(old_keyed)
    new_keys = {key for key, _ in new_keyed}

    # Removed sections hang after the nearest earlier old section that still exists (or go first).
    removed_after: dict[tuple[str, int] | None, list[SectionChange]] = {}
    anchor: tuple[str, int] | None = None
    for key, lines in old_keyed:
        if key in new_keys:
            anchor = key
            continue
        change = SectionChange(key[0], "removed", [f"-{line}" for line in lines])
        removed_after.setdefault(anchor, []).append(change)

    changes: list[SectionChange] = list(removed_after.get(None, []))
    for key, lines in new_keyed:
        before = old_map.get(key)
        if before is None:
            changes.append(SectionChange(key[0], "added", [f"+{line}" for line in lines]))
        elif before == lines:
            changes.append(SectionChange(key[0], "unchanged", []))
        else:
            changes.append(SectionChange(key[0], "changed", _diff_lines(before, lines, context)))
        changes.extend(removed_after.get(key, []))
    return changes


def summary(changes: list[SectionChange]) -> str:
    """One line such as `2 sections changed, 1 added`, or `no changes`."""
    counts = [
        (status, sum(1 for c in changes if c.status == status)) for status in ("changed", "added", "removed")
    ]
    parts = [(status, n) for status, n in counts if n]
    if not parts:
        return "no changes"
    (first_status, first_n), rest = parts[0], parts[1:]
    words = [f"{first_n} section{'s' if first_n != 1 else ''} {first_status}"]
    words.extend(f"{n} {status}" for status, n in rest)
    return ", ".join(words)
