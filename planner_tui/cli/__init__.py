"""The command line: the workbench by default, and non-interactive commands for scripts and agents."""

from planner_tui.cli.main import main

__all__ = ["main"]
