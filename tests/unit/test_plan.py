"""Rendering the role plan: exact output, placement, determinism, containment and template discipline."""

from __future__ import annotations

import ast
import random
from datetime import datetime, timedelta
from pathlib import Path

import jinja2
import pytest

from planner_tui.core.plan import placing, render
from planner_tui.core.errors import PlanError
from planner_tui.core.text.markdown import markdown_parser, sections
from planner_tui.core.models import Session
from planner_tui.core.plan.placing import place_entries
from planner_tui.core.plan.render import (
    packaged_templates,
    make_environment,
    plan_headings,
    plan_title,
    render_plan,
    scaffold_headings,
    template_name,
)

try:
    from .plan_support import T0, backend_role, entry, frontend_like_role, session_with
except ImportError:  # collected without a package
    from plan_support import T0, backend_role, entry, frontend_like_role, session_with

EXPECTED = """\
# Saved Searches — Backend Plan

## Domain & Data
- SavedSearch belongsTo User; User hasMany SavedSearch
- Migration: create_saved_searches_table (additive); no seeds

## API Surface
- GET /account/saved-searches (paginated, 20 per page)
- POST /account/saved-searches
  body: { name, filters }

## Controllers & Validation

## Livewire/Frontend Contracts

## Events, Jobs & Queues

## Search (Meilisearch)

## Caching & Performance
- Cache key saved-searches:{userId}, TTL 10 min
- N+1 audit: menu query ≤3 queries

## Observability

## Risks
- Digest fan-out at scale → chunk users by 500

## Notes
Sharing searches is out of scope.

Keep the `products` index.
"""


def small_session() -> Session:
    """Entries typed out of order, with thread-only kinds that must not render."""
    return session_with(
        {
            "database": [entry("decision", "Migration: create_saved_searches_table (additive); no seeds", minutes=1)],
            "domain": [
                entry("question", "Do searches belong to teams?", minutes=2, status="answered"),
                entry("answer", "No, to users.", minutes=3),
                entry("decision", "SavedSearch belongsTo User; User hasMany SavedSearch", minutes=4),
                entry("note", "Sharing searches is out of scope.", minutes=5),
            ],
            "api": [
                entry("decision", "GET /account/saved-searches (paginated, 20 per page)", minutes=6),
                entry("decision", "POST /account/saved-searches\r\nbody: { name, filters }  ", minutes=7),
                entry("question", "Rate limit?", minutes=8, status="dropped"),
            ],
            "performance": [entry("decision", "N+1 audit: menu query ≤3 queries", minutes=9)],
            "caching": [entry("decision", "Cache key saved-searches:{userId}, TTL 10 min", minutes=10)],
            "search": [
                entry("risk", "Digest fan-out at scale → chunk users by 500", minutes=11),
                entry("note", "Keep the `products` index.", minutes=12),
                entry("question", "Which index?", minutes=13),
            ],
        }
    )


def test_small_session_renders_exactly():
    assert render_plan(backend_role(), small_session(), "Saved Searches") == EXPECTED


def test_render_is_byte_identical_and_well_formed():
    role, session = backend_role(), small_session()
    first = render_plan(role, session, "Saved Searches")
    again = render_plan(role, Session.model_validate_json(session.model_dump_json()), "Saved Searches")
    assert first.encode("utf-8") == again.encode("utf-8")
    assert "\r" not in first and not first.startswith("\ufeff")
    assert first.endswith("\n") and not first.endswith("\n\n")
    assert all(line == line.rstrip() for line in first.split("\n"))


def test_order_does_not_depend_on_storage_order():
    role, session = backend_role(), small_session()
    shuffled = session.model_copy(deep=True)
    rng = random.Random(7)
    rng.shuffle(shuffled.topics)
    for state in shuffled.topics:
        rng.shuffle(state.entries)
    assert render_plan(role, shuffled, "Saved Searches") == render_plan(role, session, "Saved Searches")


def test_slots_then_slotless_then_time_then_id():
    role = backend_role()
    session = session_with(
        {
            # Topic 1 owns slot 0, topic 6 slot 1; an override from topic 2 has no slot.
            "database": [entry("decision", "seed: none", minutes=1)],
            "api": [entry("decision", "moved here from API", minutes=0, section="Domain & Data")],
            "domain": [
                entry("decision", "second at same time", minutes=5, id="b2"),
                entry("decision", "first at same time", minutes=5, id="a1"),
                entry("decision", "earlier", minutes=3, id="z9"),
            ],
        }
    )
    items = [p.entry.text for p in place_entries(role, session)["Domain & Data"]]
    assert items == ["earlier", "first at same time", "second at same time", "seed: none", "moved here from API"]


