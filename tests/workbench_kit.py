"""Constants, the ready session and the waits shared by the workbench tests (a plain module: `conftest` is not
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


async def open_document(pilot, path: str):
    """Load `path` into the app's DocumentView with the app's `read` and wait until it is shown
    (the viewer reads in a worker); returns the DocumentView."""
    from planner_tui.core.models import Artifact
    from planner_tui.widgets.artifacts.document import DocumentView

    document = pilot.app.query_one(DocumentView)
    document.load(Artifact(path=path, group="planning", label=path.rsplit("/", 1)[-1], state="present"), pilot.app.read)
    for _ in range(300):
        if document._loaded and document.artifact.path == path:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    return document


async def past_preparation(pilot, until):
    """The workbench, with the preparation view a new session opens on (over the workbench, once
    that has drawn) closed; `until(pilot, predicate, what=...)` is the caller's wait."""
    app = pilot.app
    await until(pilot, lambda: type(app.screen).__name__ in ("WorkbenchScreen", "PreparationScreen"), what="first screen")
    await until(pilot, lambda: not app.preparation_due, what="preparation view")
    if type(app.screen).__name__ == "PreparationScreen":
        await pilot.press("escape")
    await until(pilot, lambda: type(app.screen).__name__ == "WorkbenchScreen", what="workbench")
    return app.screen
