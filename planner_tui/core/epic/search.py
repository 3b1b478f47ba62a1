"""Search every artifact, the whole discussion and the rendered plan for a piece of text."""

from __future__ import annotations

from typing import Iterator, Literal, NamedTuple, TYPE_CHECKING

from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import one_line

if TYPE_CHECKING:  # pragma: no cover - typing only
    from planner_tui.core.engine import Planner

__all__ = ["Hit", "HitKind", "search_all", "search_text", "session_location"]

HitKind = Literal["artifact", "session", "plan"]
_LINE_LIMIT = 240


class Hit(NamedTuple):
    """One matching line: where (`path:line`), the line itself (terminal-safe, one line) and what it is."""

    path: str
    """Project-relative path, `task:<id>`, or `session:<topic>#<entry id>` for the discussion."""
    line: int
    """1-based line (inside the entry's text for the discussion)."""
    text: str
    kind: HitKind

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def session_location(topic_id: str, entry_id: str) -> str:
    """The pseudo path of an entry, `session:<topic>#<entry id>`."""
    return f"session:{topic_id}#{entry_id}"


def search_text(text: str, needle: str) -> Iterator[tuple[int, str]]:
    """(1-based line, shown line) for each line of text holding the needle, ignoring case."""
    want = needle.casefold()
    for n, line in enumerate(text.splitlines(), start=1):
        if want in line.casefold():
            yield n, one_line(line, _LINE_LIMIT)


def _sources(planner: "Planner") -> Iterator[tuple[str, str, HitKind]]:
    project = planner.project
    for artifact in project.artifacts(planner.epic):
        if artifact.state != "present":
            continue
        result = project.read_artifact(artifact)
        if result.state == "present" and result.text:
            yield artifact.path, result.text, "artifact"
    order = {t.id: i for i, t in enumerate(planner.role.topics)}
    for topic in sorted(planner.session.topics, key=lambda t: order.get(t.id, len(order))):
        for entry in topic.entries:
            yield session_location(topic.id, entry.id), entry.text, "session"
            if entry.drop_reason:
                yield session_location(topic.id, entry.id) + " (dropped)", entry.drop_reason, "session"
    yield planner.plan_path, planner.render(), "plan"


def search_all(planner: "Planner", text: str, *, limit: int = 500) -> list[Hit]:
    """Every line holding `text` (any case) in the artifacts, the discussion and the rendered plan.

    Artifacts are the epic's present prior artifacts, read safely; the discussion is every
    entry of every topic; the plan is what would be committed now. At most `limit` hits, in
    that order.
    """
    needle = text.strip() if isinstance(text, str) else ""
    if not needle:
        raise PlannerError("The search text is empty; give a word or phrase to look for.")
    hits: list[Hit] = []
    for path, body, kind in _sources(planner):
        for line, shown in search_text(body, needle):
            hits.append(Hit(path, line, shown, kind))
            if len(hits) >= limit:
                return hits
    return hits