def test_slot_kept_when_override_names_the_topics_own_section():
    role = backend_role()
    session = session_with(
        {
            "database": [entry("decision", "migration", minutes=1, section="domain & data")],
            "domain": [entry("decision", "entity", minutes=2)],
        }
    )
    placed = place_entries(role, session)["Domain & Data"]
    assert [(p.entry.text, p.slot) for p in placed] == [("entity", 0), ("migration", 1)]


def test_kinds_land_in_their_sections():
    role = backend_role()
    session = session_with(
        {
            "events": [
                entry("risk", "queue backlog"),
                entry("note", "mail goes through Postmark"),
                entry("note", "breadcrumb on run", section="Observability"),
                entry("risk", "index drift", section="Search (Meilisearch)"),
                entry("decision", "lands in unknown", section="No Such Section"),
                entry("answer", "an answer never renders"),
                entry("question", "an open question never renders"),
            ]
        }
    )
    placed = {h: [p.entry.text for p in items] for h, items in place_entries(role, session).items()}
    assert placed["Risks"] == ["queue backlog"]
    assert placed["Notes"] == ["mail goes through Postmark"]
    assert placed["Observability"] == ["breadcrumb on run"]
    assert placed["Search (Meilisearch)"] == ["index drift"]
    assert placed["Events, Jobs & Queues"] == ["lands in unknown"]
    text = render_plan(role, session, "X")
    assert "never renders" not in text
    assert "## Observability\n- breadcrumb on run\n" in text


def test_unknown_topic_lands_in_last_section_and_blank_entries_vanish():
    role = backend_role()
    session = session_with({"retired-topic": [entry("decision", "kept, not lost")], "api": [entry("decision", "  \n ")]})
    placed = place_entries(role, session)
    assert [p.entry.text for p in placed["Notes"]] == ["kept, not lost"]
    assert "## API Surface\n\n## Controllers" in render_plan(role, session, "X")


def _placed_one_by_one(role, session):
    """The documented order, the plain way: every landing entry keyed by (slotted first, slot,
    topic order, time as UTC, id), sorted stably (thread order breaks exact ties)."""
    from datetime import timezone
    from operator import itemgetter

    from planner_tui.core.discussion.answers import decision_entries
    from planner_tui.core.models import PLAN_KINDS

    order = {t.id: i for i, t in enumerate(role.topics)}
    for state in session.topics:
        order.setdefault(state.id, len(order))
    specs = {t.id: t for t in role.topics}
    keyed = {s.heading: [] for s in role.scaffold.sections}
    for state in session.topics:
        for e in decision_entries(state, with_question=True):
            if e.kind not in PLAN_KINDS or not e.text.strip(" \t\r\n"):
                continue
            heading, slot = placing._place(role, specs.get(state.id), e.kind, e.section)
            at = e.at.replace(tzinfo=timezone.utc) if e.at.tzinfo is None else e.at
            keyed[heading].append((((0, slot) if slot is not None else (1, 0), order[state.id], at, e.id), (heading, slot, state.id, e.id)))
    return {h: [item for _, item in sorted(items, key=itemgetter(0))] for h, items in keyed.items()}


def test_placing_by_runs_matches_placing_entry_by_entry():
    # Threads out of time order, naive and aware times (in other zones too), equal times and
    # ids, sections moved by hand, every kind, unknown topics, answered questions.
    from datetime import timezone

    role, rng = backend_role(), random.Random(11)
    topics = [t.id for t in role.topics] + ["retired-topic"]
    zones = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)), None]
    headings = [None, None, None, "Risks", "Notes", "Domain & Data", "No Such Section"]
    for round_ in range(60):
        rising = round_ % 3 == 2  # every third round: threads in time order, one zone each (or mixed)
        threads: dict[str, list] = {}
        for n in range(rng.randint(0, 120)):
            kind = rng.choice(["decision", "decision", "note", "risk", "question", "answer"])
            made = entry(kind, rng.choice(["keep it", "  ", f"choice {n}", "- listed", ""]), minutes=n if rising else rng.randint(0, 30),
                         id=f"e{rng.randint(0, 60)}", section=rng.choice(headings))
            zone = rng.choice(zones[:2] if rising and round_ % 2 else zones)
            made.at = made.at.replace(tzinfo=None) if zone is None else made.at.astimezone(zone)
            threads.setdefault(rng.choice(topics), []).append(made)
        for thread in threads.values():  # some questions answered by an answer of their thread
            answers = [e for e in thread if e.kind == "answer"]
            for q in [e for e in thread if e.kind == "question"][: len(answers)]:
                q.status, q.answer_id = "answered", answers.pop().id
        session = session_with(threads)
        got = {h: [(p.section, p.slot, p.topic, p.entry.id) for p in items] for h, items in place_entries(role, session).items()}
        assert got == _placed_one_by_one(role, session)


