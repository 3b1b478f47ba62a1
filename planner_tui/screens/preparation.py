"""The preparation view: rules, MCP servers, pipeline position, artifacts and notes before planning."""

from __future__ import annotations


from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from planner_tui.core.engine import Planner
from planner_tui.core.models import Artifact, McpStatus, PipelineStep, RoleSpec, RuleBook
from planner_tui.core.plan.placing import section_map
from planner_tui.core.project import Preparation
from planner_tui.core.pack.mcp_clients import own_server
from planner_tui.core.pack.rules import roles_before
from planner_tui.core.text.display import one_line, visible
from planner_tui.widgets.textstyle import inline_markdown

__all__ = [
    "PreparationScreen",
    "PREPARATION_BINDINGS",
    "rules_text",
    "mcp_text",
    "pipeline_text",
    "artifacts_text",
    "overview_text",
    "roles_text",
    "role_source_text",
    "mapping_text",
    "MCP_NOTE",
]

PREPARATION_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Close", id="preparation.close", tooltip="Back to the workbench."),
    Binding("enter", "close", "Close", id="preparation.close_enter", show=False),
]
"""Work while the preparation view is open."""

MCP_NOTE = (
    "Read from the MCP client config files. A config file can show that a server is configured, "
    "never that it is running: check that in your MCP client."
)

_MARK = {"forbidden": ("❌ ", "red"), "required": ("✅ ", "green"), "plain": ("• ", "dim")}
_STATE = {
    "configured": ("✓ ", "green", "configured"),
    "missing": ("✗ ", "red", "missing"),
    "placeholder": ("⚠ ", "yellow", "placeholder secret"),
    "elsewhere": ("◐ ", "yellow", "another client only"),
}


def _heading(out: Text, title: str) -> None:
    if out:
        out.append("\n\n")
    out.append(title, style="bold underline")


def rules_text(rules: RuleBook | None) -> Text:
    """The rules of `01-forbidden.md` by category: ❌ forbidden, ✅ required, nested values."""
    out = Text()
    _heading(out, "Rules")
    if rules is None:
        out.append("\n01-forbidden.md was not found or could not be read: no rules to check against.", style="yellow")
        return out
    out.append(f"  ({visible(rules.source)})", style="dim")
    for principle in rules.principles:
        out.append("\n• ", style="dim")
        out.append_text(inline_markdown(one_line(principle, 300)))
    for category in rules.categories:
        out.append(f"\n{category.number}. ", style="bold")
        out.append(one_line(category.title, 120), style="bold")
        for rule in category.rules:
            mark, style = _MARK[rule.kind]
            out.append("\n   ")
            out.append(mark, style=style)
            out.append_text(inline_markdown(one_line(rule.text, 300)))
            for value in rule.values:
                out.append("\n        - ", style="dim")
                out.append_text(inline_markdown(one_line(value, 300)))
    if rules.enforcement:
        out.append("\n")
        out.append_text(inline_markdown(one_line(rules.enforcement, 400), style="italic"))
    return out


def mcp_text(statuses: list[McpStatus], ours: McpStatus | None = None) -> Text:
    """One line per required MCP server with its state and where it is configured, then whether
    planner-tui itself is configured as one (for an agent to join the session)."""
    out = Text()
    _heading(out, "MCP servers")
    out.append("\n")
    out.append(MCP_NOTE, style="dim")
    if not statuses:
        out.append("\nThe role names no MCP servers.", style="dim")
    width = max((len(one_line(s.server, 40)) for s in statuses), default=0)
    for status in statuses:
        mark, style, word = _STATE[status.state]
        out.append("\n")
        out.append(mark, style=style)
        out.append(one_line(status.server, 40).ljust(width), style="bold")
        out.append("  ")
        if status.state != "configured":  # a configured one's detail starts with "configured in …"
            out.append(f"{word}: ", style=f"bold {style}")
        # The detail names the file and the entry (`configured in .mcp.json as `x`; …`).
        if status.detail:
            out.append_text(inline_markdown(one_line(status.detail, 300), style="dim"))  # `name` styled, no backticks
        elif status.file:
            out.append(f"in {one_line(status.file, 80)}", style="dim")
        if status.use:  # what 02-mcp.md says the pipeline uses it for
            out.append("\n" + " " * (width + 4) + f"uses: {one_line(status.use, 150)}", style="dim italic")
    if ours is not None:
        mark, style, _word = _STATE[ours.state]
        out.append("\n")
        out.append(mark, style=style)
        out.append("planner-tui itself (planner-tui mcp)  ", style="bold")
        out.append_text(inline_markdown(one_line(ours.detail, 300), style="dim"))
    return out


