"""The command line: the parser built from the command registry, and dispatch with one error policy."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from planner_tui import __version__
from planner_tui.cli.exits import EXIT_BLOCKED, EXIT_INTERRUPTED, EXIT_OK
from planner_tui.cli.registry import COMMANDS, DEFAULT_COMMAND, find
from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import visible

__all__ = ["main", "build_parser"]


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the command (`planner-tui status --epic 12`)."""
    # After the command they default to SUPPRESS, so they never overwrite a value given before it.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--project", type=Path, default=default, metavar="DIR", help="project folder (default: the git work tree around the current folder)")
    parser.add_argument("--epic", default=default, metavar="EPIC", help="epic id, slug or folder name (default: the only or most recently changed)")
    parser.add_argument("--role", default=argparse.SUPPRESS if suppress else "backend", metavar="ROLE", help="role: backend, 03-backend, or a prompt file (default: backend)")
    parser.add_argument("--prompts", type=Path, default=default, metavar="DIR", help="prompt pack folder (default: found in the project)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, made from the command registry."""
    parser = argparse.ArgumentParser(
        prog="planner-tui",
        description="Plan one role of an epic: the workbench with no command, or a command for scripts and agents.",
    )
    parser.add_argument("--version", action="version", version=f"planner-tui {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help, parents=[common])
        for argument in command.args:
            argument.add_to(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see `cli.exits`)."""
    args = build_parser().parse_args(argv)
    command = find(args.command or DEFAULT_COMMAND)
    try:
        return command.handler(args)
    except PlannerError as exc:
        print(f"planner-tui: {visible(str(exc))}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_BLOCKED)
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(f"planner-tui: {visible(str(exc.strerror or exc))}: {visible(str(exc.filename or ''))}", file=sys.stderr)
        return EXIT_BLOCKED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still one sentence, unless asked for the traceback
        if os.environ.get("PLANNER_TUI_DEBUG"):
            raise
        print(f"planner-tui: internal error ({type(exc).__name__}: {visible(str(exc))}); set PLANNER_TUI_DEBUG=1 for details.", file=sys.stderr)
        return EXIT_BLOCKED
