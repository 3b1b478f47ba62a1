"""Constants shared by the workbench tests (a plain module: `conftest` is not importable by name,
since every test folder may have its own)."""

from datetime import datetime, timezone

SIZE = (160, 48)
"""The terminal size of every Pilot and snapshot test of the workbench."""

FIXED_NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
"""The clock of the workbench in tests: entries and sessions carry this time."""

DEMO_EPIC = "009_photo-annotations"
"""The demo's working epic."""