def test_a_placement_makes_each_sections_blocks_once_for_the_render_and_the_checks():
    role = backend_role()
    session = session_with({role.topics[0].id: [entry("decision", "Keep it"), entry("note", "A note", minutes=1)]})
    placed = place_entries(role, session)
    for sec in role.scaffold.sections:
        made = placed.blocks(sec.heading, sec.is_prose)
        assert made == placing.section_blocks(placed[sec.heading], sec.is_prose)
        assert placed.blocks(sec.heading, sec.is_prose) is made
    assert any(placed.blocks(sec.heading, sec.is_prose) for sec in role.scaffold.sections)


def test_naive_times_sort_as_utc():
    role = backend_role()
    aware = entry("decision", "aware later", minutes=60)
    naive = entry("decision", "naive earlier")
    naive.at = datetime(2025, 3, 4, 9, 31)  # no tzinfo: read as UTC, before T0 + 60 min
    session = session_with({"api": [aware, naive]})
    assert [p.entry.text for p in place_entries(role, session)["API Surface"]] == ["naive earlier", "aware later"]
    assert aware.at - T0 == timedelta(minutes=60)


def test_multiline_entries_stay_inside_their_bullet():
    role = backend_role()
    text = "Errors:\n422 validation\n\n    403 policy\n- nested item\n  # not a heading"
    session = session_with({"api": [entry("decision", text)]})
    out = render_plan(role, session, "X")
    body = out.split("## API Surface\n", 1)[1].split("\n\n## ", 1)[0]
    assert body.startswith("- Errors:\n  422 validation\n\n")
    assert all(line == "" or line.startswith("  ") for line in body.split("\n")[1:])
    assert plan_headings(out) == scaffold_headings(role, "X")


F1 = [
    "{{ 7*7 }}",
    "{% for x in range(9999999) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# comment",
    "{% raw %}",
]
F3 = ["a < b && c > d", "<br>", "&amp;", "*stars*", "_under_", "C:\\new\\table", "list[str]", "ends with \\"]


@pytest.mark.parametrize("payload", F1)
def test_template_syntax_in_user_text_is_verbatim(payload):
    role = backend_role()
    session = session_with({"api": [entry("decision", payload)], "search": [entry("note", payload)]})
    out = render_plan(role, session, payload)
    assert f"- {payload}\n" in out and f"## Notes\n{payload}\n" in out
    assert out.startswith(f"# {payload} — Backend Plan\n")
    assert "49" not in out and "subclass" not in out.replace("__subclasses__", "")


@pytest.mark.parametrize("payload", F3)
def test_markdown_characters_survive(payload):
    out = render_plan(backend_role(), session_with({"api": [entry("decision", payload)]}), "X")
    # `<br>` opens a line, so its `<` is escaped; everything else is as typed.
    expected = "\\<br>" if payload == "<br>" else payload
    assert f"## API Surface\n- {expected}\n" in out
    assert "&lt;" not in out and "&amp;amp;" not in out


F4 = {
    "## Open questions": "\\## Open questions",
    "# H1": "\\# H1",
    "```\nunclosed": "\\```",
    "~~~": "\\~~~",
    "Title\n---": "\\---",
    "Title\n===": "\\===",
    '[x]: http://evil "t"': '\\[x]: http://evil "t"',
    "<details><summary>x": "\\<details>",
    "|a|b|\n|-|-|": "\\|-|-|",
}


@pytest.mark.parametrize("payload", list(F4))
def test_structure_injection_is_contained(payload):
    role = backend_role()
    session = session_with({"api": [entry("decision", payload)], "search": [entry("note", payload)]})
    out = render_plan(role, session, "X")
    env: dict = {}
    tokens = markdown_parser().parse(out, env)
    assert plan_headings(out) == scaffold_headings(role, "X")
    assert not env.get("references")
    assert not {"fence", "code_block", "html_block", "table_open", "hr"} & {t.type for t in tokens}
    assert F4[payload] in out
    lines = out.split("\n")
    first = next(i for i, line in enumerate(lines) if F4[payload] in line)
    last = max(i for i, line in enumerate(lines) if F4[payload] in line)
    assert section_at(out, first) == "API Surface"
    assert section_at(out, last) == "Notes"


def test_quotes_lists_and_indented_blocks_nest_without_escaping():
    role = backend_role()
    text = "> quoted\n1. first\n2. second\n\n        indented"
    out = render_plan(role, session_with({"api": [entry("decision", text)]}), "X")
    assert "- > quoted\n  1. first\n  2. second\n\n     indented\n" in out
    assert not {"code_block"} & {t.type for t in markdown_parser().parse(out)}