def pipeline_text(prep: Preparation, prompt_name: str, before: list[PipelineStep], roles: list[str], has_pipeline: bool) -> Text:
    """Where the role sits in the pipeline and whether the earlier roles' plans exist in this epic."""
    out = Text()
    _heading(out, "Pipeline")
    out.append("\n")
    if prep.pipeline_position:
        index, total = prep.pipeline_position
        out.append(f"{visible(prompt_name)} is step {index} of {total} in its stage.")
    elif has_pipeline:
        out.append(f"03-pipeline.md does not list {visible(prompt_name)}.", style="yellow")
    else:
        out.append("03-pipeline.md was not found: the position is unknown.", style="yellow")
    if before:
        out.append("\nRoles before it:")
        for step in before:
            stem = step.name.rsplit(".", 1)[0]
            name = stem.split("-", 1)[1] if "-" in stem and stem.split("-", 1)[0].isdigit() else stem
            plan = next((r for r in roles if r == name or r.endswith("-" + name)), None)
            out.append("\n   ")
            if plan:
                out.append("✓ ", style="green")
                out.append(one_line(step.name, 60))
                out.append(f"  plan present: roles/{one_line(plan, 60)}.md", style="green")
            else:
                out.append("✗ ", style="red")
                out.append(one_line(step.name, 60))
                out.append("  no plan in this epic yet", style="red")
    elif prep.roles_before:
        out.append("\nEarlier role plans in this epic: " + ", ".join(one_line(r, 40) for r in prep.roles_before))
    else:
        out.append("\nNo earlier roles.", style="dim")
    return out


def roles_text(roles: list[tuple[str, str, str]], current: str) -> Text:
    """Every role of this epic and how far it got (✓ committed, ✎ written, … in discussion); F4 switches."""
    from planner_tui.dialogs.role_picker import STATE_MARK

    out = Text()
    _heading(out, "Roles of this epic")
    out.append("  (F4 switches role)", style="dim")
    if not roles:
        out.append("\nNo role prompts found in the prompt pack.", style="dim")
    for key, name, state in roles:
        mark, style = STATE_MARK.get(state, ("?", ""))
        out.append("\n   ")
        out.append(f"{mark} ", style=f"bold {style}")
        out.append(f"{one_line(key, 30)}", style="bold" if key == current else "")
        out.append(f"  {one_line(name, 40)}  ")
        out.append(state, style=style)
        if key == current:
            out.append("   ← this one", style="bold")
    return out


def role_source_text(origin: dict, role: RoleSpec, message: str) -> Text:
    """Where the role came from (its prompt, or the built-in one and where planner-tui looked),
    its commit message (said to be derived when the prompt has no git step), its discussion rules."""
    out = Text()
    _heading(out, "The role")
    if origin.get("prompt"):
        out.append("\nRole prompt: ")
        out.append(one_line(str(origin["prompt"]), 120), style="bold")
    else:
        out.append("\n⚠ ", style="yellow")
        out.append(one_line(str(origin.get("fallback") or "Built-in role."), 400), style="yellow")
    out.append("\nCommit message: ")
    out.append(one_line(message.split("\n", 1)[0], 160), style="bold")
    if "commit message" in role.derived:
        out.append("  derived: the prompt has no git step (commit_message in .planner-tui/project.toml changes it)", style="yellow")
    for rule in role.discussion_rules:
        out.append("\nHow to discuss: ", style="dim")
        out.append_text(inline_markdown(one_line(rule, 300)))
    return out


