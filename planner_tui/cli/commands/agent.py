"""`planner-tui mcp`: serve the session to an agent over MCP (stdio), or print a client's config snippet."""

from __future__ import annotations

import argparse
import sys

from planner_tui.cli.exits import EXIT_OK
from planner_tui.core.text.display import visible

__all__ = ["mcp"]


def mcp(args: argparse.Namespace) -> int:
    if args.print_config:
        from planner_tui.agent_server.clients import snippet_text

        path, text = snippet_text(args.print_config, epic=args.epic, role=args.role)
        print(visible(f"Merge this into {path} in the project (planner-tui under the servers already there):"), file=sys.stderr)
        sys.stdout.write(text)
        return EXIT_OK
    from planner_tui.agent_server.seat import Seat

    # Opened before the SDK is even imported: a wrong --project or --epic is one sentence on
    # stderr and exit 1, at once.
    seat = Seat.open(args.project, prompts=args.prompts, epic=args.epic, role=args.role)
    from planner_tui.agent_server.server import build_server

    build_server(seat).run("stdio")  # stdout carries protocol messages only; logs go to stderr
    return EXIT_OK
