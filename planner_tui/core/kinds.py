"""The one table of entry kinds: what each kind of thread entry is and does, read by every layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from planner_tui.core.models import Scaffold

__all__ = ["KindSpec", "KINDS", "ENTRY_KINDS", "PLAN_KINDS", "ASKING_KINDS", "PRIMARY_KIND", "EntryKind"]


class KindSpec(BaseModel):
    """What one kind of thread entry is and does; `KINDS` is the one table every layer reads."""

    model_config = ConfigDict(frozen=True)

    name: str
    """How the session stores it (`decision`); `label` is how a person reads it, `letter` its badge."""
    label: str
    letter: str
    style: str
    """The colour name the panes draw it in (the widgets make the style); `key` chooses it in the composer."""
    key: str | None = None
    in_plan: bool = False
    """It lands in the plan; its citation is watched, its names checked against earlier plans."""
    section: str | None = None
    """The heading it lands under by default (`Risks`; if missing and `prose`, the first prose one)."""
    prose: bool = False
    primary: bool = False
    """What a topic's own section holds: fills its slot, the composer's default, the decision log's."""
    asks: bool = False
    """A question: starts open, numbered `#N`, answered or dropped; open, it blocks confirming."""
    replies: bool = False
    """An answer: only ever added by answering a question."""

    def heading(self, scaffold: Scaffold) -> str | None:
        """The heading this kind lands under in a scaffold by default; None for its topic's."""
        found = scaffold.section(self.section) if self.section else None
        if found is None and self.prose:
            found = next((s for s in scaffold.sections if s.is_prose), None)
        return found.heading if found else None


KINDS: dict[str, KindSpec] = {
    kind.name: kind
    for kind in (
        KindSpec(name="question", label="Question", letter="Q", style="yellow", key="alt+q", asks=True),
        KindSpec(name="answer", label="Answer", letter="A", style="cyan", key="alt+a", replies=True),
        KindSpec(name="decision", label="Decision", letter="D", style="green", key="alt+d", in_plan=True, primary=True),
        KindSpec(name="note", label="Note", letter="N", style="blue", key="alt+n", in_plan=True, section="Notes", prose=True),
        KindSpec(name="risk", label="Risk", letter="R", style="red", key="alt+r", in_plan=True, section="Risks"),
    )
}
"""Every entry kind, in the order the composer cycles through them and help lists their keys."""

ENTRY_KINDS: tuple[str, ...] = tuple(KINDS)
PLAN_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.in_plan)  # the rest stay in the thread
ASKING_KINDS: frozenset[str] = frozenset(k.name for k in KINDS.values() if k.asks)  # questions
PRIMARY_KIND: str = next(k.name for k in KINDS.values() if k.primary)
EntryKind = Literal[ENTRY_KINDS]  # type: ignore[valid-type]  # the same Literal, built from the table
