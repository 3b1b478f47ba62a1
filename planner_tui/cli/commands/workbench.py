"""Commands that open the workbench: `ui` and `demo`."""

from __future__ import annotations

import argparse
import shutil
import sys

from planner_tui.cli.exits import EXIT_OK, EXIT_USAGE

__all__ = ["ui", "demo", "without_terminal"]


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)  # None when the stream was closed or replaced
    try:
        return bool(isatty is not None and isatty())
    except (ValueError, OSError):  # a closed file
        return False


def without_terminal() -> str | None:
    """Why the workbench cannot open here (stdin or stdout is not a terminal), or None when it can.

    Run by an agent or a script, a full-screen app would wait for keys nobody types and never
    exit; the command line serves them instead.
    """
    if _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
        return None
    from planner_tui.cli.registry import COMMANDS  # the registry imports this module

    names = ", ".join(c.name for c in COMMANDS if c.handler not in (ui, demo))
    return (
        "the workbench needs a terminal, and stdin or stdout is not one; from a script or an agent "
        f"use a command instead ({names}; planner-tui --help says more)"
    )


def _refuse_without_terminal() -> int | None:
    problem = without_terminal()
    if problem is None:
        return None
    print(f"planner-tui: {problem}", file=sys.stderr)
    return EXIT_USAGE


def ui(args: argparse.Namespace) -> int:
    refused = _refuse_without_terminal()
    if refused is not None:
        return refused
    from planner_tui.factory import run_workbench  # Textual loads only when the workbench opens

    return run_workbench(project=args.project, prompts=args.prompts, epic=args.epic, role=args.role)


def demo(args: argparse.Namespace) -> int:
    from planner_tui.demo import make_demo

    if not args.no_open:
        refused = _refuse_without_terminal()  # before copying: nothing is left behind
        if refused is not None:
            return refused
    path = make_demo(args.dest)
    if args.no_open:
        print(path)
        return EXIT_OK
    from planner_tui.factory import run_workbench

    # Shown inside the app (the top bar): a line printed now would be hidden by the full screen.
    committed: list[str] = []
    code = run_workbench(project=path, prompts=args.prompts, epic=args.epic, role=args.role, note=f"demo copy: {path}", replies=committed)
    if args.dest is not None or getattr(args, "keep", False) or committed:
        print(f"The demo project is at {path}", file=sys.stderr)
    else:
        # A temporary copy nobody asked to keep, and that holds no commit of the person's.
        shutil.rmtree(path, ignore_errors=True)
        print("The demo copy was removed (planner-tui demo --keep keeps it).", file=sys.stderr)
    return code
