"""Render the role plan from the session through the packaged jinja2 scaffold, user text contained."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TYPE_CHECKING

from markdown_it import __version__ as markdown_it_version

from planner_tui.core.errors import PlanError
from planner_tui.core.text.contain import plan_line
from planner_tui.core.models import RoleSpec, Session
from planner_tui.core.plan.placing import Placed, place_entries
from planner_tui.core.storage.memo import Space, recall
from planner_tui.core.storage.store import STATE_DIR
from planner_tui.core.text import markdown
from planner_tui.core.text.markdown import outline

if TYPE_CHECKING:
    import jinja2

# jinja2 is imported by what renders: placing entries and reading headings (readiness, the
# workbench's marks, an agent's `add`) never needs it, and it costs 30 to 40 ms to import.

__all__ = [
    "GENERIC_TEMPLATE",
    "PlanSection",
    "make_environment",
    "template_name",
    "plan_title",
    "plan_context",
    "render_plan",
    "project_templates",
    "template_source",
    "plan_headings",
    "scaffold_headings",
]

GENERIC_TEMPLATE = "plan.md.j2"
"""The template used for any role without its own `<role key>.md.j2`."""


def _heading_row(raw: Any) -> tuple[int, str] | None:
    if raw is None:
        return None
    level, text = raw
    if type(level) is not int or not 1 <= level <= 6 or not isinstance(text, str):
        raise ValueError("not a heading")
    return level, text


# The heading check parses a plan section by section (`markdown.outline`); a section of a big
# plan costs tens of milliseconds and is the same text from one call to the next: its heading is
# remembered across calls under the state folder (see `core.storage.memo`).
_CHUNKS: Space[tuple[int, str] | None] = Space(
    "outline-chunks", (markdown.__file__,), lambda found: None if found is None else list(found), _heading_row,
    (f"markdown-it {markdown_it_version}",), keep=2_000,
)
markdown.remember_chunks(lambda chunk, parse: recall(_CHUNKS, chunk, parse))

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_TRAILING_HASHES = re.compile(r"([ \t])(#+[ \t]*)$")


class PlanSection(NamedTuple):
    """One section as the template sees it: heading, layout and finished markdown blocks."""

    heading: str
    prose: bool
    items: tuple[str, ...]
    """Each a complete, contained block: `- bullet` lines, or a paragraph for prose sections."""

    @property
    def body(self) -> str:
        """The items laid out as the bundled template prints them: one per line, paragraphs apart."""
        if not self.items:
            return ""
        return ("\n\n" if self.prose else "\n").join(self.items) + "\n"


def packaged_templates() -> Path:
    """The folder of the bundled jinja2 scaffolds: inside the installed package, or a checkout's `templates/`."""
    package = Path(__file__).resolve().parents[2]
    # The wheel carries `templates/` inside the package; a source checkout keeps it beside the package.
    inside = package / "templates"
    return inside if inside.is_dir() else package.parent / "templates"


def make_environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The jinja2 environment for plans: bundled templates, strict, no autoescape (it is markdown)."""
    import jinja2

    return jinja2.Environment(
        loader=loader or jinja2.FileSystemLoader(packaged_templates()),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


@lru_cache(maxsize=1)
def _packaged_environment() -> jinja2.Environment:
    # One environment per process, so the packaged templates are compiled once.
    return make_environment()


def project_templates(root: Path) -> Path:
    """Where a project overrides the bundled scaffolds: `.planner-tui/templates/` (`03-backend.md.j2`, `plan.md.j2`)."""
    return root / STATE_DIR / "templates"


@lru_cache(maxsize=8)
def _override_environment(folder: Path) -> jinja2.Environment:
    # The project's folder first, the bundled one behind it: a role's own template (either
    # place) still wins over a generic one. auto_reload: an override edited while the
    # workbench runs is used on the next render.
    import jinja2

    env = make_environment(jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder), jinja2.FileSystemLoader(packaged_templates())]))
    env.auto_reload = True
    return env


def _environment(overrides: Path | None) -> jinja2.Environment:
    if overrides is not None and overrides.is_dir():
        return _override_environment(overrides)
    return _packaged_environment()


def template_source(role: RoleSpec, overrides: Path | None = None) -> tuple[Path, bool]:
    """The file the role's plan is rendered with, and whether it is the project's own (else bundled)."""
    for name in (template_name(role), GENERIC_TEMPLATE):
        for folder, own in ((overrides, True), (packaged_templates(), False)):
            if folder is not None and (folder / name).is_file():
                return folder / name, own
    return packaged_templates() / GENERIC_TEMPLATE, False


def template_name(role: RoleSpec) -> str:
    """The role's own template name (`03-backend.md.j2`), or the generic one for an odd key."""
    return f"{role.key}.md.j2" if _SAFE_KEY.fullmatch(role.key) else GENERIC_TEMPLATE


