"""A loaded project: its root, prompt pack, role specification, rules and epics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from planner_tui.core.epic.artifacts import prior_artifacts, read_artifact
from planner_tui.core.epic.epics import choose_epic, epic_folders, find_epic, list_epics, load_epic_tasks
from planner_tui.core.epic.named import find_named_epic
from planner_tui.core.pack import workspace
from planner_tui.core.pack.builtin import builtin_role
from planner_tui.core.errors import PlannerError, ProjectError, PromptError
from planner_tui.core.models import (
    Epic,
    EpicTask,
    McpList,
    McpStatus,
    Pipeline,
    RoleSpec,
    RuleBook,
)
from planner_tui.core.pack.prompts import DERIVED_COMMIT, parse_role_prompt
from planner_tui.core.pack.rules import parse_mcp_list, parse_pipeline, parse_rules, position
from planner_tui.core.text.reading import read_text_safely

__all__ = ["Project", "Preparation", "ROLE_STATES"]

ROLE_STATES = ("committed", "written", "in discussion", "not started")
"""How far a role got for an epic: plan committed at HEAD, plan file present, session only, nothing."""


class Preparation(NamedTuple):
    """What the role prompt's preparation steps ask a person to check, as data."""

    rules: RuleBook | None
    mcp: list[McpStatus]
    pipeline_position: tuple[int, int] | None
    roles_before: list[str]
    """Stems of the role plans that come before this role (e.g. `01-devops`)."""
    notes: list[str]
    """Problems found while preparing (a rule file missing, a prompt that did not parse)."""
    roles: list[tuple[str, str, str]]
    """Every role of the pack for this epic: (key, name, state), see `Project.roles_status`."""

    @property
    def missing_servers(self) -> list[McpStatus]:
        return [s for s in self.mcp if s.state != "configured"]


def _read_pack_file(root: Path, pack: Path, name: str) -> tuple[str | None, str]:
    """Read a file of the prompt pack safely; returns (text or None, project-relative path)."""
    path = pack / name
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    result = read_text_safely(root, rel) if not Path(rel).is_absolute() else None
    if result is None or result.state != "present" or result.text is None:
        return None, rel
    return result.text, rel


PROJECT_SETTINGS = ".planner-tui/project.toml"
"""The project's own settings (`commit_message`: the message for prompts without a git step)."""


def project_commit_template(root: Path) -> str | None:
    """`commit_message` from the project's settings file, or None (a bad file is an error that says so)."""
    result = read_text_safely(root, PROJECT_SETTINGS)
    if result.state != "present" or result.text is None:
        return None
    import tomllib  # only for a project that has the file (3 ms of every start otherwise)

    try:
        value = tomllib.loads(result.text).get("commit_message")
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{PROJECT_SETTINGS} is not valid TOML ({exc}).") from None
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ProjectError(f"{PROJECT_SETTINGS}: commit_message must be a non-empty string.")
    return value


def _load_role(root: Path, pack: Path | None, role: str, notes: list[str]) -> tuple[RoleSpec, Path | None, str | None]:
    """(spec, prompt path, fallback) for the role a person named; notes say what was derived."""
    folders = workspace.prompt_folders(root, pack)
    key, prompt_path = workspace.resolve_role(pack, role, root, folders)
    if prompt_path is None:
        builtin = builtin_role(key)
        if builtin is None:
            raise ProjectError(f"No prompt for the role {role!r} in {', '.join(workspace.searched_places(root, pack))}, and no built-in one.")
        places = ", ".join(workspace.searched_places(root, pack))
        fallback = f"No {builtin.name} role prompt (writing roles/{key}.md) in {places}; using the built-in {builtin.name} role."
        notes.append(fallback)
        if pack is None:
            notes.append("No prompt pack found (01-forbidden.md, 02-mcp.md, 03-pipeline.md): no rules to check against.")
        return builtin, None, fallback
    text = prompt_path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        source = prompt_path.relative_to(root).as_posix()
    except ValueError:
        source = str(prompt_path)
    own = project_commit_template(root)
    spec = parse_role_prompt(text, source, commit_template=own)
    if DERIVED_COMMIT in spec.derived:
        subject = spec.commit_template.split("\n", 1)[0]
        whose = f"from commit_message in {PROJECT_SETTINGS}" if own else f"derived; set commit_message in {PROJECT_SETTINGS} to change it"
        notes.append(f"{source} has no git step: the commit message is {subject!r} … ({whose}).")
    return spec, prompt_path, None