def test_heading_hidden_in_a_quote_falls_back_to_strict_escaping():
    role = backend_role()
    out = render_plan(role, session_with({"api": [entry("decision", "> # hidden\n> ```")]}), "X")
    assert "- \\> # hidden\n  \\> ```\n" in out
    assert plan_headings(out) == scaffold_headings(role, "X")


def test_control_characters_become_visible():
    out = render_plan(backend_role(), session_with({"api": [entry("decision", "a\x1b[2Jb\x00c\x85d")]}), "X")
    assert "- a\u241b[2Jb\u2400c\\x85d\n" in out
    assert "\x1b" not in out and "\x00" not in out and "\x85" not in out


def test_title_is_one_line_and_keeps_a_closing_hash():
    role = backend_role()
    assert plan_title(role, "Saved\nSearches \r\n v2") == "# Saved Searches v2 — Backend Plan"
    frontless = frontend_like_role()
    frontless.scaffold.title_line = "# [Epic Title]"
    assert plan_title(frontless, "Support C #") == "# Support C \\#"
    out = render_plan(frontless, session_with({}), "Support C #")
    assert plan_headings(out)[0] == (1, "Support C \\#")


def test_empty_bullet_section_is_a_heading_then_a_blank_line():
    out = render_plan(backend_role(), session_with({}), "X")
    assert "## API Surface\n\n## Controllers & Validation\n" in out
    assert out.endswith("## Risks\n\n## Notes\n")


def test_template_choice_role_then_generic():
    assert template_name(backend_role()) == "03-backend.md.j2"
    assert template_name(frontend_like_role("../../etc/passwd")) == "plan.md.j2"
    env = make_environment()
    assert env.select_template([template_name(frontend_like_role()), "plan.md.j2"]).name == "plan.md.j2"
    out = render_plan(frontend_like_role(), session_with({"screens": [entry("decision", "Menu page")]}), "X")
    assert out == "# X — Mobile Plan\n\n## Screens & Navigation\n- Menu page\n\n## Risks\n\n## Notes\n"


def test_bundled_templates_are_found_from_a_checkout():
    names = {p.name for p in packaged_templates().iterdir()}
    assert {"plan.md.j2", "03-backend.md.j2", "04-frontend.md.j2"} <= names


def _env_with(tmp_path: Path, source: str) -> jinja2.Environment:
    (tmp_path / "plan.md.j2").write_text(source, encoding="utf-8")
    return make_environment(jinja2.FileSystemLoader(tmp_path))


def test_undefined_variable_is_a_template_bug(tmp_path):
    env = _env_with(tmp_path, "{{ title }}\n{{ notes }}\n")
    with pytest.raises(PlanError, match=r"^template bug: 'notes' is undefined$"):
        render_plan(backend_role(), session_with({}), "X", env=env)


def test_missing_template_is_a_template_bug(tmp_path):
    env = make_environment(jinja2.FileSystemLoader(tmp_path))
    with pytest.raises(PlanError, match=r"template bug: the plan template is missing .*plan\.md\.j2"):
        render_plan(backend_role(), session_with({}), "X", env=env)


def test_syntax_error_names_the_line(tmp_path):
    env = _env_with(tmp_path, "{{ title }}\n\n{% for s in sections %}\n")
    with pytest.raises(PlanError, match=r"template bug: plan\.md\.j2 line 3: "):
        render_plan(backend_role(), session_with({}), "X", env=env)


def test_template_that_breaks_the_outline_is_refused(tmp_path):
    env = _env_with(tmp_path, "{{ title }}\n\n## Next steps\n")
    with pytest.raises(PlanError, match="headings differ from the scaffold"):
        render_plan(backend_role(), session_with({}), "X", env=env)


def test_plan_module_never_builds_templates_from_strings():
    tree = ast.parse(Path(render.__file__).read_text(encoding="utf-8"))
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = {getattr(f, "attr", getattr(f, "id", None)) for f in calls}
    assert not {"from_string", "Template", "compile_expression"} & names
    assert sum(1 for f in calls if getattr(f, "attr", None) == "render") == 1


def section_at(text: str, line: int) -> str | None:
    """The heading of the section holding this 0-based line."""
    return next((s.heading for s in sections(text) if s.start <= line < s.end), None)


def test_sections_and_lookup():
    out = EXPECTED
    spans = sections(out)
    assert [s.heading for s in spans][:3] == ["Saved Searches — Backend Plan", "Domain & Data", "API Surface"]
    lines = out.split("\n")
    assert lines[spans[2].start] == "## API Surface" and lines[spans[2].end] == "## Controllers & Validation"
    assert section_at(out, lines.index("  body: { name, filters }")) == "API Surface"
    assert section_at(out, len(lines) - 2) == "Notes"
    assert spans[-1].end == len(lines) - 1
