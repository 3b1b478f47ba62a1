"""Plain data shared by the whole core: role specs, rules, epics, artifacts, entry kinds and the session."""

from __future__ import annotations

from datetime import datetime, timezone
from operator import attrgetter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner_tui.core.kinds import ENTRY_KINDS, KINDS, PLAN_KINDS, PRIMARY_KIND, EntryKind, KindSpec  # re-exported: the session's kinds

__all__ = [
    "ScaffoldSection", "Scaffold", "TopicSpec", "RoleSpec", "Rule", "RuleCategory", "RuleBook",
    "McpServerSpec", "McpList", "McpStatus", "PipelineStep", "Pipeline", "EpicTask", "Epic", "Artifact",
    "Citation", "KindSpec", "KINDS", "ENTRY_KINDS", "PLAN_KINDS", "PRIMARY_KIND", "EntryKind", "Entry",
    "TopicState", "Session", "Blocker", "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (the session stores only UTC)."""
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- role prompt


class ScaffoldSection(BaseModel):
    """One `## Heading` of the plan scaffold with the placeholder lines under it."""

    heading: str
    """Heading text without the `## ` marker, e.g. `Domain & Data`."""
    placeholders: list[str] = Field(default_factory=list)
    """Placeholder bullets without `- `, e.g. `Required migrations and seeds` (the slots)."""
    text_placeholder: str | None = None
    """A prose placeholder such as `[any relevant notes]`; set for free-text sections."""

    @property
    def is_prose(self) -> bool:
        """True for sections written as paragraphs rather than bullets (e.g. Notes)."""
        return not self.placeholders and self.text_placeholder is not None


class Scaffold(BaseModel):
    """The plan outline a role prompt prescribes, already dedented."""

    title_line: str
    """The raw title line, e.g. `# [Epic Title] — Backend Plan`."""
    title_placeholder: str = "[Epic Title]"
    """The placeholder inside the title line that the epic title replaces."""
    sections: list[ScaffoldSection]

    def title(self, epic_title: str) -> str:
        """The title line with the epic title filled in."""
        return self.title_line.replace(self.title_placeholder, epic_title, 1)

    def section(self, heading: str) -> ScaffoldSection | None:
        """The section with this heading (exact, then case-insensitive), or None."""
        for sec in self.sections:
            if sec.heading == heading:
                return sec
        low = heading.strip().lower()
        for sec in self.sections:
            if sec.heading.lower() == low:
                return sec
        return None


class TopicSpec(BaseModel):
    """One discussion topic of a role, with the sub-points it must cover."""

    id: str
    """Stable slug, e.g. `api-surface`."""
    number: int
    """1-based position in the role prompt."""
    title: str
    """Short title, e.g. `API surface`."""
    text: str
    """The whole topic line as the prompt words it."""
    points: list[str] = Field(default_factory=list)
    """Sub-points, e.g. `endpoints`, `verbs`, `request/response DTOs`, `pagination`, `errors`."""
    section: str
    """Heading of the scaffold section its decisions land in by default."""
    slot: int | None = None
    """Index of the placeholder bullet in that section, when the topic owns one (migrations)."""


class RoleSpec(BaseModel):
    """Everything a role prompt asks for, as data."""

    key: str
    """Stem of the output file, e.g. `03-backend`."""
    name: str
    """Role name as the reply line spells it, e.g. `Backend`."""
    title: str
    """The prompt's title, e.g. `Backend Planning`."""
    persona: str = ""
    prep_steps: list[str] = Field(default_factory=list)
    mcp_servers: list[str] = Field(default_factory=list)
    topics: list[TopicSpec]
    output_path_template: str
    """E.g. `.task-master/epics/<epic folder>/roles/03-backend.md`."""
    scaffold: Scaffold
    commit_template: str
    """Subject, blank line, body; placeholders `<epic title>` and `<epic folder>`."""
    reply_template: str
    """E.g. `The Backend role path is <path to 03-backend.md>`."""
    source: str = "built-in"
    """The prompt file it was parsed from, or `built-in`."""
    derived: list[str] = Field(default_factory=list)
    """Parts the prompt left out that were derived instead (`commit message`: it has no git step)."""
    discussion_rules: list[str] = Field(default_factory=list)
    """Lines at the top of the topic list telling the agent how to discuss (not topics)."""

    def topic(self, ref: str | int) -> TopicSpec | None:
        """Find a topic by number (int or digits) or by id."""
        text = str(ref).strip()
        if text.isascii() and text.isdigit():  # not `²`: isdigit() takes it, int() does not
            n = int(text)
            return next((t for t in self.topics if t.number == n), None)
        return next((t for t in self.topics if t.id == text), None)


# --------------------------------------------------------------------------- rules, MCP, pipeline


class Rule(BaseModel):
    """One rule line of `01-forbidden.md`, with its nested values (e.g. metric gates)."""

    kind: Literal["forbidden", "required", "plain"]
    text: str
    """The rule's text without the ❌/✅ marker, markdown kept."""
    values: list[str] = Field(default_factory=list)


class RuleCategory(BaseModel):
    """A `### N. Category` block of rules."""

    number: int
    title: str
    rules: list[Rule] = Field(default_factory=list)


class RuleBook(BaseModel):
    """The parsed `01-forbidden.md`."""

    source: str
    principles: list[str] = Field(default_factory=list)
    categories: list[RuleCategory] = Field(default_factory=list)
    enforcement: str = ""


class McpServerSpec(BaseModel):
    """A server named by `02-mcp.md` (or required by a role prompt)."""

    name: str
    use: str = ""


class McpList(BaseModel):
    """The parsed `02-mcp.md`."""

    source: str
    servers: list[McpServerSpec] = Field(default_factory=list)


class McpStatus(BaseModel):
    """What the client configs say about one required server; never whether it runs."""

    server: str
    state: Literal["configured", "missing", "placeholder", "elsewhere"]  # elsewhere: another client's file only
    file: str | None = None
    """The config file that configures it (project-relative, or `~/…` for the user's)."""
    entry: str | None = None
    """The entry's name in that file (it may be spelled differently)."""
    detail: str = ""
    use: str = ""  # what the pipeline uses it for: its "uses" text in 02-mcp.md


class PipelineStep(BaseModel):
    """One command of `03-pipeline.md`, in pipeline order."""

    path: str
    """E.g. `20-roles/23-backend.md`."""
    name: str
    """The file or folder name, e.g. `23-backend.md`."""
    depth: int
    is_group: bool = False


class Pipeline(BaseModel):
    """The ordered tree of commands in `03-pipeline.md`."""

    source: str
    steps: list[PipelineStep] = Field(default_factory=list)


# --------------------------------------------------------------------------- epics and artifacts


class EpicTask(BaseModel):
    """The Task Master task that stands for an epic (`EPIC: <title>`)."""

    id: int | str
    title: str
    """The title without the `EPIC: ` prefix."""
    description: str = ""
    details: str = ""
    artifacts: list[str] = Field(default_factory=list)
    """Paths of the numbered artifacts list, in order, as written."""
    source: str
    """Project-relative file it came from (`.taskmaster/tasks/tasks.json`, `epics.json`)."""
    tag: str | None = None


class Epic(BaseModel):
    """An epic folder under `.task-master/epics/` or `.taskmaster/epics/`."""

    folder: str
    """Folder name, e.g. `012_team-invitations`."""
    path: str
    """Project-relative posix path, e.g. `.task-master/epics/012_team-invitations`."""
    id: int | None = None
    slug: str
    title: str
    title_source: Literal["task", "prd", "idea", "slug"] = "slug"
    roles: list[str] = Field(default_factory=list)
    """Stems of the role plans present, e.g. `01-devops`, `02-architect`."""
    mtime: float = 0.0
    task: EpicTask | None = None


class Artifact(BaseModel):
    """A prior artifact of the epic, as the left pane lists it."""

    path: str
    """Project-relative posix path (or a pseudo path such as `task:12` for the epic task)."""
    group: Literal["rules", "task", "planning", "stories", "diagrams", "packages", "roles", "linked"]
    label: str
    state: Literal["present", "missing", "refused"]
    reason: str | None = None
    """Why it is missing or refused, in words a person understands."""
    size: int | None = None


# --------------------------------------------------------------------------- the session


class Citation(BaseModel):
    """Where an entry comes from: a project-relative path and optionally a line."""

    model_config = ConfigDict(extra="allow")

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class Entry(BaseModel):
    """One entry of a topic's thread."""

    # Unknown fields written by a newer version survive a load/save round trip.
    model_config = ConfigDict(extra="allow")

    id: str
    kind: EntryKind
    text: str
    at: datetime
    author: Literal["person", "agent"] = "person"
    author_name: str | None = None
    cite: Citation | None = None
    section: str | None = None
    """Scaffold heading this entry lands in, when not the topic's default."""
    status: Literal["open", "answered", "dropped"] | None = None
    """Questions only."""
    answer_id: str | None = None
    """Questions: the answer entry that settled it."""
    reply_to: str | None = None
    """Answers: the question they answer."""
    drop_reason: str | None = None
    flagged_from: EntryKind | None = None
    """Set when an entry of another kind was flagged as an open question."""
    edited_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.kind == "question" and self.status == "open"


_STATUS = attrgetter("status")


class TopicState(BaseModel):
    """One topic's thread and whether it is confirmed."""

    model_config = ConfigDict(extra="allow")

    id: str
    confirmed: bool = False
    confirmed_at: datetime | None = None
    entries: list[Entry] = Field(default_factory=list)

    @property
    def open_questions(self) -> list[Entry]:
        # Most threads have no open question: one look at every status, in C, tells (a topic of
        # thousands of entries is asked at every check).
        if "open" not in map(_STATUS, self.entries):
            return []
        return [e for e in self.entries if e.is_open]

    @property
    def state(self) -> Literal["not started", "discussing", "confirmed"]:
        if self.confirmed:
            return "confirmed"
        return "discussing" if self.entries else "not started"


class Session(BaseModel):
    """The discussion of one role for one epic; what the session file holds."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = 1
    epic: str
    """Epic folder name."""
    role: str
    """Role key, e.g. `03-backend`."""
    created: datetime
    updated: datetime
    revision: int = 0
    """Incremented by every saved change."""
    topics: list[TopicState] = Field(default_factory=list)
    cursor_topic: str | None = None
    """The topic the person was on, so reopening resumes there."""
    cursor_entry: str | None = None

    def topic(self, topic_id: str) -> TopicState | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def find_entry(self, entry_id: str) -> tuple[TopicState, Entry] | None:
        for t in self.topics:
            for e in t.entries:
                if e.id == entry_id:
                    return t, e
        return None


# --------------------------------------------------------------------------- readiness


class Blocker(BaseModel):
    """One thing that stops the commit, with a reason a person understands."""

    kind: Literal["topic", "question", "section", "rule", "overwrite", "stale", "template", "path", "approval"]
    message: str
    topic: str | None = None
    """Topic id to go to, when there is one."""
    entry: str | None = None
    section: str | None = None
    rule: str | None = None
    """The text of the `01-forbidden.md` rule it breaks, quoted."""
