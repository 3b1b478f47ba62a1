"""Tests for the section-by-section plan diff."""

from __future__ import annotations

from planner_tui.core.plan.diff import PREAMBLE, SectionChange, section_diff, split_sections, summary

OLD = """# Offline sync — Backend Plan

## Domain & Data
- Tables: `sync_batches`, `sync_items`
- Required migrations and seeds: one migration per table

## API Surface
- `POST /api/sync/batches` accepts up to 500 items

## Notes
Nothing yet.
"""


def _by_heading(changes: list[SectionChange]) -> dict[str, SectionChange]:
    return {c.heading: c for c in changes}


def test_no_old_plan_makes_every_section_added() -> None:
    changes = section_diff(None, OLD)
    assert [c.heading for c in changes] == [PREAMBLE, "Domain & Data", "API Surface", "Notes"]
    assert {c.status for c in changes} == {"added"}
    assert changes[1].lines[0] == "+## Domain & Data"
    assert summary(changes) == "4 sections added"


def test_identical_plans_are_unchanged() -> None:
    changes = section_diff(OLD, OLD)
    assert {c.status for c in changes} == {"unchanged"}
    assert all(c.lines == [] for c in changes)
    assert summary(changes) == "no changes"


def test_changed_added_and_removed_sections() -> None:
    new = OLD.replace("accepts up to 500 items", "accepts up to 200 items").replace(
        "## Notes\nNothing yet.\n", "## Risks\n- Clock skew between devices\n"
    )
    changes = section_diff(OLD, new)
    by = _by_heading(changes)
    assert by["Domain & Data"].status == "unchanged"
    api = by["API Surface"]
    assert api.status == "changed"
    assert "-- `POST /api/sync/batches` accepts up to 500 items" in api.lines
    assert "+- `POST /api/sync/batches` accepts up to 200 items" in api.lines
    assert api.lines[0].startswith("@@")
    assert (api.added_lines, api.removed_lines) == (1, 1)
    assert by["Risks"].status == "added"
    assert by["Notes"].status == "removed"
    assert by["Notes"].lines == ["-## Notes", "-Nothing yet."]
    assert summary(changes) == "1 section changed, 1 added, 1 removed"


def test_removed_section_keeps_its_old_place() -> None:
    new = OLD.replace("## API Surface\n- `POST /api/sync/batches` accepts up to 500 items\n\n", "")
    headings = [(c.heading, c.status) for c in section_diff(OLD, new)]
    assert headings == [
        (PREAMBLE, "unchanged"),
        ("Domain & Data", "unchanged"),
        ("API Surface", "removed"),
        ("Notes", "unchanged"),
    ]


def test_moved_section_is_not_removed_and_added() -> None:
    parts = split_sections(OLD)
    reordered = "\n".join("\n".join(lines) for _, lines in [parts[0], parts[3], parts[1], parts[2]]) + "\n"
    changes = section_diff(OLD, reordered)
    assert [c.heading for c in changes] == [PREAMBLE, "Notes", "Domain & Data", "API Surface"]
    assert "removed" not in {c.status for c in changes}
    assert "added" not in {c.status for c in changes}


def test_headings_inside_code_fences_do_not_split() -> None:
    text = "## Notes\n```text\n## not a heading\n```\n~~~~\n## nor this\n~~~\n## still fenced\n~~~~\n## Risks\n- one\n"
    assert [h for h, _ in split_sections(text)] == ["Notes", "Risks"]


def test_deeper_headings_and_hash_text_do_not_split() -> None:
    text = "## Data\n### Tables\n##not-a-heading\n#### deep\n## Api ##\n- x\n"
    assert [h for h, _ in split_sections(text)] == ["Data", "Api"]


def test_repeated_headings_pair_in_order() -> None:
    old = "## Notes\na\n## Notes\nb\n"
    new = "## Notes\na\n## Notes\nc\n"
    changes = section_diff(old, new)
    assert [(c.heading, c.status) for c in changes] == [("Notes", "unchanged"), ("Notes", "changed")]


def test_crlf_and_missing_final_newline_are_not_changes() -> None:
    crlf = OLD.replace("\n", "\r\n").rstrip("\r\n")
    assert summary(section_diff(crlf, OLD)) == "no changes"


def test_summary_singular_and_plural() -> None:
    one = [SectionChange("A", "changed", ["+x"])]
    assert summary(one) == "1 section changed"
    two = one + [SectionChange("B", "changed", ["+y"]), SectionChange("C", "removed", ["-z"])]
    assert summary(two) == "2 sections changed, 1 removed"
    assert summary([]) == "no changes"
