"""Agent decisions that count only once the person keeps them (the `agent_approval` setting)."""

from __future__ import annotations

from datetime import datetime

from planner_tui.core.models import PRIMARY_KIND, Blocker, Entry, RoleSpec, Session

__all__ = ["approved", "approve", "withdraw", "approval_blockers"]


def approved(entry: Entry) -> bool:
    """True when the person kept this entry (with `reconfirm`, `R` in the thread)."""
    return isinstance(getattr(entry, "approved_at", None), str)


def approve(entry: Entry, now: datetime) -> None:
    """Record (in place) that the person keeps the entry as it is."""
    entry.approved_at = now.isoformat()  # type: ignore[attr-defined]  # Entry allows extra fields


def withdraw(entry: Entry) -> None:
    """The approval no longer holds: the agent changed the text the person kept."""
    if entry.__pydantic_extra__:
        entry.__pydantic_extra__.pop("approved_at", None)


def approval_blockers(role: RoleSpec, session: Session) -> list[Blocker]:
    """One blocker per decision an agent wrote that the person has not kept yet."""
    found = []
    for spec in role.topics:
        state = session.topic(spec.id)
        for entry in state.entries if state else []:
            if entry.kind == PRIMARY_KIND and entry.author == "agent" and not approved(entry):
                who = entry.author_name or "an agent"
                found.append(Blocker(
                    kind="approval",
                    message=f"Decision {entry.id} by {who} in topic {spec.number}, {spec.title}, awaits your approval: "
                    f"R on it in the thread (or `planner-tui reconfirm {entry.id} --as person`) keeps it.",
                    topic=spec.id,
                    entry=entry.id,
                ))
    return found
