"""The no-parse path for one-line entries agrees with markdown-it on every such line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner_tui.core.text import contain

# Any printable text after a leading ASCII letter, markdown's special characters included.
_REST = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60)
_LINE = st.builds(lambda first, rest: first + rest, st.sampled_from("aZmQx"), _REST)


@settings(max_examples=400, deadline=None)
@given(_LINE)
def test_a_line_starting_with_a_letter_is_contained_as_markdown_it_says(line):
    lines = contain.contain_lines(line)
    if not contain._plain_line(lines):
        return  # containment escaped the start: the parse decides, as before
    assert contain.is_contained("- " + lines[0], as_bullet=True), line
    assert contain.is_contained(lines[0], as_bullet=False), line


def test_lines_that_could_open_a_block_still_go_through_the_parser():
    for text in ("# heading", "> quote", "1. item", "- item", "```", "<div>", "[a]: http://x", "---"):
        assert not contain._plain_line(contain.contain_lines(text)), text
    assert not contain._plain_line(["two", "lines"])