@dataclass
class Project:
    """Everything read once per project and role; cheap to keep, reloaded on demand."""

    root: Path
    is_git: bool
    pack: Path | None
    role: RoleSpec
    role_prompt: Path | None
    rules: RuleBook | None
    mcp_list: McpList | None
    pipeline: Pipeline | None
    tasks: list[EpicTask]
    listed: list[Epic] | None
    """Every epic, once something asked for the list (`epics`); None before: naming one reads only it."""
    home: Path | None = None
    notes: list[str] = field(default_factory=list)
    fallback: str | None = None
    """Why the built-in role is used (no prompt for it where planner-tui looked), or None."""

    @classmethod
    def load(
        cls,
        project: Path | None = None,
        *,
        prompts: Path | None = None,
        role: str | None = "backend",
        home: Path | None = None,
    ) -> "Project":
        """Find the project around `project` (or the current folder) and read what it holds.

        `role=None` reads no role prompt (for commands that need none): a broken prompt never
        stops them."""
        start = (project or Path.cwd()).expanduser()
        if not start.is_dir():
            raise ProjectError(f"{start} is not a folder.")
        root, is_git = workspace.find_project_root(start.resolve())
        # A relative --prompts is taken from the project root first (find_prompt_pack), then the cwd.
        pack = workspace.find_prompt_pack(root, prompts.expanduser() if prompts else None)
        pack = pack.resolve() if pack is not None else None
        notes: list[str] = []
        fallback = None
        if role is None:  # a command that needs no role (`epics`): no prompt is read
            spec, prompt_path = builtin_role("03-backend"), None
        else:
            spec, prompt_path, fallback = _load_role(root, pack, role, notes)
        rules = mcp_list = pipeline = None
        if pack is not None:
            for name, parser in (("01-forbidden.md", parse_rules), ("02-mcp.md", parse_mcp_list), ("03-pipeline.md", parse_pipeline)):
                text, rel = _read_pack_file(root, pack, name)
                if text is None:
                    notes.append(f"{rel} could not be read.")
                    continue
                try:
                    parsed = parser(text, rel)
                except PromptError as exc:
                    notes.append(str(exc))
                    continue
                if name == "01-forbidden.md":
                    rules = parsed
                elif name == "02-mcp.md":
                    mcp_list = parsed
                else:
                    pipeline = parsed
        tasks = load_epic_tasks(root)
        return cls(root, is_git, pack, spec, prompt_path, rules, mcp_list, pipeline, tasks, None, home, notes, fallback)

    # ------------------------------------------------------------------ queries

    @property
    def epics(self) -> list[Epic]:
        """Every epic with its title, read on first use (a command that names its epic never needs it)."""
        if self.listed is None:
            self.listed = list_epics(self.root, self.tasks)
        return self.listed

    def choose_epic(self, ref: str | None) -> Epic:
        """The working epic: named, else the only one, else the most recently changed.

        Before the list was read, only the named epic's folder is (see `find_epic`)."""
        if self.listed is None and ref is not None and ref.strip():
            named = find_named_epic(self.root, ref, self.tasks)
            if named is not None:
                return named
        folders = epic_folders(self.root) if self.listed is None else None
        if folders:
            return find_epic(self.root, ref, self.tasks, folders)
        if not self.epics:
            raise ProjectError(f"No epics found under {self.root}/.task-master/epics or .taskmaster/epics.")
        return choose_epic(self.epics, ref)

    def reload_rules(self) -> bool:
        """Re-read `01-forbidden.md` (changed on disk); True when the rules the checks use changed.

        A file that no longer reads or parses keeps the last good rules and says why in `notes`:
        a half-written save must not switch the rule checks off.
        """
        if self.pack is None:
            return False
        text, rel = _read_pack_file(self.root, self.pack, "01-forbidden.md")
        if text is None:
            self._note(f"{rel} could not be read; the rules read before still apply.")
            return False
        try:
            rules = parse_rules(text, rel)
        except PromptError as exc:
            self._note(f"{exc} The rules read before still apply.")
            return False
        if rules == self.rules:
            return False
        self.rules = rules
        return True

    def role_origin(self) -> dict[str, object]:
        """Where the role came from, for `check` and `status --json`: its prompt (or None, with
        the fallback saying where planner-tui looked), what was derived, the discussion rules."""
        prompt = None
        if self.role_prompt is not None:
            try:
                prompt = self.role_prompt.relative_to(self.root).as_posix()
            except ValueError:
                prompt = str(self.role_prompt)
        return {
            "prompt": prompt,
            "builtin": self.role_prompt is None,
            "fallback": self.fallback,
            "looked_in": workspace.searched_places(self.root, self.pack),
            "derived": list(self.role.derived),
            "commit_message_derived": DERIVED_COMMIT in self.role.derived,
            "discussion_rules": list(self.role.discussion_rules),
        }

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def role_number(self) -> int | None:
        head = self.role.key.split("-", 1)[0]
        return int(head) if head.isascii() and head.isdigit() else None

    def prompt_name(self) -> str:
        """The role prompt's file name as the pipeline names it (e.g. `23-backend.md`)."""
        return self.role_prompt.name if self.role_prompt else f"{self.role.key}.md"

    def artifacts(self, epic: Epic):
        """The prior artifacts of an epic for this role."""
        return prior_artifacts(self.root, epic, self.role.key, self.pack)

    def read_artifact(self, artifact):
        """Read one artifact safely (never outside the root, never blocking)."""
        return read_artifact(self.root, artifact, self.tasks)

    def preparation(self, epic: Epic) -> Preparation:
        """Rules, MCP servers, pipeline position and earlier roles for the preparation view."""
        from planner_tui.core.pack.mcp_clients import check_mcp, pipeline_client  # `check` and the workbench only
        # 02-mcp.md's list (with what each is used for), then any other server the role prompt names.
        listed = self.mcp_list.servers if self.mcp_list is not None else []
        servers = [s.name for s in listed] + list(self.role.mcp_servers)
        client = pipeline_client(self.root, self.role_prompt, self.pack)
        try:
            mcp = check_mcp(self.root, servers, self.home, client=client, uses={s.name: s.use for s in listed})
        except (OSError, PlannerError) as exc:  # a config we cannot read must not stop planning
            mcp = []
            notes = [f"MCP configs could not be read: {exc}"]
        else:
            notes = []
        pos = position(self.pipeline, self.prompt_name()) if self.pipeline else None
        number = self.role_number()
        before = [r for r in epic.roles if number is not None and r[:2].isascii() and r[:2].isdigit() and int(r[:2]) < number]
        return Preparation(self.rules, mcp, pos, before, list(self.notes) + notes, self.roles_status(epic))

    def role_names(self) -> dict[str, str]:
        """Role key -> role name for every role prompt of the pack (and the current role)."""
        names = {self.role.key: self.role.name}
        prompts = workspace.list_role_prompts(workspace.prompt_folders(self.root, self.pack))
        for key, path in prompts.items():
            if key in names:
                continue
            name = key.split("-", 1)[-1].replace("-", " ").title()
            try:
                text = path.read_text(encoding="utf-8-sig", errors="replace")
                name = parse_role_prompt(text, path.name).name or name
            except (OSError, PlannerError):
                pass  # a prompt that does not parse still has a key; the name is made from it
            names[key] = name
        return dict(sorted(names.items()))

    def roles_status(self, epic: Epic) -> list[tuple[str, str, str]]:
        """(key, name, state) for every role of the pack, in key order, for one epic.

        State: `committed` (its plan is in HEAD), `written` (the plan file exists, not
        committed), `in discussion` (a session exists), or `not started`.
        """
        from planner_tui.core.storage.store import STATE_DIR  # the store's folder; imported late (heavy)
        from planner_tui.core.git.repo import committed_text  # git is not needed by a start's first frame

        out = []
        for key, name in self.role_names().items():
            rel = f"{epic.path}/roles/{key}.md"
            if self.is_git and committed_text(self.root, rel) is not None:
                state = "committed"
            elif (self.root / rel).is_file():
                state = "written"
            elif (self.root / STATE_DIR / "sessions" / epic.folder / f"{key}.json").is_file():
                state = "in discussion"
            else:
                state = "not started"
            out.append((key, name, state))
        return out
