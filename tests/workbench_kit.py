"""Constants and the ready session shared by the workbench tests (a plain module: `conftest` is not
importable by name, since every test folder may have its own)."""

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


def decide_every_topic(planner) -> None:
    """A session ready to commit, as a person leaves it: one decision covering each topic's points,
    one risk, every topic confirmed (through the engine, for tests whose subject comes after)."""
    for index, topic in enumerate(planner.role.topics):
        planner.add(topic.id, "decision", f"{topic.title}: " + "; ".join(f"{p} settled" for p in topic.points))
        if index == 0:
            planner.add(topic.id, "risk", "Large photos may slow the first sync.")
        planner.confirm(topic.id)
    assert planner.blockers() == []
