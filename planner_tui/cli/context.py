"""What the command handlers share: who writes, the planner the options name, and output that is safe to print."""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import TYPE_CHECKING, Any

from planner_tui.core.epic.citations import parse_cite
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation
from planner_tui.core.text.display import visible

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner

__all__ = ["author", "open_planner", "cite", "out", "print_json"]


def author(args: argparse.Namespace) -> str:
    """Who writes: `--as`, else `$PLANNER_TUI_AUTHOR`, else `agent`."""
    chosen = getattr(args, "author", None) or os.environ.get("PLANNER_TUI_AUTHOR") or "agent"
    if chosen not in ("person", "agent"):
        raise PlannerError(f"PLANNER_TUI_AUTHOR must be person or agent, not {chosen!r}.")
    return chosen


def open_planner(args: argparse.Namespace) -> "Planner":
    """The planner for the project, epic, role and prompt pack the global options name."""
    from planner_tui.core.engine import Planner  # heavy: only for commands that need it

    return Planner.open(args.project, prompts=args.prompts, epic=args.epic, role=args.role, author=author(args))


def cite(value: str | None) -> Citation | None:
    """`--cite PATH[:LINE]` as a citation; checked (inside the project, the line exists) by Planner.add."""
    return parse_cite(value) if value else None


def out(text: str = "") -> None:
    """Print a line with control characters made visible."""
    print(visible(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def print_json(data: Any) -> None:
    """Print data as JSON; a file name that is not UTF-8 (a lone surrogate) stays a `\\udcff` escape.

    Written raw, such a character becomes an invalid byte (or a crash) on stdout.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False)
    print(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
