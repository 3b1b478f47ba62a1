"""Plain-text and JSON reports of the command line: preparation, status and threads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner_tui.core.text.display import one_line

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner

__all__ = ["check_report", "status_lines", "thread_data", "thread_lines"]

_MARK = {"forbidden": "❌", "required": "✅", "plain": "•"}


def check_report(planner: Planner) -> tuple[dict[str, Any], list[str], bool]:
    """The preparation report as (JSON data, text lines, nothing blocks)."""
    # Imported here: `status` and `show` use this module too, and need neither.
    from planner_tui.core.pack.mcp_clients import own_server
    from planner_tui.core.plan.render import project_templates, template_source

    project = planner.project
    prep = project.preparation(planner.epic)
    artifacts = project.artifacts(planner.epic)
    missing_servers = prep.missing_servers
    bad_artifacts = [a for a in artifacts if a.state != "present"]
    template, own = template_source(planner.role, project_templates(project.root))
    template_shown = _relative(template, project.root) if own else str(template)
    ok = not missing_servers and not bad_artifacts and prep.rules is not None
    data: dict[str, Any] = {
        "ok": ok,
        "project": str(project.root),
        "git": project.is_git,
        "prompt_pack": str(project.pack) if project.pack else None,
        "role": {"key": planner.role.key, "name": planner.role.name, "source": planner.role.source, **project.role_origin()},
        "commit_message": planner.commit_message(),
        "epic": {"folder": planner.epic.folder, "title": planner.epic.title},
        "rules": prep.rules.model_dump() if prep.rules else None,
        "mcp": [s.model_dump() for s in prep.mcp],
        "agent_server": own_server(project.root, project.home).model_dump(),
        "pipeline_position": list(prep.pipeline_position) if prep.pipeline_position else None,
        "roles_before": prep.roles_before,
        "roles": [{"key": key, "name": name, "state": state} for key, name, state in prep.roles],
        "artifacts": [a.model_dump() for a in artifacts],
        "template": {"path": template_shown, "source": "project" if own else "bundled"},
        "notes": prep.notes,
    }
    lines = [f"Project: {project.root}" + ("" if project.is_git else " (not a git repository: the plan can be written but not committed)")]
    lines.append(f"Role: {planner.role.name} ({planner.role.source})")
    message = planner.commit_message().split("\n", 1)[0]
    derived = " (derived: the prompt has no git step)" if "commit message" in planner.role.derived else ""
    lines.append(f"  Commit message: {message}{derived}")
    lines.append(f"Epic: {planner.epic.folder} — {one_line(planner.epic.title, 100)}")
    lines.append("")
    if prep.rules is None:
        lines.append("Rules: 01-forbidden.md not found")
    else:
        lines.append(f"Rules ({prep.rules.source}):")
        for cat in prep.rules.categories:
            lines.append(f"  {cat.number}. {cat.title}")
            for rule in cat.rules:
                lines.append(f"     {_MARK[rule.kind]} {one_line(rule.text, 160)}")
                lines.extend(f"        - {one_line(v, 150)}" for v in rule.values)
    lines.append("")
    lines.append("MCP servers (from the client config files; a file cannot show that a server runs):")
    for status in prep.mcp:
        # The detail already names the file when there is one; say it once.
        if status.detail.startswith(status.state):
            lines.append(f"  {status.server}: {status.detail}")
        else:
            where = f" in {status.file}" if status.file else ""
            extra = f" — {status.detail}" if status.detail else ""
            lines.append(f"  {status.server}: {status.state}{where}{extra}")
        if status.use:
            lines.append(f"      uses: {one_line(status.use, 150)}")
    ours = data["agent_server"]
    said = ours["detail"] if ours["detail"].startswith(ours["state"]) else f"{ours['state']} — {ours['detail']}"
    lines.append(f"  planner-tui itself (planner-tui mcp): {said}")
    lines.append("")
    if prep.pipeline_position:
        index, total = prep.pipeline_position
        lines.append(f"Pipeline: {project.prompt_name()} is step {index} of {total}")
    lines.append("Earlier role plans: " + (", ".join(prep.roles_before) or "none"))
    if prep.roles:
        lines.append("Roles of this epic: " + ", ".join(f"{key} {name}: {state}" for key, name, state in prep.roles))
    whose = "the project's own" if own else "bundled"
    lines.append(f"Plan template: {template_shown} ({whose})")
    lines.append("")
    lines.append("Artifacts:")
    for art in artifacts:
        reason = f" — {art.reason}" if art.reason else ""
        lines.append(f"  [{art.state}] {art.path}{reason}")
    for note in prep.notes:
        lines.append(f"Note: {note}")
    lines.append("")
    lines.append("Ready to plan." if ok else "Something needs attention before planning (see above).")
    return data, lines, ok


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def status_lines(data: dict[str, Any]) -> list[str]:
    """The status as text: one line per topic, open questions, then blockers."""
    lines = [f"{data['role']['name']} plan for {data['epic']['title']} → {data['plan_path']}"]
    if data["role"].get("fallback"):
        lines.append(f"  {data['role']['fallback']}")
    total = len(data["topics"])
    for topic in data["topics"]:
        opens = topic["open_questions"]
        flag = f", {len(opens)} open" if opens else ""
        if topic.get("stale"):
            flag += f", {len(topic['stale'])} stale"
        lines.append(f"  {topic['number']:>2}/{total} {topic['title']} [{topic['state']}{flag}] ({topic['id']})")
        for q in opens:
            lines.append(f"        ? {q['id']}: {one_line(q['text'], 120)}")
    if data["ready"]:
        lines.append("Ready to commit.")
    else:
        lines.append(f"Blocking the commit ({len(data['blockers'])}):")
        lines.extend(f"  - {b['message']}" for b in data["blockers"])
    return lines


def thread_data(planner: Planner, topic_ref: str | None) -> list[dict[str, Any]]:
    """The thread of one topic (or of every topic) as plain data."""
    specs = planner.role.topics
    if topic_ref is not None:
        spec = planner.role.topic(topic_ref)
        if spec is None:
            from planner_tui.core.errors import TopicError

            raise TopicError(f"No topic {topic_ref!r}; topics are 1–{len(specs)} or their ids.")
        specs = [spec]
    stale = {item.entry.id: item.reason for item in planner.stale()}
    differs: dict[str, list[str]] = {}
    for c in planner.contradictions():
        differs.setdefault(c.entry, []).append(c.message)
    result = []
    for spec in specs:
        state = planner.session.topic(spec.id)
        result.append(
            {
                "number": spec.number,
                "id": spec.id,
                "title": spec.title,
                "state": state.state if state else "not started",
                "entries": [
                    _entry_data(e, stale.get(e.id), differs.get(e.id, [])) for e in (state.entries if state else [])
                ],
            }
        )
    return result


def _entry_data(entry: Any, stale: str | None, differs: list[str]) -> dict[str, Any]:
    data = entry.model_dump(mode="json", exclude_none=True)
    if stale:
        data["stale"] = stale
    if differs:
        data["differs"] = differs
    return data


def thread_lines(data: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for topic in data:
        lines.append(f"{topic['number']}. {topic['title']} [{topic['state']}]")
        for e in topic["entries"]:
            status = f" ({e['status']})" if e.get("status") else ""
            lines.append(f"   {e['id']} {e['kind']}{status} by {e.get('author', 'person')}: {one_line(e['text'], 140)}")
            if e.get("cite"):
                where = f"{e['cite']['path']}:{e['cite']['line']}" if e["cite"].get("line") else e["cite"]["path"]
                lines.append(f"      cites {one_line(where, 120)}")
            if e.get("stale"):
                lines.append(f"      STALE: {one_line(e['stale'], 140)}; re-confirm it (reconfirm {e['id']}) or edit it")
            lines.extend(f"      DIFFERS: {one_line(m, 300)}" for m in e.get("differs", []))
        if not topic["entries"]:
            lines.append("   (no entries yet)")
    return lines
