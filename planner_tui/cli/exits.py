"""The command line's exit codes, defined once."""

from __future__ import annotations

__all__ = ["EXIT_OK", "EXIT_BLOCKED", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_OK = 0
"""Done; for `check` and `status`, nothing blocks."""
EXIT_BLOCKED = 1
"""Refused, blocked, not found, or an error the message explains."""
EXIT_USAGE = 2
"""The command line itself is wrong (argparse exits with it)."""
EXIT_INTERRUPTED = 130
"""Ctrl+C, as shells report SIGINT."""
