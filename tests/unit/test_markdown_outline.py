"""The plan outline parsed section by section equals one markdown-it parse of the whole text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner_tui.core.text.markdown import headings_by_full_parse, outline, sections
from planner_tui.core.plan.readiness import _cut_blocks

PLAN = """# Photo Annotations — Backend Plan

## Domain & Data
- Store annotations in `photo_annotations`
  continued on a second line
- Index photo_id

## API Surface
- POST /api/photos/{photo}/annotations

## Notes
Free text paragraph.

> a quote
"""


def test_a_plan_gives_the_same_headings_and_lines_as_a_full_parse():
    assert outline(PLAN) == headings_by_full_parse(PLAN)
    assert [s.heading for s in sections(PLAN)] == ["Photo Annotations — Backend Plan", "Domain & Data", "API Surface", "Notes"]


def test_shapes_that_could_hide_a_heading_fall_back_to_the_full_parse():
    tricky = [
        PLAN.replace("- Index photo_id", "```\nopen fence"),  # swallows the next headings
        PLAN.replace("Free text paragraph.", "<!--\ncomment"),  # an HTML block to the end
        PLAN.replace("- Index photo_id", "Setext\n---"),  # a heading inside a section
        PLAN.replace("- Index photo_id", "[ref]: /x"),  # a link reference definition
        PLAN.replace("\n", "\r\n"),
        PLAN.replace("\n## Notes", "\r## Notes"),
        "no heading at all\n",
        "text before\n# Title\n",
        "   # indented title\n## Next\n",
        PLAN.replace("- Index photo_id", "- ## heading in a list"),
        PLAN.replace("- Index photo_id", "| a | b |\n|---|---|"),
    ]
    for text in tricky:
        assert outline(text) == headings_by_full_parse(text), text


line = st.sampled_from(
    ["", "text", "- item", "  indented", "# One", "## Two", "### Three", "```", "~~~", "---", "===",
     "> quote", "<div>", "<!--", "-->", "[x]: /y", "1. one", "    code", "| a |", "|---|", "\t# tab", "#no space",
     "- Plain bullet", "Plain paragraph", "A | b", "- A | b", "-|-", "- ---", "Setext", "  ", "- a <div>"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(line, max_size=30))
def test_any_text_has_the_outline_of_a_full_parse(lines):
    # Sections of plain bullets and paragraphs are judged by their heading line alone: the
    # lines here mix them with every block that would make that judgement wrong.
    text = "\n".join(lines)
    assert outline(text) == headings_by_full_parse(text)


def _naive_cut(text: str, blocks: list[str]) -> str:
    for block in blocks:
        text = text.replace(block, "", 1)
    return text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab-\n", max_size=40), st.lists(st.text(alphabet="ab-\n", min_size=1, max_size=6), max_size=8))
def test_cutting_blocks_with_a_cursor_matches_replacing_each_in_turn(text, blocks):
    assert _cut_blocks(text, blocks) == _naive_cut(text, blocks)


def test_a_long_section_of_plain_bullets_has_the_outline_of_a_full_parse():
    bullets = "\n".join(f"- Decision {n}: keep the `photos` table" for n in range(2000))
    notes = "\n\n".join(f"Note {n} on caching" for n in range(200))
    plain = f"# Plan\n\n## Decisions\n\n{bullets}\n\n## Notes\n\n{notes}\n"
    assert outline(plain) == headings_by_full_parse(plain)
    # One line that is not a plain bullet (an indented code line, a setext underline) and the
    # section is parsed whole: the headings stay a full parse's.
    for odd in ("    code", "---", "```"):
        text = plain.replace("- Decision 1000:", odd + "\n- Decision 1000:")
        assert outline(text) == headings_by_full_parse(text)


piece = st.text(alphabet="ab-\n", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(piece, max_size=40), st.text(alphabet="ab-\n", max_size=12), st.text(alphabet="ab-\n", max_size=12),
       st.lists(st.integers(0, 39), max_size=3), st.lists(piece, max_size=6), st.sampled_from(["\n", "\n\n"]))
def test_cutting_a_rendered_run_of_blocks_matches_replacing_each_in_turn(blocks, before, after, dropped, extra, apart):
    # A plan as the template prints it: the blocks a line apart (bullets) or a blank line apart
    # (paragraphs), with text around them, some blocks missing from the text and some cut that
    # it never held (runs cut at once, and not).
    shown = [b for i, b in enumerate(blocks) if i not in dropped]
    text = before + apart + apart.join(shown) + apart + after
    assert _cut_blocks(text, blocks + extra) == _naive_cut(text, blocks + extra)


def test_cutting_ten_thousand_bullets_leaves_the_rest_of_the_plan():
    bullets = [f"- decision {n}" for n in range(10_000)]
    text = "# Plan\n\n## Decisions\n\n" + "\n".join(bullets[:6000]) + "\n\n## Risks\n\n" + "\n".join(bullets[6000:]) + "\n"
    assert _cut_blocks(text, bullets) == _naive_cut(text, bullets)
    assert _cut_blocks(text, bullets) == "# Plan\n\n## Decisions\n\n" + "\n" * 5999 + "\n\n## Risks\n\n" + "\n" * 3999 + "\n"


def test_sections_cut_at_top_level_headings_only():
    text = "# T\n\n## A\n```\n## in a fence\n```\n> ## in a quote\n\nSetext\n---\n## B\nlast\n"
    found = sections(text)
    assert [(s.heading, s.level, s.start, s.end) for s in found] == [
        ("T", 1, 0, 2), ("A", 2, 2, 8), ("Setext", 2, 8, 10), ("B", 2, 10, 12)
    ]
    assert [s.heading for s in sections(text, level=2)] == ["A", "Setext", "B"]
    assert sections(text.replace("\n", "\r\n")) == found
    assert sections("no heading\n") == []
