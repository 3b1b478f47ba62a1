"""The decision log: every decision (an answered question is one) with its topic, time, author, citation and the questions it settled."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from planner_tui.core.discussion.answers import decision_entries, settling_answers
from planner_tui.core.models import KINDS, Entry, RoleSpec, Session, TopicState
from planner_tui.core.text.display import visible

__all__ = ["settled_by", "decision_log", "log_markdown"]


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def _stamp(at: datetime | None) -> str | None:
    return _utc(at).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def _settled_at(state: TopicState, question: Entry) -> datetime | None:
    """When a question was settled: its answer's time, or (dropped, no time kept) its own."""
    if question.status == "answered" and question.answer_id:
        answer = next((e for e in state.entries if e.id == question.answer_id), None)
        return _utc(answer.at) if answer else None
    if question.status == "dropped":
        return _utc(question.at)
    return None


def _decisions(state: TopicState) -> list[Entry]:
    """The topic's decisions by time: its own, and each answer that settles a question."""
    found = (e for e in decision_entries(state, with_question=False) if KINDS[e.kind].primary)
    return sorted(found, key=lambda e: (_utc(e.at), e.id))


def settled_by(state: TopicState) -> tuple[dict[str, list[Entry]], list[Entry]]:
    """Which settled questions lead to which decision of a topic: the answer chain.

    An answered question is settled by its answer, itself a decision of the topic. A dropped
    question goes to the topic's first own decision written at or after it was dropped.
    Returns ({decision id: questions}, questions dropped after the topic's last decision),
    each list in thread order.
    """
    decisions = _decisions(state)
    answers = settling_answers(state)
    chain: dict[str, list[Entry]] = {d.id: [] for d in decisions}
    own = [d for d in decisions if d.id not in answers]
    later: list[Entry] = []
    for answer_id, question in answers.items():
        chain[answer_id].append(question)
    dropped = [(t, q) for q in state.entries if KINDS[q.kind].asks and q.status == "dropped" and (t := _settled_at(state, q)) is not None]
    for when, question in sorted(dropped, key=lambda pair: (pair[0], pair[1].id)):
        owner = next((d for d in own if _utc(d.at) >= when), None)
        (chain[owner.id] if owner else later).append(question)
    # Listed in the order they were asked, as the thread shows them.
    position = {e.id: i for i, e in enumerate(state.entries)}
    for questions in [*chain.values(), later]:
        questions.sort(key=lambda q: position[q.id])
    return chain, later


def _entry_data(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"id": entry.id, "text": entry.text, "at": _stamp(entry.at), "author": entry.author, "author_name": entry.author_name}


def _question_data(state: TopicState, q: Entry) -> dict[str, Any]:
    answer = next((e for e in state.entries if e.id == q.answer_id), None) if q.answer_id else None
    data = {"question": _entry_data(q), "answer": _entry_data(answer)}
    if q.status == "dropped":
        data["dropped"] = q.drop_reason
    return data


def decision_log(
    role: RoleSpec,
    session: Session,
    *,
    epic: dict[str, Any] | None = None,
    stale: Callable[[Entry], str | None] | None = None,
) -> dict[str, Any]:
    """The log as plain data (what `export --format json` prints), decisions in topic then time order.

    `stale(entry)` may say why an entry's citation is stale (shown with the citation).
    """
    specs = {t.id: t for t in role.topics}
    order = {t.id: i for i, t in enumerate(role.topics)}
    decisions: list[dict[str, Any]] = []
    unattached: list[dict[str, Any]] = []
    for state in sorted(session.topics, key=lambda s: order.get(s.id, len(order))):
        spec = specs.get(state.id)
        topic = {"id": state.id, "number": spec.number if spec else None, "title": spec.title if spec else state.id}
        chain, later = settled_by(state)
        for entry in _decisions(state):
            citations = []
            if entry.cite is not None:
                cite = {"path": entry.cite.path, "line": entry.cite.line, "sha256": getattr(entry.cite, "sha256", None)}
                why = stale(entry) if stale else None
                cite["stale"] = why is not None
                if why:
                    cite["stale_reason"] = why
                citations.append(cite)
            decisions.append(
                {
                    "id": entry.id,
                    "topic": topic,
                    "text": entry.text,
                    "at": _stamp(entry.at),
                    "edited_at": _stamp(entry.edited_at),
                    "author": entry.author,
                    "author_name": entry.author_name,
                    "section": entry.section,
                    "confirmed": state.confirmed,
                    "citations": citations,
                    "settled": [_question_data(state, q) for q in chain[entry.id]],
                }
            )
        unattached += [dict(_question_data(state, q), topic=topic) for q in later]
    return {
        "epic": epic or {"folder": session.epic},
        "role": {"key": role.key, "name": role.name},
        "revision": session.revision,
        "decisions": decisions,
        "settled_after_last_decision": unattached,
    }


def _quote(text: str, indent: str = "") -> list[str]:
    return [f"{indent}{line}" if line else indent.rstrip() for line in visible(text).split("\n")]


def _qa_lines(item: dict[str, Any]) -> list[str]:
    q = item["question"]
    lines = [f"- Q ({q['id']}, {q['author']}): " + "\n  ".join(_quote(q["text"]))]
    if item.get("answer"):
        a = item["answer"]
        lines.append(f"  A ({a['id']}, {a['author']}, {a['at']}): " + "\n    ".join(_quote(a["text"])))
    elif "dropped" in item:
        lines.append("  Dropped: " + " ".join(_quote(item["dropped"] or "")))
    return lines


def log_markdown(log: dict[str, Any]) -> str:
    """The log as markdown: a section per topic, a block per decision (terminal-safe text)."""
    epic = log["epic"]
    title = epic.get("title") or epic.get("folder", "")
    out = [f"# Decision log — {visible(title)} ({visible(log['role']['name'])})", ""]
    current = None
    for d in log["decisions"]:
        topic = d["topic"]
        if topic["id"] != current:
            current = topic["id"]
            number = f"{topic['number']}. " if topic["number"] else ""
            out += [f"## {number}{visible(topic['title'])}", ""]
        who = d["author"] + (f" ({visible(d['author_name'])})" if d.get("author_name") else "")
        edited = f", edited {d['edited_at']}" if d.get("edited_at") else ""
        out.append(f"### {d['id']} — {d['at']}, {who}{edited}")
        out.append("")
        out += _quote(d["text"], "> ")
        out.append("")
        for c in d["citations"]:
            where = f"{c['path']}:{c['line']}" if c.get("line") else c["path"]
            flag = f" — STALE: {c['stale_reason']}" if c.get("stale") else ""
            out.append(f"- Cites: `{visible(where)}`{visible(flag)}")
        if d["settled"]:
            out.append("- Settles:")
            for item in d["settled"]:
                out += ["  " + line for line in _qa_lines(item)]
        if d["citations"] or d["settled"]:
            out.append("")
    if not log["decisions"]:
        out += ["No decisions yet.", ""]
    if log["settled_after_last_decision"]:
        out += ["## Dropped after the last decision of their topic", ""]
        for item in log["settled_after_last_decision"]:
            out.append(f"Topic {item['topic']['number'] or ''} {visible(item['topic']['title'])}:".replace("  ", " "))
            out += _qa_lines(item)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