def mapping_text(sections: list[dict], role: RoleSpec) -> Text:
    """Which topics land in which section of the plan; a section no topic maps to says how to fill it."""
    out = Text()
    _heading(out, "Topics → plan sections")
    titles = {t.number: t.title for t in role.topics}
    for sec in sections:
        out.append("\n")
        out.append(one_line(str(sec["heading"]), 60), style="bold")
        if sec["topics"]:
            out.append("  ← " + ", ".join(f"{n}. {one_line(titles.get(n, ''), 50)}" for n in sec["topics"]))
        if sec.get("kinds"):
            out.append(f"  ← every topic's {' and '.join(k + 's' for k in sec['kinds'])}", style="dim")
        elif sec["topics"]:
            pass
        elif sec["prose"]:
            out.append("  (free text; may stay empty)", style="dim")
        else:
            out.append("  no topic maps here: add an entry with --section, or move one (planner-tui move)", style="yellow")
    return out


def artifacts_text(artifacts: list[Artifact]) -> Text:
    """How many prior artifacts are present, and every missing or refused one with its reason."""
    out = Text()
    _heading(out, "Artifacts")
    present = [a for a in artifacts if a.state == "present"]
    problems = [a for a in artifacts if a.state != "present"]
    out.append(f"\n{len(present)} of {len(artifacts)} present.")
    for art in problems:
        out.append("\n   ")
        out.append("✗ " if art.state == "missing" else "⛔ ", style="red")
        out.append(one_line(art.path, 120))
        out.append(f"  {art.state}", style="red")
        if art.reason:
            out.append(f": {one_line(art.reason, 200)}", style="dim")
    return out


def overview_text(prep: Preparation, artifacts: list[Artifact], notes: list[str]) -> Text:
    """One line that says at a glance whether anything needs attention (details follow below)."""
    out = Text()
    if prep.rules is None:
        out.append("Rules: none found", style="yellow")
    else:
        out.append(f"Rules: {len(prep.rules.categories)} categories")
    out.append("  ·  ")
    counts = {state: sum(1 for s in prep.mcp if s.state == state) for state in _STATE}
    out.append(f"MCP: {counts['configured']} configured", style="green" if counts["configured"] else "")
    for state, style in (("placeholder", "yellow"), ("elsewhere", "yellow"), ("missing", "red")):
        if counts[state]:
            out.append(f", {counts[state]} {state}", style=style)
    out.append("  ·  ")
    if prep.pipeline_position:
        out.append(f"Pipeline: step {prep.pipeline_position[0]} of {prep.pipeline_position[1]}")
    else:
        out.append("Pipeline: position unknown", style="yellow")
    out.append("  ·  ")
    present = sum(1 for a in artifacts if a.state == "present")
    out.append(f"Artifacts: {present}/{len(artifacts)} present", style="" if present == len(artifacts) else "yellow")
    if notes:
        out.append("  ·  ")
        out.append(f"{len(notes)} note{'s' if len(notes) != 1 else ''}", style="yellow")
    return out


def _notes_text(notes: list[str]) -> Text:
    out = Text()
    _heading(out, "Project notes")
    if not notes:
        out.append("\nNothing to note.", style="dim")
    for note in notes:
        out.append("\n• ", style="yellow")
        out.append_text(inline_markdown(one_line(note, 400)))
    return out


