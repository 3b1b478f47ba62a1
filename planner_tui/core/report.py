"""The session's state as plain data: what `status --json` prints and the MCP server's status returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner_tui.core.epic import citations
from planner_tui.core.plan.checklist import addressed_points
from planner_tui.core.plan.placing import place_entries, section_map
from planner_tui.core.storage import memo

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner

__all__ = ["status"]


def status(planner: Planner) -> dict[str, Any]:
    """Topics (entries, open questions, sub-points, citations), blockers and sections, with where
    the plan goes and how it will be committed; placed, rendered and checked once."""
    session = planner.session
    placed = place_entries(planner.role, session)  # once: the render, the checks and the sections share it
    with memo.across_calls(planner.project.root):  # each text's checks, kept across calls
        text = planner.render(placed=placed)
        checked = planner.checks(plan_text=text, placed=placed)
        points = [addressed_points(spec, session.topic(spec.id)) for spec in planner.role.topics]
    found, stale = checked.blockers, {item.entry.id for item in checked.stale}
    topics = []
    for spec, addressed in zip(planner.role.topics, points):
        state = session.topic(spec.id)
        entries = state.entries if state else []
        topics.append(
            {
                "number": spec.number,
                "id": spec.id,
                "title": spec.title,
                "text": spec.text,
                "state": state.state if state else "not started",
                "section": spec.section,
                "entries": len(entries),
                "open_questions": [{"id": e.id, "text": e.text, "author": e.author} for e in (state.open_questions if state else [])],
                "points": [{"point": p, "addressed": ok} for p, ok in addressed],
                "citations": [{"entry": e.id, "path": e.cite.path, "line": e.cite.line, "sha256": citations.cited_digest(e),
                               "stale": e.id in stale} for e in entries if e.cite],
                "stale": [e.id for e in entries if e.id in stale] if stale else [],
            }
        )
    return {
        "project": str(planner.project.root),
        "epic": {"folder": planner.epic.folder, "id": planner.epic.id, "title": planner.epic.title, "path": planner.epic.path},
        "role": {"key": planner.role.key, "name": planner.role.name, "source": planner.role.source, **planner.project.role_origin()},
        "plan_path": planner.plan_path,
        "commit_message": planner.commit_message(),
        "session_file": str(planner.store.path),
        "revision": session.revision,
        "read_only": planner.read_only,
        "ready": not found,
        "blockers": [b.model_dump(exclude_none=True) for b in found],
        "topics": topics,
        "sections": section_map(planner.role, session, placed),
    }
