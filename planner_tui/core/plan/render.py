"""Render the role plan from the session through the packaged jinja2 scaffold, user text contained."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice, repeat
from operator import attrgetter, itemgetter, le
from pathlib import Path
from datetime import timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from markdown_it import __version__ as markdown_it_version

from planner_tui.core.discussion.answers import decision_entries
from planner_tui.core.errors import PlanError
from planner_tui.core.text.contain import bullet, paragraph, plan_line
from planner_tui.core.models import KINDS, PLAN_KINDS, Entry, RoleSpec, ScaffoldSection, Session, TopicSpec
from planner_tui.core.storage import primed
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
    "Placed",
    "PlacedEntry",
    "PlanSection",
    "make_environment",
    "template_name",
    "plan_title",
    "place_entries",
    "section_blocks",
    "plan_context",
    "render_plan",
    "project_templates",
    "template_source",
    "plan_headings",
    "scaffold_headings",
    "section_map",
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


class PlacedEntry(NamedTuple):
    """An entry that lands in the plan, with where it lands (a tuple: one is made per entry per render)."""

    section: str
    """Scaffold heading it renders under."""
    slot: int | None
    """Placeholder slot it is grouped by, or None (after the slotted items)."""
    topic: str
    """Id of the topic whose thread holds it."""
    entry: Entry


Placed = dict[str, list[PlacedEntry]]
"""What `place_entries` returns: each scaffold heading's entries, in rendering order."""


@dataclass(frozen=True)
class PlanSection:
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


_BLANK = " \t\r\n"


def _resolve(role: RoleSpec, *candidates: str | None) -> ScaffoldSection:
    for heading in candidates:
        if heading:
            sec = role.scaffold.section(heading)
            if sec is not None:
                return sec
    return role.scaffold.sections[-1]


def _place(role: RoleSpec, spec: TopicSpec | None, entry: Entry) -> tuple[str, int | None]:
    """Where an entry lands: its own section if set, else by kind, else its topic's section."""
    topic_heading = spec.section if spec else None
    kind = KINDS[entry.kind]
    sec = _resolve(role, entry.section, kind.heading(role.scaffold), topic_heading)
    own = role.scaffold.section(topic_heading) if topic_heading else None
    slot = spec.slot if spec is not None and kind.primary and own is sec else None
    return sec.heading, slot


def _blocks_ahead(session: Session) -> None:
    # In the warm process, for a session it holds: each entry's bullet, which every call renders.
    for topic in session.topics:
        for entry in topic.entries:
            if entry.kind in PLAN_KINDS:
                bullet(entry.text)


primed.ahead("session", _blocks_ahead)


def place_entries(role: RoleSpec, session: Session) -> Placed:
    """Every decision, risk and note that lands in the plan, by heading, in rendering order.

    Order inside a section: slotted items by slot, then slot-less items; inside each group by
    topic order (the role's, then unknown topics in session order), time (UTC) and entry id.
    An entry whose target section is not in the scaffold lands in the last section (Notes).
    """
    placed: dict[str, list[PlacedEntry]] = {s.heading: [] for s in role.scaffold.sections}
    if not role.scaffold.sections:
        return placed
    specs = {t.id: t for t in role.topics}
    order = {t.id: i for i, t in enumerate(role.topics)}
    for state in session.topics:
        order.setdefault(state.id, len(order))
    # A topic's entries that land in one heading and group make one run, in thread order; the
    # runs are ordered by group and topic, each run by time: per entry, only the test of whether
    # it lands and the append to its run are Python steps (10,000 entries: 13 -> 5 ms).
    runs: dict[str, list[tuple[tuple[int, int], int, int | None, str, list[Entry]]]] = {h: [] for h in placed}
    for state in session.topics:
        spec, topic, rank = specs.get(state.id), state.id, order[state.id]
        where: dict[tuple[str, str | None], list[Entry]] = {}  # a kind and section land alike
        targets: dict[tuple[str, tuple[int, int]], list[Entry]] = {}
        for entry in decision_entries(state, with_question=True):  # an answered question decides
            # Blank as `normalise_text` sees it: only spaces, tabs and line breaks (a control
            # character is made visible, never dropped); its first character tells most apart.
            text = entry.text
            if entry.kind not in PLAN_KINDS or (text[:1] in _BLANK and not text.strip(_BLANK)):
                continue
            run = where.get((entry.kind, entry.section))
            if run is None:
                heading, slot = _place(role, spec, entry)
                group = (0, slot) if slot is not None else (1, 0)
                run = targets.get((heading, group))
                if run is None:
                    run = targets[heading, group] = []
                    runs[heading].append((group, rank, slot, topic, run))
                where[entry.kind, entry.section] = run
            run.append(entry)
    for heading, its_runs in runs.items():
        its_runs.sort(key=itemgetter(0, 1))  # (group, topic) is one run's own
        out = placed[heading]
        for _, _, slot, topic, entries in its_runs:
            out.extend(map(_placed, zip(repeat(heading), repeat(slot), repeat(topic), _in_time_order(entries))))
    return placed


_placed = partial(tuple.__new__, PlacedEntry)  # a PlacedEntry from a tuple, made in C
_TZ = attrgetter("at.tzinfo")
_WHEN = attrgetter("at", "id")


def _in_time_order(entries: list[Entry]) -> list[Entry]:
    """A run's entries by time and id, stably (a thread is nearly always in time order already:
    then one comparison of neighbours in C, and no sort)."""
    if None in map(_TZ, entries):
        # Naive times are taken as UTC so the order never depends on the machine's time zone.
        # Aware ones compare by their instant whatever their zone: not converted.
        keys = [(e.at.replace(tzinfo=timezone.utc) if e.at.tzinfo is None else e.at, e.id) for e in entries]
    else:
        keys = list(map(_WHEN, entries))
        if all(map(le, keys, islice(keys, 1, None))):
            return entries
    return [entry for _, entry in sorted(zip(keys, entries), key=itemgetter(0))]


def section_map(role: RoleSpec, session: Session, placed: Placed | None = None) -> list[dict[str, object]]:
    """Every scaffold section with the topics whose decisions land there by default, the entry
    kinds that land there from any topic (risks), and how many entries it holds now (moved ones
    included): the topic -> section mapping, made visible.

    A section no topic maps to is still filled by hand (`add --section`, `move`). `placed` is
    `place_entries(role, session)` when the caller has it already."""
    placed = place_entries(role, session) if placed is None else placed
    return [
        {
            "heading": sec.heading,
            "topics": [t.number for t in role.topics if t.section == sec.heading],
            "kinds": [k.name for k in KINDS.values() if k.heading(role.scaffold) == sec.heading],
            "entries": len(placed[sec.heading]),
            "prose": sec.is_prose,
        }
        for sec in role.scaffold.sections
    ]


_TEXT = attrgetter("entry.text")


def section_blocks(items: list[PlacedEntry], prose: bool) -> tuple[str, ...]:
    """The blocks a section's placed entries render as, blank ones left out (a loop in C: every
    render and every check of a session of 10,000 entries makes them)."""
    return tuple(filter(None, map(paragraph if prose else bullet, map(_TEXT, items))))


def plan_context(role: RoleSpec, session: Session, epic_title: str, placed: Placed | None = None) -> dict[str, object]:
    """The template context, prepared in Python: the title and each section's contained blocks."""
    placed = place_entries(role, session) if placed is None else placed
    sections = []
    for sec in role.scaffold.sections:
        blocks = section_blocks(placed[sec.heading], sec.is_prose)
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
    text = text.replace("\r\n", "\n").rstrip("\n") + "\n"
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