class PreparationScreen(ModalScreen[None]):
    """What the role prompt asks to check before planning; read in a worker, shown scrollable."""

    BINDINGS = PREPARATION_BINDINGS

    DEFAULT_CSS = """
    PreparationScreen { align: center middle; }
    PreparationScreen #preparation {
        width: 92%; max-width: 150; height: 92%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PreparationScreen #heading { text-style: bold; margin-bottom: 1; }
    PreparationScreen #body { height: 1fr; }
    PreparationScreen #body > Static { margin-bottom: 1; }
    PreparationScreen .-hidden { display: none; }
    """

    class Loaded(Message):
        """The preparation data was read (posted from the worker); `ours` says whether planner-tui
        itself is configured as an MCP server."""

        def __init__(
            self, prep: Preparation, artifacts: list[Artifact], before: list[PipelineStep], errors: list[str], ours: McpStatus | None = None
        ) -> None:
            super().__init__()
            self.prep, self.artifacts, self.before, self.errors, self.ours = prep, artifacts, before, errors, ours

    def __init__(self, planner: Planner, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.planner = planner
        self.loaded = False

    def compose(self) -> ComposeResult:
        planner = self.planner
        title = Text("Preparation", style="bold")
        # The epic's title once; its folder only adds its number.
        title.append(f" · {one_line(planner.role.title, 60)} · {one_line(planner.epic.title, 80)}")
        title.append(f"  ({one_line(planner.epic.folder, 60)})", style="dim")
        with Vertical(id="preparation"):
            yield Label(title, id="heading")
            with VerticalScroll(id="body"):
                yield Static(Text("Reading the prompt pack and the MCP configs…", style="dim"), id="loading")
                yield Static(Text(""), id="overview", classes="-hidden")
                yield Static(self._steps_text(), id="steps")
                for part in ("role", "mapping", "rules", "mcp", "pipeline", "roles", "artifacts", "notes"):
                    yield Static(Text(""), id=part, classes="-hidden")
        yield Footer()

    def _steps_text(self) -> Text:
        out = Text()
        _heading(out, "The role prompt asks you to")
        steps = self.planner.role.prep_steps
        if not steps:
            out.append("\nCheck the rules, the MCP servers and the earlier roles below.", style="dim")
        for n, step in enumerate(steps, 1):
            out.append(f"\n{n}. ", style="bold")
            out.append_text(inline_markdown(one_line(step, 400)))
        return out

    def on_mount(self) -> None:
        self.query_one("#body", VerticalScroll).focus()
        self._load()

    @work(thread=True, exclusive=True, group="preparation-load")
    def _load(self) -> None:
        """Read rules, MCP configs and artifacts off the UI thread (config files may be slow)."""
        project = self.planner.project
        errors: list[str] = []
        try:
            prep = project.preparation(self.planner.epic)
        except Exception as exc:  # noqa: BLE001 - show what failed; the view must still open
            prep = Preparation(project.rules, [], None, [], [], [])
            errors.append(f"The preparation could not be read: {exc}")
        try:
            artifacts = list(project.artifacts(self.planner.epic))
        except Exception as exc:  # noqa: BLE001
            artifacts = []
            errors.append(f"The artifacts could not be listed: {exc}")
        before = roles_before(project.pipeline, project.prompt_name()) if project.pipeline else []
        try:
            ours = own_server(project.root, project.home)
        except Exception as exc:  # noqa: BLE001 - a broken config file must not keep the view shut
            ours = None
            errors.append(f"The client config files could not be read: {exc}")
        self.post_message(self.Loaded(prep, artifacts, before, errors, ours))

    def on_preparation_screen_loaded(self, event: Loaded) -> None:
        project = self.planner.project
        notes = list(event.errors) + list(event.prep.notes)
        if not project.is_git:
            notes.append(f"{project.root.name} is not inside a git repository: the plan can be written but not committed.")
        if self.planner.read_only:
            notes.append("The session is open read-only (written by a newer planner-tui, or not writable).")
        role = self.planner.role
        parts = {
            "overview": overview_text(event.prep, event.artifacts, notes),
            "role": role_source_text(project.role_origin(), role, self.planner.commit_message()),
            "mapping": mapping_text(section_map(role, self.planner.session), role),
            "rules": rules_text(event.prep.rules),
            "mcp": mcp_text(event.prep.mcp, event.ours),
            "pipeline": pipeline_text(event.prep, project.prompt_name(), event.before, self.planner.epic.roles, project.pipeline is not None),
            "roles": roles_text(event.prep.roles, self.planner.role.key),
            "artifacts": artifacts_text(event.artifacts),
            "notes": _notes_text(notes),
        }
        for part, text in parts.items():
            widget = self.query_one(f"#{part}", Static)
            widget.update(text)
            widget.remove_class("-hidden")
        self.query_one("#loading", Static).add_class("-hidden")
        self.loaded = True

    def action_close(self) -> None:
        """Back to where the person was."""
        self.dismiss(None)
