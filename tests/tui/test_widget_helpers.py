"""The small pure helpers behind the panes: answer references, numbering, styling, sections, find."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from planner_tui.core.models import Entry, TopicState
from planner_tui.widgets.discussion.composer import parse_answer_ref
from planner_tui.widgets.artifacts.find_bar import find_matches
from planner_tui.widgets.plan.pane import split_sections
from planner_tui.widgets.textstyle import inline_markdown, markdown_lines
from planner_tui.widgets.discussion.thread import entry_text, question_numbers

AT = datetime(2025, 3, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("#2 yes", (2, "yes")),
        ("#2: yes", (2, "yes")),
        ("#12) yes, both", (12, "yes, both")),
        ("2: yes", (2, "yes")),
        ("2. yes", (2, "yes")),
        ("  3) multi\nline", (3, "multi\nline")),
        ("#2", None),
        ("2 apples are enough", None),
        ("Use #2 pencils", None),
        ("10:30 is the sync time", None),
    ],
)
def test_parse_answer_ref(typed, expected):
    assert parse_answer_ref(typed) == expected


def _entry(id_: str, kind: str, text: str, **extra) -> Entry:
    return Entry(id=id_, kind=kind, text=text, at=AT, **extra)


def test_questions_are_numbered_in_thread_order_and_keep_their_number():
    state = TopicState(
        id="t",
        entries=[
            _entry("q1", "question", "a?", status="answered", answer_id="a1"),
            _entry("d1", "decision", "x"),
            _entry("a1", "answer", "yes", reply_to="q1"),
            _entry("q2", "question", "b?", status="open"),
        ],
    )
    assert question_numbers(state) == {"q1": 1, "q2": 2}
    assert question_numbers(None) == {}
    assert entry_text(state.entries[2], question_numbers(state)).plain.startswith(" A  → #1 yes")
    assert " #2 OPEN b?" in entry_text(state.entries[3], question_numbers(state)).plain


def test_dropped_question_shows_its_reason_and_agent_entries_say_so():
    dropped = _entry("q1", "question", "video?", status="dropped", drop_reason="out of scope")
    line = entry_text(dropped, {"q1": 1}).plain
    assert "#1 ✗" in line and "dropped: out of scope" in line
    agent = _entry("n1", "note", "from the PRD", author="agent")
    assert "· agent" in entry_text(agent, {}).plain


def test_markdown_styling_drops_markers_and_keeps_text_literal():
    text = markdown_lines(["## Risks", "- **Big** photos in `storage/app`", "1. first", "[/bold] [red]x\x1b"])
    assert text.plain == "Risks\n• Big photos in storage/app\n1. first\n[/bold] [red]x␛"
    styles = {str(span.style) for span in text.spans}
    assert "bold" in styles and "bold magenta" in styles
    assert inline_markdown("see [PRD](./04-prd.md)").plain == "see PRD (./04-prd.md)"


def test_fenced_code_is_kept_as_is():
    text = markdown_lines(["```", "- not a bullet", "```"])
    assert text.plain == "```\n- not a bullet\n```"


def test_split_sections_follows_headings():
    plan = "# Title — Backend Plan\n\n## Domain & Data\n- a\n\n## Risks\n- r\n"
    parts = split_sections(plan)
    assert [h for h, _ in parts] == ["Title — Backend Plan", "Domain & Data", "Risks"]
    assert parts[1][1] == "## Domain & Data\n- a"
    assert split_sections("no heading\n") == [("", "no heading")]


def test_find_matches_is_case_insensitive_and_literal():
    assert find_matches("Photo photo PHOTO", "photo") == [(0, 5), (6, 11), (12, 17)]
    assert find_matches("a.b axb", "a.b") == [(0, 3)]
    assert find_matches("anything", "") == []
