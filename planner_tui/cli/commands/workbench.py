"""Commands that open the workbench: `ui` and `demo`."""

from __future__ import annotations

import argparse
import sys

from planner_tui.cli.exits import EXIT_OK

__all__ = ["ui", "demo"]


def ui(args: argparse.Namespace) -> int:
    from planner_tui.factory import run_workbench  # Textual loads only when the workbench opens

    return run_workbench(project=args.project, prompts=args.prompts, epic=args.epic, role=args.role)


def demo(args: argparse.Namespace) -> int:
    from planner_tui.demo import make_demo

    path = make_demo(args.dest)
    if args.no_open:
        print(path)
        return EXIT_OK
    print(f"Demo project copied to {path}", file=sys.stderr)
    args.project = path
    return ui(args)
