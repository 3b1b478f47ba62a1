"""The MCP server: the seat's operations as tools, the plan, rules and prior artifacts as resources."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from pydantic import Field

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.types import ToolAnnotations

from planner_tui import __version__
from planner_tui.agent_server.seat import MAX_TEXT_CHARS, Seat
from planner_tui.agent_server.waiting import MAX_WAIT_S, wait_for_answers
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import ENTRY_KINDS

__all__ = ["build_server", "client_name"]

T = TypeVar("T")

ARTIFACT_PREFIX = "planner://artifact/"

INSTRUCTIONS = """\
You plan one role of an epic together with a person, who reads and answers in the planner-tui
workbench. Work topic by topic: read the artifacts (resources), ask questions with add_entry
(kind question) and wait_for_answers until the person answers them, record decisions with their
source (cite `path:line`), confirm each topic once nothing in it is open, then commit: it refuses
with what still blocks, and on success returns the exact reply line to give back verbatim."""

_READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)

Topic = Annotated[str, Field(description="Topic number (1, 2, …) or id, as `status` lists them.")]
QuestionRef = Annotated[str, Field(description="The question's entry id (e-3fa2c1), or #N together with `topic`.")]
EntryId = Annotated[str, Field(description="The entry's id, as `status`, `show_thread` or `add_entry` returned it.")]
Text = Annotated[str, Field(description=f"Markdown text, at most {MAX_TEXT_CHARS:,} characters.")]


def client_name(ctx: Context | None) -> str | None:
    """The client's name from the MCP handshake (`clientInfo.name`), e.g. `cursor-agent`."""
    try:
        params = ctx.session.client_params if ctx is not None else None
    except (AttributeError, LookupError, ValueError):
        return None
    return params.client_info.name if params is not None and params.client_info is not None else None


def _tool_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Planner refusals reach the agent as a tool error with the engine's own sentence."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (PlannerError, ValueError) as exc:
            raise ToolError(str(exc)) from exc
        except OSError as exc:
            raise ToolError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from exc

    return wrapper


