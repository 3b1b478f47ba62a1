"""Constants shared by the workbench tests (a plain module: `conftest` is not importable by name,
since every test folder may have its own)."""

from datetime import datetime, timezone

SIZE = (120, 36)
"""The terminal size of the Pilot tests: the narrowest that keeps the three panes side by side
(a frame costs in proportion to its cells, and a test draws dozens of them)."""

WIDE_SIZE = (160, 48)
"""The size of the workbench snapshots (the screenshots' size) and of the Pilot tests whose artifact
lines must not wrap in the viewer."""

FIXED_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
"""The clock of the workbench in tests: entries and sessions carry this time."""

DEMO_EPIC = "009_photo-annotations"
"""The demo's working epic."""
