"""Property tests: whatever anyone types, the plan keeps the scaffold's outline and every entry."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner_tui.core.text.contain import normalise_text
from planner_tui.core.text import markdown
from planner_tui.core.text.markdown import markdown_parser
from planner_tui.core.models import Entry
from planner_tui.core.plan.render import render_plan, scaffold_headings

try:
    from .plan_support import T0, backend_role, session_with
except ImportError:  # collected without a package
    from plan_support import T0, backend_role, session_with

ROLE = backend_role()
HEADINGS = [s.heading for s in ROLE.scaffold.sections]

NASTY = [
    "{{ 7*7 }}",
    "{% for x in range(9999999) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# comment",
    "{% raw %}",
    "a < b && c > d",
    "<br>",
    "&amp;",
    "*stars*",
    "_under_",
    "\\",
    "C:\\new\\table",
    "list[str]",
    "## Open questions",
    "# H1",
    "```",
    "```php",
    "~~~",
    "---",
    "===",
    "***",
    "- - -",
    '[x]: http://evil "t"',
    "[x]:",
    "[foo",
    "bar]: /url",
    "<details><summary>",
    "<!--",
    "<script>",
    "    indented code",
    "\tTabbed",
    "> quote",
    "> # quoted heading",
    "> ```",
    "1. list",
    "1) list",
    "- item",
    "+ item",
    "* item",
    "|a|b|",
    "|-|-|",
    ":-:|:-:",
    "-|-",
    "Heading\n---",
    "",
    " ",
    "\r\n",
    "\x1b]0;PWNED\x07",
    "\x00\x0b\x0c\x85\u2028\u2029",
    "\\# already escaped",
    "#hashtag",
    "#",
]

line_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.text(alphabet="#>-=*_`~<[]:|!1. \t\\{}%", max_size=10),
)
entry_text = st.lists(line_text, min_size=1, max_size=6).map("\n".join)
kinds = st.sampled_from(["decision", "decision", "risk", "note", "question", "answer"])
sections = st.one_of(st.none(), st.sampled_from(HEADINGS), st.sampled_from(["risks", "Nope", "## Notes"]))
topic_ids = st.sampled_from([t.id for t in ROLE.topics] + ["unknown-topic"])


@st.composite
def sessions(draw):
    raw = draw(st.lists(st.tuples(topic_ids, kinds, sections, entry_text), max_size=8))
    threads: dict[str, list[Entry]] = {}
    for n, (topic, kind, section, text) in enumerate(raw):
        status = "open" if kind == "question" else None
        item = Entry(id=f"e{n}", kind=kind, text=text, at=T0, section=section, status=status)
        threads.setdefault(topic, []).append(item)
    return session_with(threads)


def expected_section(topic: str, item: Entry) -> str:
    """An independent statement of the placement rules."""
    for candidate in (item.section, {"risk": "Risks", "note": "Notes"}.get(item.kind), ROLE.topic(topic) and ROLE.topic(topic).section):
        if candidate:
            match = next((h for h in HEADINGS if h.lower() == candidate.strip().lower()), None)
            if match:
                return match
    return HEADINGS[-1]


def unescaped(line: str) -> str:
    """A rendered line with its indentation and one containment backslash taken off."""
    body = line.lstrip(" ")
    if body.startswith("\\"):
        return body[1:]
    return re.sub(r"^(\d{1,9})\\([.)])", r"\1\2", body)


def forms(line: str) -> set[str]:
    """What a rendered line may stand for: itself unescaped, or the text after a `- ` marker."""
    out = {line.lstrip(" "), unescaped(line)}
    if line.startswith("- "):
        out |= {line[2:], unescaped(line[2:])}
    return out


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(session=sessions(), title=line_text)
def test_outline_fences_and_references_are_contained(session, title):
    out = render_plan(ROLE, session, title)
    env: dict = {}
    tokens = markdown_parser().parse(out, env)
    headings = [(int(t.tag[1:]), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == scaffold_headings(ROLE, title)
    # No fence opens at all (so none is left open), and no link reference definition exists.
    assert not {"fence", "code_block", "html_block", "table_open", "hr"} & {t.type for t in tokens}
    assert not env.get("references")
    assert out.endswith("\n") and not out.endswith("\n\n") and "\r" not in out


@SETTINGS
@given(session=sessions())
def test_every_plan_entry_is_found_in_its_section(session):
    out = render_plan(ROLE, session, "Epic")
    lines = out.split("\n")
    spans = {s.heading: (s.start, s.end) for s in markdown.sections(out)}
    for state in session.topics:
        for item in state.entries:
            want = normalise_text(item.text)
            if item.kind in ("question", "answer") or not want:
                continue
            start, end = spans[expected_section(state.id, item)]
            body = [forms(ln) for ln in lines[start + 1 : end]]
            # The entry's lines appear in order, each in some line of the section.
            pos = 0
            for line in want:
                target = line.lstrip(" \t")
                if not target:
                    continue
                while pos < len(body) and target not in body[pos]:
                    pos += 1
                assert pos < len(body), f"{target!r} not found under {expected_section(state.id, item)}"
                pos += 1


@SETTINGS
@given(session=sessions())
def test_rendering_is_deterministic(session):
    shuffled = session.model_copy(deep=True)
    shuffled.topics.reverse()
    for state in shuffled.topics:
        state.entries.reverse()
    assert render_plan(ROLE, session, "Epic") == render_plan(ROLE, shuffled, "Epic")