def build_server(seat: Seat) -> MCPServer:
    """An MCP server over one seat (one project, epic and role)."""
    server = MCPServer("planner-tui", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    tool = server.tool

    @tool(annotations=_READ)
    @_tool_errors
    def list_epics() -> dict[str, Any]:
        """The project's epics (folder, title, which role plans exist) and every role of the current epic with its state."""
        return seat.epics()

    @tool(annotations=_WRITE)
    @_tool_errors
    def open_epic(
        epic: Annotated[str, Field(description="Epic id (9, 009), slug or folder name, as `list_epics` shows.")],
        role: Annotated[str | None, Field(description="Role key or name (backend, 03-backend); default: the current role.")] = None,
    ) -> dict[str, str]:
        """Switch this seat to another epic (or role); every later call works on that session."""
        return seat.switch(epic, role)

    @tool(annotations=_READ)
    @_tool_errors
    def status() -> dict[str, Any]:
        """The session now: each topic with its state and open questions (id and #N), what blocks the commit, and `ready`."""
        return seat.status()

    @tool(annotations=_READ)
    @_tool_errors
    def show_thread(topic: Annotated[str | None, Field(description="Topic number or id; omit for every topic.")] = None) -> list[dict[str, Any]]:
        """A topic's thread (or every topic's): each entry with id, kind, text, author, question number and status, citation."""
        return seat.thread(topic)

    @tool(annotations=_WRITE)
    @_tool_errors
    def add_entry(
        topic: Topic,
        kind: Annotated[str, Field(description=f"One of {', '.join(ENTRY_KINDS)}.")],
        text: Text,
        ctx: Context,
        cite: Annotated[str | None, Field(description="The source: `path:line` of a project file (or `task:<id>`).")] = None,
        section: Annotated[str | None, Field(description="Plan section heading, when not the topic's own.")] = None,
        question: Annotated[str | None, Field(description="For kind `answer`: the question answered (id, or #N).")] = None,
    ) -> dict[str, Any]:
        """Add an entry to a topic's thread; a question shows in the person's workbench as open, with its #N. Returns the entry's id."""
        return seat.add(client_name(ctx), topic, kind, text, cite=cite, section=section, question=question)

    @tool(annotations=_WRITE)
    @_tool_errors
    def answer(question: QuestionRef, text: Text, ctx: Context, topic: Annotated[str | None, Field(description="The topic, when `question` is #N.")] = None) -> dict[str, Any]:
        """Answer an open question (the person's usually; answer your own only with what you know for sure)."""
        return seat.answer(client_name(ctx), question, text, topic=topic)

    @tool(annotations=_WRITE)
    @_tool_errors
    def drop(question: QuestionRef, reason: Text, ctx: Context, topic: Annotated[str | None, Field(description="The topic, when `question` is #N.")] = None) -> dict[str, Any]:
        """Drop an open question that no longer matters, saying why."""
        return seat.drop(client_name(ctx), question, reason, topic=topic)

    @tool(annotations=_WRITE)
    @_tool_errors
    def flag(entry_id: EntryId, ctx: Context) -> dict[str, Any]:
        """Turn an entry into an open question (it then blocks its topic until answered or dropped)."""
        return seat.flag(client_name(ctx), entry_id)

    @tool(annotations=_WRITE)
    @_tool_errors
    def edit(entry_id: EntryId, text: Text, ctx: Context) -> dict[str, Any]:
        """Replace an entry's text; its citation's hash is recorded again."""
        return seat.edit(client_name(ctx), entry_id, text)

    @tool(annotations=_WRITE)
    @_tool_errors
    def confirm_topic(
        topic: Topic,
        ctx: Context,
        reason: Annotated[str | None, Field(description="Why a topic with no entries needs none (kept as its note).")] = None,
    ) -> dict[str, Any]:
        """Confirm a topic once nothing in it is open (refused while it has open questions; a topic with no entries needs `reason`)."""
        return seat.confirm(client_name(ctx), topic, reason=reason)

    @tool(annotations=_READ)
    @_tool_errors
    def render_plan() -> str:
        """The plan as it would be committed now (markdown)."""
        return seat.render()

    @tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False))
    @_tool_errors
    def commit(
        ctx: Context,
        approve_overwrite: Annotated[bool, Field(description="Replace a plan someone else wrote or committed; only when the person said so.")] = False,
    ) -> dict[str, Any]:
        """Write the plan and commit that one path with the role's commit message. Refused with every blocker while anything blocks. On success `reply` is the exact line to answer with."""
        return seat.commit(client_name(ctx), approve_overwrite=approve_overwrite)

    @tool(name="wait_for_answers", annotations=_READ)
    async def wait_for_answers_tool(
        questions: Annotated[list[str], Field(description="The questions to wait for: entry ids, or #N with `topic`.", min_length=1)],
        topic: Annotated[str | None, Field(description="The topic, when questions are given as #N.")] = None,
        timeout_s: Annotated[float, Field(description=f"Give up after this many seconds (at most {MAX_WAIT_S:.0f}); 0 only looks.")] = 300,
    ) -> dict[str, Any]:
        """Wait until the person (in the workbench) or anyone else answers or drops these questions; returns at once when they already are. `settled` holds each answer or drop reason, `waiting` what is still open when time ran out."""
        try:
            return await wait_for_answers(seat, questions, topic, timeout_s)
        except (PlannerError, ValueError) as exc:
            raise ToolError(str(exc)) from exc

    _resources(server, seat)
    return server


def _resources(server: MCPServer, seat: Seat) -> None:
    """The plan, the rules and each prior artifact, read through the workbench's safe reader."""

    @server.resource("planner://plan", name="plan", title="The plan, rendered now", mime_type="text/markdown")
    def plan() -> str:
        try:
            return seat.render()
        except PlannerError as exc:
            raise ResourceError(str(exc)) from exc

    artifacts = {a.path: a for a in seat.planner.project.artifacts(seat.planner.epic)}

    def read(path: str) -> str:
        with seat.lock:
            project = seat.planner.project
            listed = {a.path: a for a in project.artifacts(seat.planner.epic)}
        artifact = listed.get(path)
        if artifact is None:
            raise ResourceError(f"{path} is not one of this epic's artifacts; resources/list names them.")
        result = project.read_artifact(artifact)
        if result.state != "present":
            raise ResourceError(f"{path}: {result.reason or result.state}.")
        return result.text

    rules = next((a for a in artifacts.values() if a.group == "rules" and a.path.endswith("01-forbidden.md")), None)
    if rules is not None:
        server.add_resource(FunctionResource.from_function(
            lambda: read(rules.path), "planner://rules", name="rules", title="01-forbidden.md: the rules", mime_type="text/markdown"
        ))
    for artifact in artifacts.values():
        if artifact.state != "present":
            continue
        server.add_resource(FunctionResource.from_function(
            functools.partial(read, artifact.path), ARTIFACT_PREFIX + quote(artifact.path, safe="/:"),
            name=artifact.path, title=f"{artifact.group}: {artifact.label}", mime_type="text/markdown",
        ))

    @server.resource(ARTIFACT_PREFIX + "{+path}", name="artifact", title="A prior artifact by its path", mime_type="text/markdown")
    def artifact(path: str) -> str:
        return read(path)