def plan_title(role: RoleSpec, epic_title: str) -> str:
    """The plan's first line with the epic title, squeezed to one line, filled in."""
    line = plan_line(role.scaffold.title(plan_line(epic_title)))
    # A closing run of `#` would be eaten by the ATX heading syntax; keep it as text.
    return _TRAILING_HASHES.sub(lambda m: m.group(1) + "\\" + m.group(2), line)


def plan_context(role: RoleSpec, session: Session, epic_title: str, placed: Placed | None = None) -> dict[str, object]:
    """The template context, prepared in Python: the title and each section's contained blocks."""
    placed = place_entries(role, session) if placed is None else placed
    sections = []
    for sec in role.scaffold.sections:
        blocks = placed.blocks(sec.heading, sec.is_prose)
        sections.append(PlanSection(heading=sec.heading, prose=sec.is_prose, items=blocks))
    return {"title": plan_title(role, epic_title), "sections": sections, "role_name": role.name}


def render_plan(
    role: RoleSpec,
    session: Session,
    epic_title: str,
    *,
    env: jinja2.Environment | None = None,
    overrides: Path | None = None,
    placed: Placed | None = None,
) -> str:
    """The plan markdown: LF, one trailing newline, byte-identical for the same session.

    User text only ever travels as template data and the output is never rendered again, so
    `{{ 7*7 }}` stays literal. `overrides` is the project's template folder (see
    `project_templates`), searched before the packaged templates; `env` is for tests; `placed` is
    `place_entries(role, session)` when the caller has it already. Raises PlanError for a template
    bug or an outline the containment failed to keep (the plan is then not to be written).
    """
    import jinja2

    env = env or _environment(overrides)
    names = [template_name(role), GENERIC_TEMPLATE]
    try:
        template = env.select_template(names)
        text = template.render(plan_context(role, session, epic_title, placed))
    except jinja2.TemplateSyntaxError as exc:
        raise PlanError(
            f"template bug: {exc.name or names[0]} line {exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.TemplateNotFound as exc:
        missing = ", ".join(getattr(exc, "templates", None) or [exc.name])
        raise PlanError(f"template bug: the plan template is missing ({missing})") from exc
    except jinja2.UndefinedError as exc:
        raise PlanError(f"template bug: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise PlanError(f"template bug: {exc}") from exc
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n") or text.endswith("\n\n"):  # most end in one line break: no copies of a 1 MB plan
        text = text.rstrip("\n") + "\n"
    expected = scaffold_headings(role, epic_title)
    if plan_headings(text) != expected:
        raise PlanError(
            "template bug: the rendered plan's headings differ from the scaffold's, "
            "so it was not produced"
        )
    return text


def plan_headings(markdown: str) -> list[tuple[int, str]]:
    """Every heading markdown-it finds, as (level, raw inline text), in document order."""
    # The outline is parsed section by section and cached, so a render, its readiness checks
    # and the preview share one parse, and a new entry re-parses only its own section.
    return [(heading.level, heading.text) for heading in outline(markdown)]


def scaffold_headings(role: RoleSpec, epic_title: str | None = None) -> list[tuple[int, str]]:
    """The outline the plan must have: the title (filled in when given) and the section headings.

    Computed by parsing an empty skeleton, so it compares like for like with plan_headings.
    """
    title = plan_title(role, epic_title) if epic_title is not None else role.scaffold.title_line
    skeleton = [title, ""]
    for sec in role.scaffold.sections:
        skeleton += [f"## {sec.heading}", ""]
    return plan_headings("\n".join(skeleton))
